import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tree the sink writes, served by a real Dovecot: Debian's `imap` binary run daemon-less as `nobody`, speaking
/// IMAP over stdin and stdout, with its index and control files outside the tree. Runs where Dovecot is installed
/// and the test runs as root; with `CI` set it fails instead of being skipped (`.ci/checks/dovecot.sh` installs it).
@Suite(.enabled(if: DovecotIMAP.isAvailable || DovecotIMAP.isRequired, "needs root and Debian's dovecot-imapd"))
struct MaildirDovecotInteropTests {
    static let attachment = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }

    /// Three hand-made messages: plain text, a RFC 2047 UTF-8 subject, and a multipart with a base64 attachment.
    static var messages: [(id: String, date: Date, bytes: [UInt8])] {
        let base = SampleItems.baseDate
        let plain = MaildirFixtures.messageBytes(id: "plain@archiver.invalid", body: "The zanzibar shipment left.")
        let subject = "=?UTF-8?B?" + Data("Grüße aus Köln".utf8).base64EncodedString() + "?="
        let accented = MaildirFixtures.messageBytes(id: "utf8@archiver.invalid", subject: subject, body: "Bis bald")
        let encoded = Data(attachment).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        let multipart = Array(
            ("From: Alice <alice@contoso.com>\r\nTo: Bob <bob@contoso.com>\r\nSubject: Photo\r\n"
                + "Date: Mon, 23 Nov 2026 10:02:00 +0000\r\nMessage-ID: <attachment@archiver.invalid>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the photo.\r\n"
                + "--b1\r\nContent-Type: application/octet-stream; name=\"photo.bin\"\r\n"
                + "Content-Disposition: attachment; filename=\"photo.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                + encoded + "\r\n--b1--\r\n").utf8
        )
        return [
            ("plain@archiver.invalid", base, plain),
            ("utf8@archiver.invalid", base.addingTimeInterval(60), accented),
            ("attachment@archiver.invalid", base.addingTimeInterval(120), multipart),
        ]
    }

    @Test func dovecotListsSearchesAndServesTheMessagesByteForByte() async throws {
        try #require(
            DovecotIMAP.isAvailable,
            "CI is set: install dovecot-imapd (.ci/checks/dovecot.sh) and run as root"
        )
        let scratch = try ScratchDirectory()
        let sink = try MaildirSink(root: scratch.root)
        for message in Self.messages {
            let delivery = MaildirFixtures.delivery(id: message.id, date: message.date, bytes: message.bytes)
            #expect(try await sink.deliver(delivery).status == .stored)
        }
        _ = try await sink.deliver(MaildirFixtures.delivery(id: "draft@archiver.invalid", folder: "Entwürfe"))
        #expect(try await sink.commit().deliveries == 4)
        try await sink.close()

        let dovecot = try DovecotIMAP(scratch: scratch, user: "Alice@contoso.com")
        let transcript = try dovecot.session([
            "a1 LIST \"\" \"*\"",
            "a2 LSUB \"\" \"*\"",
            "a3 SELECT \"WhatsApp Archiver\"",
            "a4 SEARCH TEXT zanzibar",
            "a5 SEARCH CHARSET UTF-8 TEXT {5+}\r\nKöln",
            "a6 FETCH 1:* (INTERNALDATE RFC822.SIZE BODY.PEEK[])",
            "a7 FETCH 1:* (BODY.PEEK[2])",
            "a8 LOGOUT",
        ])
        let text = String(decoding: transcript, as: UTF8.self)
        for tag in ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"] {
            #expect(text.contains("\r\n\(tag) OK "), "\(tag) failed:\n\(text.prefix(4000))")
        }
        #expect(text.contains("* LIST (\\HasNoChildren) \".\" \"WhatsApp Archiver\"\r\n"))
        #expect(text.contains("* LIST (\\HasNoChildren) \".\" Entw&APw-rfe\r\n"))
        #expect(text.contains("* LSUB () \".\" \"WhatsApp Archiver\"\r\n"))
        #expect(text.contains("* LSUB () \".\" Entw&APw-rfe\r\n"))
        #expect(text.contains("* 3 EXISTS\r\n"))

        let fetched = DovecotIMAP.fetchedLiterals(in: transcript, item: "BODY[]")
        #expect(fetched.count == 3)
        var sequenceOf: [String: Int] = [:]
        for (sequence, body) in fetched {
            let original = try #require(Self.messages.first { body.contains(Array("<\($0.id)>".utf8)) })
            sequenceOf[original.id] = sequence
            #expect(Self.lineFeedsOnly(body) == Self.lineFeedsOnly(original.bytes), "message \(original.id)")
            #expect(body == original.bytes, "Dovecot serves CRLF line endings")
            #expect(
                text.contains(
                    "* \(sequence) FETCH (INTERNALDATE \"\(Self.imapDate(original.date))\" RFC822.SIZE \(original.bytes.count) "
                )
            )
        }
        #expect(text.contains("* SEARCH \(sequenceOf["plain@archiver.invalid"] ?? -1)\r\n"))
        #expect(text.contains("* SEARCH \(sequenceOf["utf8@archiver.invalid"] ?? -1)\r\n"))

        let parts = DovecotIMAP.fetchedLiterals(in: transcript, item: "BODY[2]")
        let part = try #require(parts.first { $0.sequence == sequenceOf["attachment@archiver.invalid"] })
        let decoded = Data(base64Encoded: Data(part.bytes), options: .ignoreUnknownCharacters)
        #expect(decoded.map(Array.init) == Self.attachment)

        // Dovecot moved the messages to cur/ when it selected the folder; a rerun still finds them all.
        let folder = MaildirFixtures.folderPath(scratch.root)
        #expect(MaildirFixtures.names(folder + "/new").isEmpty)
        #expect(MaildirFixtures.names(folder + "/cur").count == 3)
        let rerun = try MaildirSink(root: scratch.root)
        for message in Self.messages {
            let delivery = MaildirFixtures.delivery(id: message.id, date: message.date, bytes: message.bytes)
            #expect(try await rerun.deliver(delivery).status == .duplicate)
        }
        #expect(MaildirFixtures.names(folder).filter { $0.hasPrefix("dovecot") }.isEmpty, "index files stay outside")
    }

    static func lineFeedsOnly(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
    }

    /// IMAP's `date-time` in UTC, as Dovecot shows INTERNALDATE with `TZ=UTC`.
    static func imapDate(_ date: Date) -> String {
        let parts = RFC3339.civil(fromSecondsSince1970: Int64(date.timeIntervalSince1970))
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(parts.day))-\(months[parts.month - 1])-\(parts.year) \(two(parts.hour)):\(two(parts.minute)):"
            + "\(two(parts.second)) +0000"
    }
}

