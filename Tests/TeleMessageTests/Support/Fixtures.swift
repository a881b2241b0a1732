import Foundation
import TeleMessage
import WhatsAppArchiver

/// Test data located relative to this file, so tests run from any working directory.
enum Fixtures {
    /// The sample export: `Tests/Fixtures/TeleMessage/export`.
    static let exportDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/TeleMessage/export").path

    /// The repository's `Scripts/fake-telemessage.py`.
    static let fakeServerScript = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Scripts/fake-telemessage.py").path

    /// The window of the sample export: 23 November 2026, UTC.
    static let window = try! TimeWindow(
        from: RFC3339.parse("2026-11-23T00:00:00Z")!,
        until: RFC3339.parse("2026-11-24T00:00:00Z")!
    )

    /// The ids of the valid items of the sample export in the window, in order.
    static let itemIDs = [
        "wa-001", "wa-002", "wa-003", "wa-004", "wa-005", "wa-006", "wa-007", "wa-008", "wa-009", "wa-011",
    ]

    /// Reads every page of `window` from `source`.
    static func readAll(
        _ source: any MessageSource,
        window: TimeWindow = Fixtures.window,
        limit: Int = 500
    ) async throws -> (items: [Item], invalid: [InvalidRecord], pages: Int) {
        var items: [Item] = []
        var invalid: [InvalidRecord] = []
        var cursor: SourceCursor?
        var pages = 0
        repeat {
            let page = try await source.fetchPage(PageRequest(window: window, cursor: cursor, limit: limit))
            pages += 1
            items += page.items
            invalid += page.invalidRecords
            cursor = page.nextCursor
        } while cursor != nil && pages < 10_000
        return (items, invalid, pages)
    }

    /// Reads an attachment's content to the end.
    static func bytes(of attachment: Attachment) async throws -> [UInt8] {
        let reader = try await attachment.content.open()
        defer { reader.close() }
        var bytes: [UInt8] = []
        _ = try await reader.forEachChunk(chunkSize: 4096) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// A new private scratch directory.
    static func scratchDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tm-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes an export with `lines` and no attachments; returns its directory.
    static func export(lines: [String], attachments: [String: [UInt8]] = [:]) throws -> String {
        let directory = try scratchDirectory()
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: directory + "/items.jsonl"))
        try FileManager.default.createDirectory(atPath: directory + "/attachments", withIntermediateDirectories: true)
        for (id, bytes) in attachments {
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/attachments/" + id))
        }
        return directory
    }

    /// A valid one-line record captured at `capturedAt`.
    static func line(id: String, capturedAt: String, extra: String = "") -> String {
        #"{"id":"\#(id)","network":"whatsapp","kind":"message","capturedAt":"\#(capturedAt)","#
            + #""sentAt":"\#(capturedAt)","owner":{"phone":"+46701234567"},"#
            + #""conversation":{"id":"c1","type":"individual"},"from":{"phone":"+46701234567","email":"alice@contoso.com"},"#
            + #""to":[]\#(extra)}"#
    }
}
