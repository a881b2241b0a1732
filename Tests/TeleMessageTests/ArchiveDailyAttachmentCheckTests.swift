import Foundation
import Testing
import WhatsAppArchiver

/// `archive-daily` over an export whose one large attachment is corrupt: every copy ends as the placeholder message,
/// reported as partially imported with reason `attachment_integrity`; no copy holds the bad bytes and no `tmp/`
/// file is left. The attachment is above the size hashed at open, so the digest is checked while the first copy
/// streams it and found wrong only at its end.
@Suite(.serialized)
struct ArchiveDailyAttachmentCheckTests {
    enum Corruption: String, CaseIterable, CustomTestStringConvertible {
        case wrongDigest, truncated, tooLong, none

        var testDescription: String { rawValue }
    }

    static let size = 3 << 20
    /// Python's `hashlib.sha256(b"a" * (3 << 20)).hexdigest()`.
    static let digest = "6f850bc94ae6f7de14297c01616c36d712d22864497b28a63b81d776b035e656"
    /// What the attachment's bytes look like in a stored message: `aaa` in base64.
    static let encodedBytes = "YWFhYWFhYWFh"
    static let mailboxes = ["alice@contoso.com", "carol@contoso.com"]

    static func record(declaredSize: Int, digest: String) -> String {
        #"{"id":"wa-big","network":"whatsapp","kind":"message","capturedAt":"2026-11-23T10:00:00Z","#
            + #""sentAt":"2026-11-23T10:00:00Z","owner":{"phone":"+46701234567","email":"alice@contoso.com"},"#
            + #""conversation":{"id":"c1","type":"individual"},"#
            + #""from":{"phone":"+46701234567","email":"alice@contoso.com"},"#
            + #""to":[{"phone":"+12124325249","email":"carol@contoso.com"}],"text":"The recording","#
            + #""attachments":[{"id":"att-big","fileName":"call.mp4","contentType":"video/mp4","#
            + #""size":\#(declaredSize),"sha256":"\#(digest)"}]}"#
    }

    @Test(arguments: Corruption.allCases)
    func aCorruptLargeAttachmentEndsAsThePlaceholderInEveryMailbox(corruption: Corruption) throws {
        let scratch = try Fixtures.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let export = scratch + "/export"
        try FileManager.default.createDirectory(atPath: export + "/attachments", withIntermediateDirectories: true)
        let (declaredSize, digest, fileSize): (Int, String, Int) =
            switch corruption {
            case .wrongDigest:
                (Self.size, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Self.size)
            case .truncated: (Self.size, Self.digest, Self.size - 1000)
            case .tooLong: (Self.size, Self.digest, Self.size + 1000)
            case .none: (Self.size, Self.digest, Self.size)
            }
        try Data((Self.record(declaredSize: declaredSize, digest: digest) + "\n").utf8)
            .write(to: URL(fileURLWithPath: export + "/items.jsonl"))
        try Data(repeating: 0x61, count: fileSize).write(to: URL(fileURLWithPath: export + "/attachments/att-big"))

        let maildir = scratch + "/archive"
        let result = try ArchiveInspection.run(
            [
                "--export", export, "--maildir", maildir, "--domain", "contoso.com", "--report",
                scratch + "/report.json",
            ] + ArchiveDailyEndToEndTests.window
        )
        #expect(!result.timedOut)
        try #require(result.status == 0, "\(result.errors)")

        let report = try ArchiveDailyEndToEndTests.report(scratch + "/report.json")
        let partials = report["partials"] as? [[String: Any]] ?? []
        #expect(report["failed"] as? Int == 0)
        if corruption == .none {
            #expect(report["imported"] as? Int == 2)
            #expect(partials.isEmpty)
        } else {
            #expect(report["imported"] as? Int == 0)
            #expect(report["partiallyImported"] as? Int == 2)
            for mailbox in Self.mailboxes {
                #expect(
                    partials.contains {
                        $0["itemId"] as? String == "wa-big" && $0["mailbox"] as? String == mailbox
                            && $0["reason"] as? String == "attachment_integrity"
                    },
                    "\(mailbox) is reported partial for attachment_integrity: \(partials)"
                )
            }
        }

        let stored = try ArchiveDailyEndToEndTests.messages(in: maildir)
        #expect(Set(stored.keys) == Set(Self.mailboxes))
        for mailbox in Self.mailboxes {
            let files = stored[mailbox] ?? []
            try #require(files.count == 1, "\(mailbox) holds the item once: \(files)")
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: files[0])), as: UTF8.self)
            if corruption == .none {
                #expect(text.contains(Self.encodedBytes))
                #expect(!text.contains("Attachment not archived"))
            } else {
                #expect(text.contains("Attachment not archived"), "\(mailbox) holds the placeholder message")
                #expect(!text.contains(Self.encodedBytes), "\(mailbox) holds none of the unverified bytes")
            }
        }
        #expect(ArchiveInspection.temporaryFiles(in: maildir).isEmpty)
    }
}
