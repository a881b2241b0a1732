import ChatExport
import Foundation
import WhatsAppArchiver

/// The fixture exports in `Tests/Fixtures/ChatExport`, and helpers to read a source to its end.
enum ChatFixtures {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let directory = repository.appendingPathComponent("Tests/Fixtures/ChatExport").path

    static func path(_ name: String) -> String { directory + "/" + name }

    /// A source over the fixture `name`, with the chat name `Fixture` unless the file name gives one.
    static func source(
        _ name: String,
        order: ChatDateOrder = .automatic,
        zone: String = "UTC",
        configure: (inout ChatExportSource.Configuration) -> Void = { _ in }
    ) throws -> ChatExportSource {
        var configuration = ChatExportSource.Configuration(path: name.hasPrefix("/") ? name : path(name))
        configuration.chatName = ChatExportInputName.derive(name) == nil ? "Fixture" : nil
        configuration.dateOrder = order
        configuration.timeZone = TimeZone(identifier: zone)!
        configure(&configuration)
        return try ChatExportSource(configuration: configuration)
    }

    /// Every page of the source's whole export.
    static func readAll(
        _ source: ChatExportSource,
        limit: Int = 500
    ) async throws -> (items: [Item], invalid: [InvalidRecord], pages: Int) {
        var items: [Item] = []
        var invalid: [InvalidRecord] = []
        var cursor: SourceCursor?
        var pages = 0
        repeat {
            let page = try await source.fetchPage(PageRequest(window: source.wholeExport, cursor: cursor, limit: limit))
            pages += 1
            items += page.items
            invalid += page.invalidRecords
            cursor = page.nextCursor
        } while cursor != nil
        return (items, invalid, pages)
    }

    /// A private scratch directory, removed by the caller.
    static func scratch() throws -> String {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = base + "/chat-export-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The instant of an RFC 3339 timestamp.
    static func date(_ text: String) -> Date { RFC3339.parse(text)! }
}

/// Whether a fixture's file name gives the chat's name (mirrors the source's rule for the tests' defaults).
enum ChatExportInputName {
    static func derive(_ name: String) -> String? {
        let base = (name as NSString).lastPathComponent
        return base.hasPrefix("WhatsApp Chat") ? base : nil
    }
}
