import ChatExport
import Foundation
import Testing
import WhatsAppArchiver

/// The `.zip` WhatsApp makes, and every hostile or broken archive the reader must refuse before anything is
/// delivered, with nothing written outside the run's private directory.
@Suite struct ChatZipTests {
    static let chat =
        "14/01/2024, 09:00 - Alice: hello\n14/01/2024, 09:01 - Bob: IMG-1.jpg (file attached)\n"
        + "15/01/2024, 09:02 - Alice: bye\n"

    /// Opens `zip` as a source in a fresh scratch directory; returns the error, if any, and what the scratch
    /// directory holds afterwards.
    static func open(
        _ zip: TestZip,
        name: String = "WhatsApp Chat - Team.zip"
    ) async throws -> (
        error: ArchiverError?, items: [Item], leftovers: [String]
    ) {
        let scratch = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let path = scratch + "/" + name
        try zip.write(to: path)
        var configuration = ChatExportSource.Configuration(path: path)
        configuration.temporaryDirectory = scratch + "/private"
        var items: [Item] = []
        var failure: ArchiverError?
        do {
            let source = try ChatExportSource(configuration: configuration)
            items = try await ChatFixtures.readAll(source).items
            for item in items {
                for attachment in item.attachments {
                    if let reader = try? await attachment.content.open() {
                        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
                        defer { buffer.deallocate() }
                        _ = try await reader.read(into: buffer)
                        reader.close()
                    }
                }
            }
            await source.close()
        } catch let error as ArchiverError {
            failure = error
        }
        let leftovers = (FileManager.default.enumerator(atPath: scratch)?.allObjects as? [String] ?? [])
            .filter { $0 != name && $0 != "private" }
        return (failure, items, leftovers)
    }

    @Test func aWhatsAppZipWithMediaIsReadAndCleanedUp() async throws {
        var zip = TestZip()
        zip.add("_chat.txt", Self.chat)
        zip.add("IMG-1.jpg", bytes: [0xFF, 0xD8, 0xFF] + Array(repeating: 7, count: 5000), deflate: false)
        let result = try await Self.open(zip)
        #expect(result.error == nil)
        #expect(result.items.count == 3)
        #expect(result.items[1].attachments.first?.size == 5003)
        #expect(result.items.first?.conversation.name == "Team")
        #expect(result.leftovers.isEmpty)
    }

    @Test func extractedFilesArePrivate() throws {
        let scratch = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var zip = TestZip()
        zip.add("_chat.txt", Self.chat)
        try zip.write(to: scratch + "/WhatsApp Chat - Team.zip")
        var configuration = ChatExportSource.Configuration(path: scratch + "/WhatsApp Chat - Team.zip")
        configuration.temporaryDirectory = scratch + "/private"
        let source = try ChatExportSource(configuration: configuration)
        let directories = try FileManager.default.contentsOfDirectory(atPath: scratch + "/private")
        #expect(directories.count == 1)
        let attributes = try FileManager.default.attributesOfItem(atPath: scratch + "/private/" + directories[0])
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        _ = source
    }

    static let hostile: [(String, TestZip, String)] = {
        var cases: [(String, TestZip, String)] = []
        func zip(_ build: (inout TestZip) -> Void) -> TestZip {
            var zip = TestZip()
            zip.add("_chat.txt", chat)
            build(&zip)
            return zip
        }
        cases.append(("traversal", zip { $0.add("../../evil.txt", "owned") }, "path traversal"))
        cases.append(("nested traversal", zip { $0.add("media/../../evil.txt", "owned") }, "path traversal"))
        cases.append(("absolute", zip { $0.add("/tmp/evil.txt", "owned") }, "absolute path"))
        cases.append(("drive", zip { $0.add("C:evil.txt", "owned") }, "absolute path"))
        cases.append(("backslash", zip { $0.add("..\\evil.txt", "owned") }, "backslash"))
        cases.append(("duplicate", zip { $0.add("_chat.txt", "again") }, "appears twice"))
        cases.append(("duplicate by case", zip { $0.add("_CHAT.txt", "again") }, "appears twice"))
        cases.append(
            (
                "symlink",
                zip {
                    $0.entries.append(TestZip.Entry(name: "IMG-1.jpg", data: Array("/etc/passwd".utf8), mode: 0o120777))
                },
                "symbolic link"
            )
        )
        cases.append(
            (
                "bomb by ratio",
                zip { $0.add("IMG-1.jpg", bytes: [UInt8](repeating: 0, count: 20 << 20)) },
                "ZIP bomb"
            )
        )
        cases.append(
            (
                "lying size",
                zip {
                    $0.entries.append(
                        TestZip.Entry(name: "IMG-1.jpg", data: [UInt8](repeating: 1, count: 4096), declaredSize: 100)
                    )
                },
                "more than the 100 bytes"
            )
        )
        cases.append(
            (
                "bad crc",
                zip { $0.entries.append(TestZip.Entry(name: "IMG-1.jpg", data: [1, 2, 3], declaredCRC: 42)) },
                "CRC-32"
            )
        )
        return cases
    }()

    @Test(arguments: 0..<hostile.count)
    func hostileArchivesAreRefusedBeforeAnythingIsDelivered(index: Int) async throws {
        let (name, zip, reason) = Self.hostile[index]
        let result = try await Self.open(zip)
        let error = try #require(result.error, "\(name) was accepted")
        #expect(error.code == .chatExportInvalid && error.scope == .run)
        #expect(error.message.contains(reason), "\(name): \(error.message)")
        #expect(result.items.isEmpty)
        #expect(result.leftovers.isEmpty, "\(name) left \(result.leftovers)")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/evil.txt"))
    }

    @Test(arguments: [10, 100, 1000, -22, -1])
    func truncatedArchivesAreARunError(cut: Int) async throws {
        var zip = TestZip()
        zip.add("_chat.txt", Self.chat)
        zip.add("IMG-1.jpg", bytes: Array(repeating: 9, count: 3000))
        let bytes = zip.bytes()
        let length = cut > 0 ? min(cut, bytes.count - 1) : bytes.count + cut
        let scratch = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let path = scratch + "/WhatsApp Chat - Team.zip"
        try Data(bytes[0..<length]).write(to: URL(fileURLWithPath: path))
        var configuration = ChatExportSource.Configuration(path: path)
        configuration.temporaryDirectory = scratch + "/private"
        #expect {
            _ = try ChatExportSource(configuration: configuration)
        } throws: { error in
            let error = error as? ArchiverError
            return error?.code == .chatExportInvalid && error?.message.contains("Nothing was archived") == true
        }
        #expect((try? FileManager.default.contentsOfDirectory(atPath: scratch + "/private"))?.isEmpty ?? true)
    }

    @Test func corruptDeflateDataIsARunError() async throws {
        var zip = TestZip()
        zip.add("_chat.txt", String(repeating: Self.chat, count: 50))
        var bytes = zip.bytes()
        for index in 40..<120 { bytes[index] ^= 0x5A }
        let scratch = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try Data(bytes).write(to: URL(fileURLWithPath: scratch + "/WhatsApp Chat - Team.zip"))
        var configuration = ChatExportSource.Configuration(path: scratch + "/WhatsApp Chat - Team.zip")
        configuration.temporaryDirectory = scratch + "/private"
        #expect(throws: ArchiverError.self) { _ = try ChatExportSource(configuration: configuration) }
    }
}
