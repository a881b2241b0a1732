import Foundation
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension ScratchDirectory {
    /// The root a sink is opened on.
    var root: String { path + "/maildir" }
}

enum MaildirFixtures {
    static let alice = MailboxAddress("alice@contoso.com")!
    static let bob = MailboxAddress("bob@contoso.com")!
    static let folder = "WhatsApp Archiver"

    /// An RFC 5322 message with CRLF line endings.
    static func messageBytes(id: String, subject: String = "Hello", body: String = "Hello from WhatsApp") -> [UInt8] {
        Array(
            ("From: Alice <alice@contoso.com>\r\nTo: Bob <bob@contoso.com>\r\nSubject: \(subject)\r\n"
                + "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <\(id)>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n").utf8
        )
    }

    static func delivery(
        id: String,
        to mailbox: MailboxAddress = alice,
        folder: String = folder,
        date: Date = SampleItems.baseDate,
        bytes: [UInt8]? = nil
    ) -> Delivery {
        let message = EmailMessage(messageID: id, date: date, body: EmailBody(bytes: bytes ?? messageBytes(id: id)))
        return Delivery(mailboxes: [mailbox], folder: folder, message: message, item: SampleItems.message(id: id))
    }

    /// The names in a directory, sorted, without `.` entries.
    static func names(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func folderPath(
        _ root: String,
        _ mailbox: MailboxAddress = alice,
        folder: String = ".WhatsApp Archiver"
    )
        -> String
    {
        root + "/" + mailbox.rawValue + "/" + folder
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o7777
    }

    static func contents(_ path: String) -> [UInt8] {
        (FileManager.default.contents(atPath: path)).map { Array($0) } ?? []
    }
}
