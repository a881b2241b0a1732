import Foundation
import Testing
import WhatsAppArchiver

@testable import Microsoft365

/// The large-message path's MIME reading, against Python's `email` package as the oracle, on the converter's golden
/// messages; header decoding against RFC 2047 and RFC 2231 examples.
struct MIMEFileParserTests {
    static let golden = FakeGraph.repository.appendingPathComponent("Tests/Golden/EML").path

    /// What Python's `email` package reads from `path`: subject, from, text, and (name, sha256) of each attachment.
    static func oracle(_ path: String) throws -> [String: Any] {
        let script = """
            import email, email.policy, hashlib, json, sys
            m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)
            text = m.get_body(('plain',))
            print(json.dumps({'subject': str(m['subject']), 'text': text.get_content() if text else '',
              'attachments': [[p.get_filename(), hashlib.sha256(p.get_payload(decode=True)).hexdigest()]
                              for p in m.iter_attachments()]}))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    @Test(arguments: [
        "message-group-attachment.eml", "filename-long-non-ascii.eml", "names-emoji-rtl.eml", "reaction.eml",
    ])
    func partsMatchPythonsEmailPackage(name: String) throws {
        let path = Self.golden + "/" + name
        let scratch = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let parsed = try MIMEFileParser.parse(path: path, directory: scratch, prefix: "t")
        let expected = try Self.oracle(path)
        #expect(MIMEHeaders.decodeWords(parsed.field("subject") ?? "") == expected["subject"] as? String)
        let expectedText = (expected["text"] as? String ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        #expect(
            parsed.text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .newlines)
                == expectedText.trimmingCharacters(in: .newlines)
        )
        let attachments = expected["attachments"] as? [[String]] ?? []
        #expect(parsed.attachments.count == attachments.count)
        for (attachment, wanted) in zip(parsed.attachments, attachments) {
            #expect(attachment.name == wanted[0])
            let bytes = try #require(try POSIXFiles.readFile(attachment.path))
            #expect(SHA256.hexDigest(bytes) == wanted[1])
            #expect(Int64(bytes.count) == attachment.size)
        }
    }

    @Test func encodedWordsAndParameters() {
        // RFC 2047 section 8's examples.
        #expect(MIMEHeaders.decodeWords("=?ISO-8859-1?Q?Andr=E9?= Pirard") == "André Pirard")
        #expect(MIMEHeaders.decodeWords("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)") == "(ab)")
        #expect(MIMEHeaders.decodeWords("=?UTF-8?B?8J+Tjg==?= x") == "📎 x")
        // RFC 2231: continuations and a character set.
        let parameters = MIMEHeaders.parameters(
            "attachment; filename*0*=utf-8''%D0%9E%D1; filename*1*=%82.txt; size=3"
        )
        #expect(parameters.value == "attachment")
        #expect(parameters.parameters["filename"] == "От.txt")
        #expect(parameters.parameters["size"] == "3")
        let addresses = MIMEHeaders.addresses(#""Andersson, Alice +46" <alice@contoso.com>, bob@contoso.com"#)
        #expect(addresses.map(\.address) == ["alice@contoso.com", "bob@contoso.com"])
        #expect(addresses.first?.name == "Andersson, Alice +46")
    }

    @Test func anAttachmentOverTheServiceLimitIsLeftOutAndTheMessageSaysSo() async throws {
        let fake = try FakeGraph(mailboxes: ["alice@contoso.com"])
        let scratch = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let sink = try SinkFixtures.sink(fake)
        // A sparse 151 MiB file: the limit is checked on the size, the bytes are never read.
        let huge = scratch + "/huge"
        #expect(FileManager.default.createFile(atPath: huge, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: huge))
        try handle.truncate(atOffset: UInt64(151 << 20))
        try handle.close()
        let parsed = MIMEFileParser.Parsed(
            fields: [
                ("subject", "Big video"), ("from", "\"Alice\" <alice@contoso.com>"), ("x-telemessage-item-id", "wa-1"),
            ],
            text: "Here it is",
            attachments: [
                MIMEFileParser.Attachment(name: "video.mp4", contentType: "video/mp4", path: huge, size: 151 << 20)
            ]
        )
        _ = try await SinkFixtures.store(sink, SinkFixtures.delivery("warmup@test", to: "alice@contoso.com"))
        let lane = MailboxLane(
            mailbox: "alice@contoso.com",
            folder: "WhatsApp Archiver",
            client: sink.client,
            journalDirectory: try fake.scratch()
        )
        try await lane.prepare()
        let outcome = try await MessageImporter(client: sink.client).store(
            .large(parsed, size: 151 << 20),
            messageID: "huge@test",
            date: Date(),
            in: lane
        )
        #expect(outcome.stored)
        #expect(outcome.partialReasons.map(\.code) == [.attachmentTooLarge])
        let message = try #require(
            try fake.messages("alice@contoso.com").first { $0["internetMessageId"] as? String == "<huge@test>" }
        )
        #expect((message["body"] as? String)?.contains("Not imported into Exchange Online") == true)
        #expect((message["body"] as? String)?.contains("video.mp4") == true)
        #expect((message["attachments"] as? [Any])?.isEmpty == true)
        #expect(message["isDraft"] as? Bool == false)
        #expect(message["itemId"] as? String == "wa-1")
    }
}