/// Dovecot's `imap` binary, run without its daemon as an unprivileged user.
struct DovecotIMAP {
    static let binary = "/usr/lib/dovecot/imap"
    static let setpriv = "/usr/bin/setpriv"

    static var isAvailable: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: binary)
            && FileManager.default.isExecutableFile(atPath: setpriv)
    }

    static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    let configuration: String
    let user: String
    let home: String

    /// Writes a configuration that serves `<scratch.root>/%Lu` and keeps index and control files in a directory
    /// beside the tree, then hands the whole scratch directory to `nobody`.
    init(scratch: ScratchDirectory, user: String) throws {
        let state = scratch.path + "/dovecot"
        home = state + "/home"
        self.user = user
        let control = state + "/control/" + user.lowercased()
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: control, withIntermediateDirectories: true)
        // Dovecot reads subscriptions from its control directory; point it at the file the sink maintains.
        #expect(symlink(scratch.root + "/" + user.lowercased() + "/subscriptions", control + "/subscriptions") == 0)
        configuration = state + "/dovecot.conf"
        let text = """
            mail_location = maildir:\(scratch.root)/%Lu:INDEX=\(state)/index/%Lu:CONTROL=\(state)/control/%Lu
            log_path = /dev/stderr
            """
        #expect(FileManager.default.createFile(atPath: configuration, contents: Data(text.utf8)))
        let nobody = getpwnam("nobody")
        let uid = nobody?.pointee.pw_uid ?? 65_534
        let gid = nobody?.pointee.pw_gid ?? 65_534
        // chown(1) walks the tree itself: a FileManager enumerator, shared by two suites that hand their trees to
        // Dovecot at the same time, was seen to skip the folder, and Dovecot then listed only INBOX.
        let chown = Process()
        chown.executableURL = URL(fileURLWithPath: "/bin/chown")
        chown.arguments = ["-hR", "\(uid):\(gid)", scratch.path]
        try chown.run()
        chown.waitUntilExit()
        #expect(chown.terminationStatus == 0, "chown -hR \(scratch.path) failed")
    }

    /// Sends the commands (CRLF appended) in one go and returns everything Dovecot wrote before exiting.
    func session(_ commands: [String]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.setpriv)
        process.arguments = [
            "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "-i", "USER=\(user)", "HOME=\(home)",
            "TZ=UTC", Self.binary, "-c", configuration,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(commands.map { $0 + "\r\n" }.joined().utf8))
        try input.fileHandleForWriting.close()
        let transcript = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(transcript)
    }

    /// The literal of `item` in every `* n FETCH (... item {size}` response, with its message sequence number.
    static func fetchedLiterals(in transcript: [UInt8], item: String) -> [(sequence: Int, bytes: [UInt8])] {
        var results: [(Int, [UInt8])] = []
        let marker = Array("\(item) {".utf8)
        var index = 1
        while index + marker.count < transcript.count {
            // The item follows "(" when it comes first in the response, " " otherwise.
            guard transcript[index - 1] == UInt8(ascii: " ") || transcript[index - 1] == UInt8(ascii: "("),
                Array(transcript[index..<index + marker.count]) == marker
            else {
                index += 1
                continue
            }
            var cursor = index + marker.count
            var size = 0
            while transcript[cursor] >= 0x30 && transcript[cursor] <= 0x39 {
                size = size * 10 + Int(transcript[cursor] - 0x30)
                cursor += 1
            }
            cursor += 3  // "}\r\n"
            let lineStart = transcript[..<index].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let line = String(decoding: transcript[lineStart..<index], as: UTF8.self)
            let sequence = Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
            results.append((sequence, Array(transcript[cursor..<min(cursor + size, transcript.count)])))
            index = cursor + size
        }
        return results
    }
}
