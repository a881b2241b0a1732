import ChatExport
import Foundation
import Testing
import WhatsAppArchiver

/// Writes the source's items as JSON for the oracles of `.ci/checks/chat-export-oracles.sh` (Python's chat-miner
/// and whatstk parse the same files; `Scripts/chat-export-oracles.py` compares).
///
/// With `CHAT_EXPORT_ORACLE_MANIFEST` set, it reads that file (one `PATH<TAB>ORDER<TAB>OUT` a line) and writes each
/// export's items to OUT. Without it, it dumps every committed fixture to a scratch directory and checks that the
/// JSON reads back to the same items.
struct ChatOracleDumpTests {
    static func json(_ items: [Item]) throws -> Data {
        let objects: [[String: Any]] = items.map { item in
            var object: [String: Any] = [
                "id": item.id,
                "time": RFC3339.format(item.sentAt),
                "kind": item.kind.rawValue,
                "text": item.text ?? NSNull(),
                "author": item.kind == .event ? NSNull() : (item.from.name ?? item.from.phone),
                "attachments": item.attachments.map { $0.fileName ?? "" },
                "omitted": item.attachments.contains {
                    $0.size == 0 && $0.fileName?.hasSuffix("omitted from the export") == true
                },
            ]
            if let event = item.event { object["event"] = event.type.rawValue }
            if let location = item.location { object["location"] = [location.latitude, location.longitude] }
            return object
        }
        return try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
    }

    static func dump(path: String, order: ChatDateOrder, to output: String) async throws -> Int {
        var configuration = ChatExportSource.Configuration(path: path)
        configuration.chatName = "Oracle"
        configuration.dateOrder = order
        let source = try ChatExportSource(configuration: configuration)
        let items = try await ChatFixtures.readAll(source).items
        await source.close()
        try json(items).write(to: URL(fileURLWithPath: output))
        return items.count
    }

    @Test func dumpForTheOracles() async throws {
        if let manifest = ProcessInfo.processInfo.environment["CHAT_EXPORT_ORACLE_MANIFEST"] {
            let lines = try String(contentsOfFile: manifest, encoding: .utf8).split(separator: "\n")
            for line in lines {
                let fields = line.split(separator: "\t").map(String.init)
                try #require(fields.count == 3, "manifest line \(line)")
                _ = try await Self.dump(path: fields[0], order: ChatDateOrder(rawValue: fields[1])!, to: fields[2])
            }
            return
        }
        let scratch = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let files = try FileManager.default.contentsOfDirectory(atPath: ChatFixtures.directory).filter {
            $0.hasSuffix(".txt") && $0 != "ambiguous.txt" && $0 != "conflicting.txt"
        }
        #expect(files.count >= 15)
        for file in files {
            let output = scratch + "/" + file + ".json"
            let count = try await Self.dump(path: ChatFixtures.path(file), order: .automatic, to: output)
            let back = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [Any]
            #expect(back?.count == count, "\(file)")
        }
    }
}
