import Foundation
import TeleMessage
import Testing
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Throughput and memory of the directory binding, measured on demand and printed, never asserted:
///
///     TELEMESSAGE_BENCHMARK=/dev/shm swift test -c release -Xswiftc -enable-testing --filter TeleMessageBenchmarks
///
/// The variable names a scratch directory for the generated export (use a RAM disk).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["TELEMESSAGE_BENCHMARK"] != nil))
struct TeleMessageBenchmarks {
    let scratch = ProcessInfo.processInfo.environment["TELEMESSAGE_BENCHMARK"] ?? "/tmp"

    /// Writes an export of `count` one-minute-apart messages starting 2026-11-01, and a 256 MiB attachment.
    func makeExport(count: Int) throws -> String {
        let directory = scratch + "/telemessage-benchmark-\(count)"
        if FileManager.default.fileExists(atPath: directory + "/items.jsonl") { return directory }
        try FileManager.default.createDirectory(atPath: directory + "/attachments", withIntermediateDirectories: true)
        let start = RFC3339.parse("2026-11-01T00:00:00Z")!
        let handle = try FileHandle(
            forWritingTo: {
                _ = FileManager.default.createFile(atPath: directory + "/items.jsonl", contents: nil)
                return URL(fileURLWithPath: directory + "/items.jsonl")
            }()
        )
        var buffer = ""
        for index in 0..<count {
            let captured = RFC3339.format(start.addingTimeInterval(Double(index) * 60))
            buffer +=
                #"{"id":"wa-\#(index)","network":"whatsapp","captureMode":"phone","kind":"message","#
                + #""capturedAt":"\#(captured)","sentAt":"\#(captured)","#
                + #""owner":{"phone":"+46701234567","name":"Alice Andersson","email":"alice@contoso.com"},"#
                + #""conversation":{"id":"120363025@g.us","type":"group","name":"Sales Group"},"#
                + #""from":{"phone":"+46701234567","name":"Alice Andersson","email":"alice@contoso.com"},"#
                + #""to":[{"phone":"+4915112345678","name":"Bernd"},{"phone":"+12124325249","email":"carol@contoso.com"}],"#
                + #""text":"Message number \#(index): the offer stands until Friday, pricing as discussed 📎","#
                + #""attachments":[{"id":"att-\#(index)","fileName":"Offer.pdf","contentType":"application/pdf","size":48213,"kind":"document"}]}"#
                + "\n"
            if buffer.utf8.count > 1 << 20 {
                handle.write(Data(buffer.utf8))
                buffer = ""
            }
        }
        handle.write(Data(buffer.utf8))
        try handle.close()
        return directory
    }

    func peakResidentMegabytes() -> Double {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1_048_576
        #else
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #endif
    }

    func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test func directoryBinding() async throws {
        let count = 200_000
        let directory = try makeExport(count: count)
        let size = try FileManager.default.attributesOfItem(atPath: directory + "/items.jsonl")[.size] as! Int
        let megabytes = Double(size) / 1_048_576
        print("peak resident memory before reading: \(String(format: "%.0f", peakResidentMegabytes())) MiB")
        print("export: \(count) items, \(String(format: "%.1f", megabytes)) MiB")

        for (label, window) in [
            (
                "whole export",
                try TimeWindow(
                    from: RFC3339.parse("2026-10-01T00:00:00Z")!,
                    until: RFC3339.parse("2028-01-01T00:00:00Z")!
                )
            ),
            (
                "one day (0.7%)",
                try TimeWindow(
                    from: RFC3339.parse("2026-11-20T00:00:00Z")!,
                    until: RFC3339.parse("2026-11-21T00:00:00Z")!
                )
            ),
        ] {
            let source = TeleMessageSource(transport: try ExportDirectoryTransport(directory: directory))
            var items = 0
            let time = try await seconds {
                var cursor: SourceCursor?
                repeat {
                    let page = try await source.fetchPage(PageRequest(window: window, cursor: cursor, limit: 500))
                    items += page.items.count
                    cursor = page.nextCursor
                } while cursor != nil
            }
            await source.close()
            print(
                "source, \(label): \(items) items in \(String(format: "%.2f", time)) s, "
                    + "\(String(format: "%.0f", megabytes / time)) MiB/s of items.jsonl scanned"
            )
        }

        print("peak resident memory after the scans: \(String(format: "%.0f", peakResidentMegabytes())) MiB")

        let lines = try String(contentsOfFile: directory + "/items.jsonl", encoding: .utf8)
            .split(separator: "\n").prefix(50_000).map { Array($0.utf8) }
        let decoder = ItemDecoder()
        var decoded = 0
        let decodeTime = await seconds {
            for (index, line) in lines.enumerated() {
                if case .item = decoder.decode(line, position: "line \(index)") { decoded += 1 }
            }
        }
        let lineBytes = Double(lines.reduce(0) { $0 + $1.count }) / 1_048_576
        print(
            "decoder: \(decoded) records in \(String(format: "%.3f", decodeTime)) s = "
                + "\(Int(Double(decoded) / decodeTime)) records/s, \(String(format: "%.0f", lineBytes / decodeTime)) MiB/s"
        )

        let attachmentSize = 256 << 20
        let attachmentPath = directory + "/attachments/big"
        let megabyteOfZeros = [UInt8](repeating: 0, count: 1 << 20)
        if !FileManager.default.fileExists(atPath: attachmentPath) {
            _ = FileManager.default.createFile(atPath: attachmentPath, contents: nil)
            let output = try FileHandle(forWritingTo: URL(fileURLWithPath: attachmentPath))
            for _ in 0..<256 { output.write(Data(megabyteOfZeros)) }
            try output.close()
        }
        var hasher = SHA256()
        for _ in 0..<256 { hasher.update(megabyteOfZeros) }
        let digest = SHA256.hex(hasher.finalize())
        let record =
            #"{"id":"big-1","network":"whatsapp","kind":"message","capturedAt":"2026-11-23T00:00:00Z","#
            + #""sentAt":"2026-11-23T00:00:00Z","owner":{"phone":"+46701234567"},"conversation":{"id":"c","type":"individual"},"#
            + #""from":{"phone":"+46701234567"},"to":[],"attachments":[{"id":"big","size":\#(attachmentSize),"sha256":"\#(digest)"}]}"#
        // Verification through the source's attachment cache: the first open reads and hashes the file once.
        let verifying = try Fixtures.export(lines: [record])
        try FileManager.default.copyItem(atPath: attachmentPath, toPath: verifying + "/attachments/big")
        let bigSource = TeleMessageSource(transport: try ExportDirectoryTransport(directory: verifying))
        let page = try await bigSource.fetchPage(
            PageRequest(
                window: try TimeWindow(
                    from: RFC3339.parse("2026-11-22T00:00:00Z")!,
                    until: RFC3339.parse("2026-11-24T00:00:00Z")!
                )
            )
        )
        let attachment = try #require(page.items.first?.attachments.first)
        let openTime = try await seconds { try await attachment.content.open().close() }
        print(
            "attachment verification (size + SHA-256) of 256 MiB: \(String(format: "%.2f", openTime)) s = "
                + "\(String(format: "%.0f", 256 / openTime)) MiB/s"
        )
        await bigSource.close()
        try? FileManager.default.removeItem(atPath: verifying)
    }
}
