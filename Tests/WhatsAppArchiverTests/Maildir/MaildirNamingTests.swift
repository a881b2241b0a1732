import Foundation
import Testing
import WhatsAppArchiver

@Suite struct MaildirNamingTests {
    /// RFC 3501 section 5.1.3's example and Dovecot's own encodings.
    @Test(arguments: [
        ("WhatsApp Archiver", "WhatsApp Archiver"),
        ("Entwürfe", "Entw&APw-rfe"),
        ("台北", "&U,BTFw-"),
        ("日本語", "&ZeVnLIqe-"),
        ("Félix", "F&AOk-lix"),
        ("R&D", "R&-D"),
        ("Chats 💬 WhatsApp", "Chats &2D3crA- WhatsApp"),
        ("~é&", "~&AOk-&-"),
    ])
    func encodesFolderNamesInModifiedUTF7(name: String, encoded: String) {
        #expect(ModifiedUTF7.encode(name) == encoded)
    }

    @Test(arguments: [
        "Archive.2026", "a/b", "", " leading", "trailing ", "tab\there", "~home", String(repeating: "é", count: 100),
    ])
    func rejectsFolderNamesThatCannotBeMaildirFolders(name: String) {
        #expect(MaildirFolderName.problem(with: name) != nil)
        #expect(throws: ArchiverError.self) { try MaildirFolderName.directoryName(for: name) }
    }

    @Test func mapsFolderNamesToDirectories() throws {
        #expect(try MaildirFolderName.directoryName(for: "WhatsApp Archiver") == ".WhatsApp Archiver")
        #expect(try MaildirFolderName.directoryName(for: "Entwürfe") == ".Entw&APw-rfe")
        #expect(try MaildirFolderName.directoryName(for: "inbox") == nil)
    }

    @Test func fileNamesCarryTheDigestAndAreRecognisedAgain() {
        let digest = MessageIDDigest(messageID: "wa.1@archiver.invalid")
        #expect(digest.hexDigits == SHA256.hex(Array(SHA256.hash(Array("wa.1@archiver.invalid".utf8)).prefix(16))))
        let name = MaildirFileName(seconds: 1_795_430_096, digest: digest, host: "mail.example.com")
        #expect(name.temporaryName == "1795430096.wa\(digest.hexDigits).mail.example.com")
        let delivered = name.deliveredName(size: 10, virtualSize: 12)
        #expect(delivered == name.temporaryName + ",S=10,W=12")
        for stored in [name.temporaryName, delivered, delivered + ":2,S", delivered + ":2,FRS"] {
            #expect(MaildirFileName.digest(inName: stored) == digest, "\(stored)")
        }
        for other in [
            "1700000000.M1P2.host", "1795430096.wa\(digest.hexDigits)", "x.wa\(digest.hexDigits).h",
            "1.wa\(digest.hexDigits.uppercased()).h", ".1.wa\(digest.hexDigits).h",
        ] {
            #expect(MaildirFileName.digest(inName: other) == nil, "\(other)")
        }
    }

    @Test(arguments: [
        ("mail.example.com", "mail.example.com"), ("a/b:c,d", "a\\057b\\072c\\054d"), ("", "localhost"),
        ("h\u{7}ost é", "host"),
    ])
    func escapesTheHostName(raw: String, token: String) {
        #expect(MaildirFileName.hostToken(raw) == token)
    }

    @Test(arguments: [
        ("Message-ID: <a@b>\r\n\r\nbody", "a@b"),
        ("Subject: x\nMESSAGE-ID:   <a.b@c>  \n\n", "a.b@c"),
        ("Message-Id:\n\t<folded@x>\n\n", "folded@x"),
        ("Message-ID: bare@x\n\n", "bare@x"),
        ("Subject: x\n\nMessage-ID: <in-body@x>\n", nil),
        ("X-Message-ID: <not-this@x>\n\n", nil),
    ])
    func readsTheMessageIDOfAForeignFile(header: String, messageID: String?) {
        #expect(MessageIDHeader.messageID(in: Array(header.utf8)) == messageID)
    }

    /// Every split of a message into two chunks, including between CR and LF, stores the same LF bytes.
    @Test func convertsLineEndingsAcrossChunkBoundaries() throws {
        let message = Array("A: b\r\n\r\nline\r\n\rcr\r\r\nend\r".utf8)
        let expected = Array("A: b\n\nline\n\rcr\r\nend\r".utf8)
        for split in 0...message.count {
            var pipe: [Int32] = [0, 0]
            #expect(pipe.withUnsafeMutableBufferPointer { Foundation.pipe($0.baseAddress!) } == 0)
            let writer = MaildirMessageWriter(descriptor: pipe[1], path: "pipe", bufferSize: 3)
            try message[..<split].withUnsafeBytes { try writer.write($0) }
            try message[split...].withUnsafeBytes { try writer.write($0) }
            try writer.finish()
            close(pipe[1])
            let stored = FileHandle(fileDescriptor: pipe[0], closeOnDealloc: true).readDataToEndOfFile()
            #expect(Array(stored) == expected, "split at \(split)")
            #expect(writer.receivedByteCount == Int64(message.count))
            #expect(writer.storedByteCount == Int64(expected.count))
            #expect(writer.virtualByteCount == Int64(expected.count + expected.filter { $0 == 10 }.count))
        }
    }
}
