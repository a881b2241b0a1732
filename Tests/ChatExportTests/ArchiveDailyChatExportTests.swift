import Foundation
import Testing

/// `archive-daily --chat-export` on the demo chat export, as the README runs it, then again (all duplicates), and
/// its usage errors.
@Suite(.serialized)
struct ArchiveDailyChatExportTests {
    static let demo = ChatFixtures.repository.appendingPathComponent("Examples/demo-chat-export").path

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        var directory = Bundle.main.bundleURL
        var executable: URL?
        while directory.path != "/" && executable == nil {
            let candidate = directory.appendingPathComponent("archive-daily")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { executable = candidate }
            directory = directory.deletingLastPathComponent()
        }
        let found: URL = try #require(executable, "archive-daily is not built next to the tests")
        let process = Process()
        process.executableURL = found
        process.arguments = arguments
        let errors = Pipe()
        let output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    @Test func theDemoChatExportIsArchivedOnceInTwoMailboxes() throws {
        let scratch = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let arguments = [
            "--chat-export", Self.demo + "/WhatsApp Chat - Sales Group.zip", "--chat-owner", "+46701234567",
            "--chat-participants", Self.demo + "/participants.csv", "--chat-time-zone", "Europe/Stockholm",
            "--maildir", scratch + "/archive", "--domain", "contoso.com", "--report", scratch + "/report.json",
        ]
        let first = try Self.run(arguments)
        #expect(first.status == 0, "\(first.errors)")
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch + "/report.json")))
            as? [String: Any]
        #expect(report?["itemsFromSource"] as? Int == 12)
        #expect(report?["imported"] as? Int == 22 && report?["partiallyImported"] as? Int == 2)
        let mailboxes = try FileManager.default.contentsOfDirectory(atPath: scratch + "/archive").sorted()
        #expect(mailboxes == [".archiver-state", "alice@contoso.com", "carol@contoso.com"])
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: scratch + "/archive/.archiver-state/downloads").isEmpty
        )

        let second = try Self.run(arguments)
        #expect(second.status == 0)
        let again =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: scratch + "/report.json")))
            as? [String: Any]
        #expect(again?["skippedDuplicates"] as? Int == 24 && again?["imported"] as? Int == 0)
    }

    @Test(arguments: [
        (["--chat-export", "x.zip", "--export", "dir", "--maildir", "m"], "excludes --export"),
        (["--chat-export", "x.zip", "--url", "http://x", "--maildir", "m"], "excludes --url"),
        (["--chat-owner", "+46701234567", "--export", "dir", "--maildir", "m"], "belongs with --chat-export"),
        (["--chat-export", "x.zip", "--chat-time-zone", "Mars/Olympus", "--maildir", "m"], "IANA zone"),
        (["--chat-export", "x.zip", "--chat-date-order", "dym", "--maildir", "m"], "auto, dmy, mdy or ymd"),
        (["--chat-export", "x.zip", "--chat-owner", "0701234567", "--maildir", "m"], "not a phone number"),
    ])
    func usageErrors(arguments: [String], message: String) throws {
        let result = try Self.run(arguments)
        #expect(result.status == 2)
        #expect(result.errors.contains(message), "\(result.errors)")
    }

    @Test func anUndecidableExportIsARunErrorBeforeAnythingIsWritten() throws {
        let scratch = try ChatFixtures.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try Self.run([
            "--chat-export", ChatFixtures.path("ambiguous.txt"), "--chat-name", "Ambiguous", "--maildir",
            scratch + "/archive",
        ])
        #expect(result.status == 1)
        #expect(result.errors.contains("--chat-date-order"))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/archive/alice@contoso.com"))
    }
}
