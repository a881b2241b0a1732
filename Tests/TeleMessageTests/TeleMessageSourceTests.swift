import Foundation
import Synchronization
import TeleMessage
import Testing
import WhatsAppArchiver

/// A transport that serves scripted pages of records and counts attachment fetches: the source's logic without
/// any binding.
final class ScriptedTransport: TeleMessageTransport {
    struct State {
        var fetches: [String: Int] = [:]
        var failures: [String: [any Error & Sendable]] = [:]
        var closeCount = 0
    }

    let pages: [[String]]
    let directory: String
    let state = Mutex(State())

    init(pages: [[String]]) throws {
        self.pages = pages
        self.directory = try Fixtures.scratchDirectory()
    }

    func fetchRecords(_ request: PageRequest) async throws -> TeleMessageRecordPage {
        let index = request.cursor.flatMap { Int($0.rawValue) } ?? 0
        let records = pages[index].enumerated().map {
            TeleMessageRecord(json: Array($1.utf8), position: "page \(index + 1) item \($0 + 1)")
        }
        return TeleMessageRecordPage(
            records: records,
            nextCursor: index + 1 < pages.count ? SourceCursor("\(index + 1)") : nil
        )
    }

    func fetchAttachment(id: String, declaredSize: Int64) async throws -> TeleMessageAttachmentFile {
        let failure: (any Error & Sendable)? = state.withLock {
            $0.fetches[id, default: 0] += 1
            return $0.failures[id]?.isEmpty == false ? $0.failures[id]!.removeFirst() : nil
        }
        if let failure { throw failure }
        let path = directory + "/\(id)-\(UUID().uuidString)"
        try Data(repeating: 0x61, count: Int(declaredSize)).write(to: URL(fileURLWithPath: path))
        return TeleMessageAttachmentFile(path: path, isTemporary: true)
    }

    func close() async { state.withLock { $0.closeCount += 1 } }

    var files: [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] }
}

struct TeleMessageSourceTests {
    static let withAttachment = #","attachments":[{"id":"a1","size":3}]"#

    @Test func collapsesRepeatedIDsAcrossPagesAndDropsItemsOutsideTheWindow() async throws {
        let transport = try ScriptedTransport(pages: [
            [
                Fixtures.line(id: "m1", capturedAt: "2026-11-23T01:00:00Z"),
                Fixtures.line(id: "m2", capturedAt: "2026-11-23T02:00:00Z"),
            ],
            [
                Fixtures.line(id: "m1", capturedAt: "2026-11-23T01:00:00Z"),
                Fixtures.line(id: "outside", capturedAt: "2026-11-24T00:00:00Z"),
                #"{"id":"m2","broken":true}"#, #"{"id":"m3"}"#, #"{"id":"m3"}"#,
            ],
        ])
        let source = TeleMessageSource(transport: transport)
        let result = try await Fixtures.readAll(source)
        #expect(result.items.map(\.id) == ["m1", "m2"])
        #expect(result.invalid.map(\.position) == ["page 2 item 4"])
        #expect(result.invalid.map(\.itemID) == ["m3"])

        // A new run (after close) reads everything again.
        await source.close()
        #expect(transport.state.withLock { $0.closeCount } == 1)
        #expect(try await Fixtures.readAll(source).items.map(\.id) == ["m1", "m2"])
    }

    @Test func fetchesEachAttachmentOnceAndDeletesItWithTheNextPage() async throws {
        let transport = try ScriptedTransport(pages: [
            [Fixtures.line(id: "m1", capturedAt: "2026-11-23T01:00:00Z", extra: Self.withAttachment)],
            [Fixtures.line(id: "m2", capturedAt: "2026-11-23T02:00:00Z")],
        ])
        let source = TeleMessageSource(transport: transport)
        let first = try await source.fetchPage(PageRequest(window: Fixtures.window))
        let attachment = try #require(first.items.first?.attachments.first)
        for _ in 0..<4 { #expect(try await Fixtures.bytes(of: attachment) == Array("aaa".utf8)) }
        #expect(transport.state.withLock { $0.fetches["a1"] } == 1)
        #expect(transport.files.count == 1)

        // A reader opened before the next page keeps working after its file is deleted.
        let reader = try await attachment.content.open()
        _ = try await source.fetchPage(PageRequest(window: Fixtures.window, cursor: first.nextCursor))
        #expect(transport.files.isEmpty)
        var bytes: [UInt8] = []
        _ = try await reader.forEachChunk { bytes += $0 }
        reader.close()
        #expect(bytes == Array("aaa".utf8))
        await source.close()
    }

    @Test func remembersAnItemFailureButRetriesARunFailure() async throws {
        let transport = try ScriptedTransport(pages: [
            [Fixtures.line(id: "m1", capturedAt: "2026-11-23T01:00:00Z", extra: Self.withAttachment)]
        ])
        transport.state.withLock {
            $0.failures["a1"] = [ArchiverError(.sourceUnavailable, "down", scope: .run)]
        }
        let source = TeleMessageSource(transport: transport)
        let attachment = try #require(
            try await source.fetchPage(PageRequest(window: Fixtures.window)).items.first?.attachments.first
        )
        let runError = await #expect(throws: ArchiverError.self) { _ = try await attachment.content.open() }
        #expect(runError?.scope == .run)
        #expect(try await Fixtures.bytes(of: attachment).count == 3, "a run-scoped failure is not remembered")

        let missing = try ScriptedTransport(pages: transport.pages)
        missing.state.withLock { $0.failures["a1"] = [ArchiverError(.attachmentMissing, "gone")] }
        let missingSource = TeleMessageSource(transport: missing)
        let gone = try #require(
            try await missingSource.fetchPage(PageRequest(window: Fixtures.window)).items.first?.attachments.first
        )
        for _ in 0..<3 {
            let error = await #expect(throws: ArchiverError.self) { _ = try await gone.content.open() }
            #expect(error?.code == .attachmentMissing)
        }
        #expect(missing.state.withLock { $0.fetches["a1"] } == 1, "a missing attachment is asked for once")
    }

    @Test(arguments: [
        ("9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0", true),  // SHA-256 of "aaa"
        ("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", false),  // SHA-256 of "abc"
    ])
    func checksTheDigestAndDeletesACorruptDownload(digest: String, matches: Bool) async throws {
        let extra = #","attachments":[{"id":"a1","size":3,"sha256":"\#(digest)"}]"#
        let transport = try ScriptedTransport(pages: [
            [Fixtures.line(id: "m1", capturedAt: "2026-11-23T01:00:00Z", extra: extra)]
        ])
        let source = TeleMessageSource(transport: transport)
        let attachment = try #require(
            try await source.fetchPage(PageRequest(window: Fixtures.window)).items.first?.attachments.first
        )
        if matches {
            #expect(try await Fixtures.bytes(of: attachment) == Array("aaa".utf8))
            #expect(transport.files.count == 1)
        } else {
            let error = await #expect(throws: ArchiverError.self) { _ = try await attachment.content.open() }
            #expect(error?.code == .attachmentIntegrity)
            #expect(transport.files.isEmpty, "a corrupt download is deleted at once")
        }
        await source.close()
        #expect(transport.files.isEmpty)
    }
}
