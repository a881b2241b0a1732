// Measures the EML converter: conversions per second on small messages, and a large attachment streamed to
// /dev/null with wall time and peak memory, beside `base64 -w 76` on the same file.
//
//   swift run -c release --package-path Benchmarks EMLBenchmark [--messages N] [--attachment-mib N] [--dir DIR]
//
// SHA-256 alone is measured beside its tests (Tests/WhatsAppArchiverTests/Support/SHA256Benchmarks.swift): it is not
// public API, and this package sees only public API.
//
// The attachment file is created in DIR (default /dev/shm) and removed at the end.
import Foundation
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes to a file descriptor, counting bytes.
final class DescriptorWriter: EmailByteWriter {
    let descriptor: Int32
    private(set) var count: Int64 = 0

    init(path: String) {
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot open \(path)")
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            #if canImport(Darwin)
            let written = Darwin.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            #else
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            #endif
            precondition(written > 0, "write failed")
            offset += written
        }
        count += Int64(bytes.count)
    }

    func finish() {}

    deinit { close(descriptor) }
}

/// Discards bytes, counting them.
final class CountingWriter: EmailByteWriter {
    private(set) var count = 0
    func write(_ bytes: UnsafeRawBufferPointer) throws { count += bytes.count }
    func finish() {}
}

/// The process's peak resident set (VmHWM) in MiB, from /proc/self/status; nil where there is no /proc.
func peakResidentMiB() -> Double? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes / 1024
    }
    return nil
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

func argument(_ name: String, default value: String) -> String {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return value }
    return arguments[index + 1]
}

let messageCount = Int(argument("--messages", default: "50000"))!
let attachmentMiB = Int(argument("--attachment-mib", default: "1024"))!
let directory = argument("--dir", default: "/dev/shm")
let converter = try EMLConverter()
let clock = ContinuousClock()

func request(_ item: Item) -> ConversionRequest {
    let participants = item.participants.map { party in
        ParticipantMapping(party: party, mailbox: party.email.flatMap(MailboxAddress.init))
    }
    let mailboxes = participants.compactMap(\.mailbox)
    return ConversionRequest(
        item: item,
        mapping: MappingResult(mailboxes: mailboxes, participants: participants),
        mailboxes: mailboxes
    )
}

// 1. A large attachment, first, so that VmHWM reflects it and not the small-message phase.
let path = directory + "/eml-benchmark-\(getpid()).bin"
do {
    let writer = DescriptorWriter(path: path)
    var generator = SystemRandomNumberGenerator()
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    for _ in 0..<attachmentMiB {
        for index in stride(from: 0, to: chunk.count, by: 8) {
            withUnsafeBytes(of: generator.next() as UInt64) { chunk.replaceSubrange(index..<index + 8, with: $0) }
        }
        try chunk.withUnsafeBytes { try writer.write($0) }
    }
}
defer { unlink(path) }
let baselineMiB = peakResidentMiB()
var video = SampleItems.message(id: "wa-bench-video", text: "The recording")
video.attachments = [
    Attachment(
        id: "video",
        fileName: "recording.mp4",
        contentType: "video/mp4",
        size: Int64(attachmentMiB) << 20,
        content: .file(atPath: path)
    )
]
let largeStart = clock.now
let message = try await converter.convert(request(video))
/// Writes `message` to /dev/null; returns the bytes written. A function, so that the writer is a local variable
/// (a top-level one is isolated to the main actor and cannot be passed `inout` to an async call).
func writeToNull(_ message: EmailMessage) async throws -> Int64 {
    var nullWriter = DescriptorWriter(path: "/dev/null")
    try await message.body.write(to: &nullWriter)
    return nullWriter.count
}
let largeWritten = try await writeToNull(message)
let largeSeconds = seconds(clock.now - largeStart)
let largePeakMiB = peakResidentMiB()

let base64Start = clock.now
let process = Process()
process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
process.arguments = ["base64", "-w", "76", path]
process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
try process.run()
process.waitUntilExit()
let base64Seconds = seconds(clock.now - base64Start)

// 2. Small messages: a one-to-one text message and a group message with a 4 KiB attachment, converted and written.
let small = SampleItems.message(id: "wa-bench-small", text: "Hello Carol, the offer is attached. 👋")
var group = SampleItems.message(
    id: "wa-bench-group",
    to: [SampleItems.bernd, SampleItems.carol],
    conversation: SampleItems.salesGroup,
    text: "Offer attached 📎"
)
group.attachments = [
    SampleItems.attachment(id: "att-1", fileName: "Offer Q4.pdf", bytes: Array(repeating: 7, count: 4096))
]
/// Converts and writes `request` `count` times; off the main actor, so that the loop measures the converter rather
/// than executor hops.
nonisolated func convertRepeatedly(
    _ converter: EMLConverter,
    _ request: ConversionRequest,
    count: Int
) async throws -> (seconds: Double, bytesPerMessage: Int) {
    let clock = ContinuousClock()
    var counter = CountingWriter()
    let start = clock.now
    for _ in 0..<count {
        let message = try await converter.convert(request)
        try await message.body.write(to: &counter)
    }
    return (seconds(clock.now - start), counter.count / count)
}

var results: [(String, Double, Int)] = []
for (name, item) in [("text message", small), ("group message + 4 KiB attachment", group)] {
    let (elapsed, size) = try await convertRepeatedly(converter, request(item), count: messageCount)
    results.append((name, elapsed, size))
}

let mib = Double(attachmentMiB)
print("EMLBenchmark (\(attachmentMiB) MiB attachment in \(directory), \(messageCount) small messages each)")
print(
    String(
        format: "  large attachment: %.2f s (%.0f MiB/s of input), %lld bytes written",
        largeSeconds,
        mib / largeSeconds,
        largeWritten
    )
)
print(
    String(
        format: "  base64 -w 76:     %.2f s (%.0f MiB/s); converter/base64 = %.2f",
        base64Seconds,
        mib / base64Seconds,
        largeSeconds / base64Seconds
    )
)
if let baselineMiB, let largePeakMiB {
    print(
        String(format: "  peak RSS (VmHWM): %.1f MiB before the conversion, %.1f MiB after", baselineMiB, largePeakMiB)
    )
}
for (name, elapsed, size) in results {
    print(
        String(
            format: "  %@: %.0f conversions/s (%.1f µs each, %d bytes)",
            name,
            Double(messageCount) / elapsed,
            elapsed / Double(messageCount) * 1e6,
            size
        )
    )
}
