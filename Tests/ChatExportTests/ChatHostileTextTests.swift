import ChatExport
import Foundation
import Testing
import WhatsAppArchiver

/// Hostile chat texts: each is a clear run error or an `invalid_item` with its line numbers, never a crash, and
/// memory stays bounded however long a line or a file is.
@Suite struct ChatHostileTextTests {
    static func write(_ bytes: [UInt8], name: String = "chat.txt") throws -> (directory: String, path: String) {
        let directory = try ChatFixtures.scratch()
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (directory, path)
    }

    @Test func binaryGarbageIsNotAnExport() throws {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<65_536).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let (directory, path) = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect {
            _ = try ChatFixtures.source(path)
        } throws: { error in
            let error = error as? ArchiverError
            return error?.code == .chatExportInvalid && error?.message.contains("is not a WhatsApp chat export") == true
        }
    }

    @Test func invalidUTF8AndNULAreInvalidItemsWithTheirLines() async throws {
        var bytes = Array("14/01/2024, 09:00 - Alice: fine\n14/01/2024, 09:01 - Bob: bad ".utf8)
        bytes += [0xC3, 0x28, 0xFF]
        bytes += Array("\n14/01/2024, 09:02 - Bob: nul ".utf8) + [0] + Array(" inside\nsecond line\n".utf8)
        bytes += Array("15/01/2024, 09:03 - Alice: fine again\n".utf8)
        let (directory, path) = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (items, invalid, _) = try await ChatFixtures.readAll(try ChatFixtures.source(path))
        #expect(items.map(\.text) == ["fine", "fine again"])
        #expect(invalid.map(\.position) == ["chat.txt line 2", "chat.txt lines 3–4"])
        #expect(invalid[0].reason.contains("not UTF-8") && invalid[1].reason.contains("NUL"))
    }

    @Test func aTenMegabyteLineIsAnInvalidItemAndTheRestIsRead() async throws {
        var bytes = Array("14/01/2024, 09:00 - Alice: before\n14/01/2024, 09:01 - Bob: ".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 10 << 20)
        bytes += Array("\n15/01/2024, 09:02 - Alice: after\n".utf8)
        let (directory, path) = try Self.write(bytes)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (items, invalid, _) = try await ChatFixtures.readAll(try ChatFixtures.source(path))
        #expect(items.map(\.text) == ["before", "after"])
        #expect(invalid.count == 1 && invalid[0].position == "chat.txt line 2")
        #expect(invalid[0].reason.contains("longer than"))
    }

    /// 200 MB of messages generated here (not committed), streamed in pages: every message is read once, in
    /// order, and no two items share an id.
    @Test func aTwoHundredMegabyteTextIsStreamed() async throws {
        let directory = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/chat.txt"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let filler = String(repeating: "lorem ipsum dolor sit amet ", count: 150)
        var block = ""
        var written = 0
        var messages = 0
        while written < 200_000_000 {
            block.removeAll(keepingCapacity: true)
            for _ in 0..<500 {
                let minute = messages % 60
                let hour = (messages / 60) % 24
                let day = 1 + (messages / 1440) % 28
                block +=
                    "\(day < 10 ? "0" : "")\(day)/02/2024, \(hour < 10 ? "0" : "")\(hour):"
                    + "\(minute < 10 ? "0" : "")\(minute) - Author \(messages % 7): \(filler)\(messages)\n"
                messages += 1
            }
            let data = Data(block.utf8)
            handle.write(data)
            written += data.count
        }
        try handle.close()
        let source = try ChatFixtures.source(path) { $0.chatName = "Big" }
        var count = 0
        var ids = Set<String>()
        var cursor: SourceCursor?
        repeat {
            let page = try await source.fetchPage(PageRequest(window: source.wholeExport, cursor: cursor, limit: 5000))
            count += page.items.count
            for item in page.items { ids.insert(String(item.id.suffix(12))) }
            #expect(page.invalidRecords.isEmpty)
            cursor = page.nextCursor
        } while cursor != nil
        #expect(count == messages)
        #expect(ids.count == messages)
    }

    @Test func aSymbolicLinkInAnExportFolderIsNeverFollowed() async throws {
        let directory = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let folder = directory + "/WhatsApp Chat with Bob"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try
            "14/01/2024, 09:00 - Bob: secret.txt (file attached)\n15/01/2024, 09:00 - Bob: ../outside.txt (file attached)\n"
            .write(toFile: folder + "/WhatsApp Chat with Bob.txt", atomically: true, encoding: .utf8)
        try "outside".write(toFile: directory + "/outside.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/secret.txt", withDestinationPath: "/etc/hostname")
        let (items, _, _) = try await ChatFixtures.readAll(try ChatFixtures.source(folder))
        #expect(items.count == 2)
        for item in items {
            await #expect(throws: ArchiverError.self) { _ = try await item.attachments[0].content.open() }
        }
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/link.txt",
            withDestinationPath: folder + "/WhatsApp Chat with Bob.txt"
        )
        #expect(throws: ArchiverError.self) { _ = try ChatFixtures.source(directory + "/link.txt") }
    }
}
