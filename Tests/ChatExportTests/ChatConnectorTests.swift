import ChatExport
import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// A chat export through the whole connector into Maildir: participants map to mailboxes, omitted media make a
/// partial import, a later and longer export of the same chat adds only the new messages.
struct ChatConnectorTests {
    static func run(
        _ path: String,
        maildir: String,
        participants: ChatParticipants
    ) async throws -> RunReport {
        var configuration = ChatExportSource.Configuration(path: path)
        configuration.participants = participants
        configuration.owner = PhoneNumber("+44 7700 900123")
        configuration.temporaryDirectory = maildir + "/.tmp"
        let source = try ChatExportSource(configuration: configuration)
        let connector = Connector(
            source: source,
            mapper: try CSVPropertyMapper(mappingFilePath: nil, domains: ["contoso.com"]),
            converter: try EMLConverter(),
            sink: try MaildirSink(root: maildir),
            checkpoints: InMemoryCheckpointStore()
        )
        return try await connector.run(window: source.wholeExport)
    }

    static func storedFiles(_ maildir: String) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: maildir)
        var files: [String] = []
        while let next = enumerator?.nextObject() as? String {
            if next.contains("/new/") || next.contains("/cur/") { files.append(next) }
        }
        return files.sorted()
    }

    @Test func aLaterExportAddsOnlyTheNewMessages() async throws {
        let maildir = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: maildir) }
        let participants = try ChatParticipants(
            csv: Array("Name,Phone,Email\nAlice,+44 7700 900123,alice@contoso.com\nBob,+44 7700 900234,\n".utf8)
        )
        let first = try await Self.run(
            ChatFixtures.path("later/WhatsApp Chat with Bob.txt"),
            maildir: maildir,
            participants: participants
        )
        #expect(first.itemsFromSource == 4 && first.imported == 4 && first.failed == 0)
        #expect(try Self.storedFiles(maildir).count == 4)

        let second = try await Self.run(
            ChatFixtures.path("later/WhatsApp Chat with Bob (1).txt"),
            maildir: maildir,
            participants: participants
        )
        #expect(second.itemsFromSource == 7)
        #expect(second.imported == 3 && second.skippedDuplicates == 4 && second.failed == 0)
        #expect(second.invariantHolds)
        let files = try Self.storedFiles(maildir)
        #expect(files.count == 7 && files.allSatisfy { $0.hasPrefix("alice@contoso.com/") })

        let again = try await Self.run(
            ChatFixtures.path("later/WhatsApp Chat with Bob (1).txt"),
            maildir: maildir,
            participants: participants
        )
        #expect(again.imported == 0 && again.skippedDuplicates == 7)
        #expect(try Self.storedFiles(maildir).count == 7)
        // The extracted-files directory is the run's own: nothing of it is left.
        #expect((try? FileManager.default.contentsOfDirectory(atPath: maildir + "/.tmp"))?.isEmpty ?? true)
    }

    @Test func omittedMediaIsAPartialImportAndAttachedMediaIsArchived() async throws {
        let maildir = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: maildir) }
        let participants = try ChatParticipants(contentsOf: ChatFixtures.path("participants.csv"))
        let report = try await Self.run(
            ChatFixtures.path("folder/WhatsApp Chat with Bob Jones"),
            maildir: maildir,
            participants: participants
        )
        // Four messages to two mailboxes; the voice note the text names is not in the folder.
        #expect(report.itemsFromSource == 4 && report.itemsForImport == 8)
        #expect(report.partiallyImported == 2 && report.partials.allSatisfy { $0.reason == "attachment_missing" })
        let files = try Self.storedFiles(maildir)
        let photoMessage = try files.compactMap { file -> String? in
            let text = try String(contentsOfFile: maildir + "/" + file, encoding: .utf8)
            return text.contains("IMG-20240114-WA0001.jpg") ? text : nil
        }
        #expect(photoMessage.count == 2)
        let expected = Data(
            try Data(
                contentsOf: URL(
                    fileURLWithPath: ChatFixtures.path("folder/WhatsApp Chat with Bob Jones/IMG-20240114-WA0001.jpg")
                )
            )
        ).base64EncodedString()
        #expect(String(photoMessage[0].filter { $0 != "\n" && $0 != "\r\n" }).contains(expected))
    }
}
