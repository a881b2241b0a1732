import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// Named conversion requests for the golden-file tests: one per item kind and one per hard case.
enum EMLFixtures {
    /// A golden case: a name (the golden file's stem) and the request it converts.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var request: ConversionRequest
        var testDescription: String { name }
    }

    static let alice = SampleItems.alice
    static let bernd = SampleItems.bernd
    static let carol = SampleItems.carol
    static let aliceMailbox = MailboxAddress("alice@contoso.com")!
    static let carolMailbox = MailboxAddress("carol@contoso.com")!

    /// A converter with a fixed boundary, so that output is reproducible.
    static func converter() throws -> EMLConverter {
        try EMLConverter(configuration: .init(boundaryGenerator: FixedMIMEBoundaryGenerator(token: "0123456789abcdef")))
    }

    static func date(_ text: String) -> Date { RFC3339.parse(text)! }

    /// Alice and Carol map to their mailboxes; everyone else maps to none.
    static func request(
        _ item: Item,
        mailbox: MailboxAddress = aliceMailbox,
        quarantine: String? = nil
    )
        -> ConversionRequest
    {
        let participants = item.participants.map { party in
            let mailbox: MailboxAddress? =
                party.phone == alice.phone ? aliceMailbox : party.phone == carol.phone ? carolMailbox : nil
            return ParticipantMapping(party: party, mailbox: mailbox)
        }
        let mailboxes = participants.compactMap(\.mailbox)
        return ConversionRequest(
            item: item,
            mapping: MappingResult(mailboxes: mailboxes, participants: participants),
            mailboxes: [mailbox],
            quarantineReason: quarantine
        )
    }

    static func item(
        id: String,
        kind: ItemKind = .message,
        conversation: Conversation = SampleItems.directChat,
        from: Party = alice,
        to: [Party] = [carol],
        text: String? = nil
    ) -> Item {
        Item(
            id: id,
            captureMode: .phone,
            kind: kind,
            capturedAt: date("2026-11-23T10:15:02.120Z"),
            sentAt: date("2026-11-23T10:15:00Z"),
            owner: alice,
            conversation: conversation,
            from: from,
            to: to,
            text: text
        )
    }

    static func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    static let all: [Case] = [
        Case(name: "message-direct", request: request(item(id: "wa-1001", text: "Hello Carol 👋\nSee you at 10."))),
        Case(name: "message-group-attachment", request: request(groupMessage())),
        Case(name: "message-location", request: request(locationMessage())),
        Case(name: "call-recording", request: request(recordedCall())),
        Case(name: "call-missed", request: request(missedCall())),
        Case(name: "deletion-for-all-read", request: request(deletion(scope: .everyone, read: .read))),
        Case(name: "deletion-for-me-unread", request: request(deletion(scope: .me, read: .unread))),
        Case(name: "edit", request: request(edit())),
        Case(name: "reaction", request: request(reaction(emoji: "👍"))),
        Case(name: "reaction-removed", request: request(reaction(emoji: ""))),
        Case(name: "event-participant-added", request: request(participantAdded())),
        Case(name: "event-subject-changed", request: request(subjectChanged())),
        Case(name: "unknown-kind-poll", request: request(poll())),
        Case(name: "attachment-unavailable", request: request(unavailableAttachments())),
        Case(name: "names-emoji-rtl", request: request(emojiAndRightToLeft())),
        Case(name: "long-single-line", request: request(longLine())),
        Case(name: "from-and-boundary-lines", request: request(trickyLines())),
        Case(name: "injection", request: request(injection(), quarantine: "unmapped\r\nBcc: victim@example.com")),
        Case(name: "filename-long-non-ascii", request: request(longNonASCIIFileName())),
        Case(name: "quarantine-no-recipients", request: request(noRecipients(), quarantine: "unmapped: no_entry")),
    ]

    static func groupMessage() -> Item {
        var item = item(
            id: "wa-3EB0C4F1A2",
            conversation: SampleItems.salesGroup,
            to: [bernd, carol],
            text: "Offer attached 📎"
        )
        item.replyTo = "wa-3EB0C4F0FF"
        item.forwarded = true
        item.attachments = [
            attachment(
                id: "att-91",
                fileName: "Offer Q4.pdf",
                contentType: "application/pdf",
                bytes: bytes(200, seed: 1)
            )
        ]
        return item
    }

    static func attachment(
        id: String,
        fileName: String?,
        contentType: String,
        bytes: [UInt8],
        kind: WhatsAppArchiver.Attachment.Kind? = nil,
        caption: String? = nil
    ) -> WhatsAppArchiver.Attachment {
        WhatsAppArchiver.Attachment(
            id: id,
            fileName: fileName,
            contentType: contentType,
            size: Int64(bytes.count),
            kind: kind,
            caption: caption,
            content: AttachmentContent { MemoryAttachmentReader(bytes) }
        )
    }

    static func locationMessage() -> Item {
        var item = item(id: "wa-loc-1", text: "I am here")
        item.location = Location(
            latitude: 59.3293,
            longitude: 18.0686,
            name: "Stockholm Central",
            address: "Centralplan 15"
        )
        return item
    }

    static func recordedCall() -> Item {
        var item = item(id: "wa-call-1", kind: .call)
        item.call = Call(
            media: .video,
            status: .answered,
            startedAt: date("2026-11-23T10:15:00Z"),
            durationSeconds: 312,
            recordingAttachmentID: "rec-1"
        )
        item.attachments = [
            attachment(
                id: "rec-1",
                fileName: "call.m4a",
                contentType: "audio/mp4",
                bytes: bytes(120, seed: 7),
                kind: .audio
            )
        ]
        return item
    }

    static func missedCall() -> Item {
        var item = item(id: "wa-call-2", kind: .call, conversation: SampleItems.salesGroup, to: [bernd, carol])
        item.call = Call(media: .voice, status: .missed, startedAt: date("2026-11-23T10:15:00Z"), durationSeconds: 0)
        return item
    }

    static func deletion(scope: Target.Scope, read: Target.ReadState) -> Item {
        var item = item(id: "wa-del-\(scope.rawValue)", kind: .deletion)
        item.target = Target(
            id: "wa-3EB0C4F1A2",
            sentAt: date("2026-11-23T09:00:00Z"),
            text: "Buy 10,000 shares before the announcement",
            attachmentNames: ["plan.xlsx", "../secret.pdf"],
            scope: scope,
            readState: read
        )
        return item
    }

    static func edit() -> Item {
        var item = item(id: "wa-edit-1", kind: .edit, text: "The price is 12.50")
        item.target = Target(
            id: "wa-3EB0C4F1A2",
            sentAt: date("2026-11-23T09:00:00Z"),
            text: "The price is 10.50",
            newText: "The price is 12.50"
        )
        return item
    }

    static func reaction(emoji: String) -> Item {
        var item = item(id: "wa-react-\(emoji.isEmpty ? "removed" : "1")", kind: .reaction, from: carol, to: [alice])
        item.target = Target(
            id: "wa-1001",
            sentAt: date("2026-11-23T09:59:00Z"),
            text: "Hello Carol 👋",
            emoji: emoji
        )
        return item
    }

    static func participantAdded() -> Item {
        var item = item(id: "wa-ev-1", kind: .event, conversation: SampleItems.salesGroup, to: [bernd, carol])
        item.event = Event(type: .participantAdded, actor: alice, targets: [bernd])
        return item
    }

    static func subjectChanged() -> Item {
        var item = item(id: "wa-ev-2", kind: .event, conversation: SampleItems.salesGroup, to: [bernd, carol])
        item.event = Event(
            type: .subjectChanged,
            actor: alice,
            subject: "مجموعة المبيعات 📈",
            description: "Renamed for the\nQ4 campaign"
        )
        return item
    }

    static func poll() -> Item {
        var item = item(id: "wa-poll-1", kind: ItemKind(rawValue: "poll"), text: "Lunch?")
        item.rawJSON = #"{"id":"wa-poll-1","kind":"poll","poll":{"question":"Lunch?","options":["Yes","No"]}}"#
        return item
    }

    static func unavailableAttachments() -> Item {
        var item = item(id: "wa-partial-1", text: "Two files, neither made it")
        item.attachments = [
            WhatsAppArchiver.Attachment(
                id: "att-gone",
                fileName: "report.pdf",
                contentType: "application/pdf",
                size: 4096,
                content: .unavailable(
                    ArchiverError(.attachmentMissing, "The server answered 404 for attachment att-gone.")
                )
            ),
            WhatsAppArchiver.Attachment(
                id: "att-bad",
                fileName: "photo.jpg",
                contentType: "image/jpeg",
                size: 2048,
                content: .unavailable(
                    ArchiverError(.attachmentIntegrity, "SHA-256 mismatch: expected 9f2c…, got 0000…")
                )
            ),
            attachment(id: "att-ok", fileName: "ok.txt", contentType: "text/plain", bytes: Array("fine\n".utf8)),
        ]
        return item
    }

    static func emojiAndRightToLeft() -> Item {
        let arabic = Party(phone: "+971501234567", name: "\u{202E}محمد الأحمد 🌙")
        let hebrew = Party(phone: "+972541234567", name: "דוד \u{2067}כהן\u{2069} 👨‍👩‍👧")
        let group = Conversation(id: "120363099@g.us", type: .group, name: "🚀 Trading Desk – שוק ההון")
        var item = item(id: "wa-rtl-1", conversation: group, from: arabic, to: [hebrew, alice, carol])
        item.text = "مرحبا بالجميع 👋 שלום לכולם"
        item.attachments = [
            attachment(
                id: "att-rtl",
                fileName: "تقرير \u{202E}fdp.exe",
                contentType: "application/pdf",
                bytes: bytes(60, seed: 3),
                caption: "التقرير"
            )
        ]
        return item
    }

    static func longLine() -> Item {
        let long = String(repeating: "0123456789", count: 500)
        let name = String(repeating: "Verylongname", count: 30)
        return item(id: "wa-long-1", from: Party(phone: "+46701234567", name: name), to: [carol], text: long)
    }

    static func trickyLines() -> Item {
        item(
            id: "wa-tricky-1",
            text: """
                From here on, prices are final.
                --=_WA_0123456789abcdef
                --=_WA_0123456789abcdef--
                .
                trailing spaces   
                tab at end\t
                =?utf-8?B?SGVsbG8=?= is not a header
                a=b and 100% sure
                """
        )
    }

    static func injection() -> Item {
        let eve = Party(
            phone: "+15550001111",
            name: "Eve\r\nBcc: victim@example.com\r\n\r\n<script>",
            email: "eve@evil.com\r\nBcc: x@y.com"
        )
        let mallory = Party(phone: "+15550002222", name: "Mallory\u{0000}\u{0007}\u{001B}[31m \"quoted\" \\ (x)")
        let conversation = Conversation(
            id: "120363\r\nX-Injected: 1@g.us",
            type: .group,
            name: "Deals\nSubject: fake\r\nContent-Type: text/html"
        )
        var item = item(id: "wa-inject-1", conversation: conversation, from: eve, to: [mallory, carol])
        item.text = "Hi\r\n\r\nFrom: ceo@bank.com\r\nSubject: wire now\u{0000}\n--=_WA_0123456789abcdef--\r"
        item.attachments = [
            attachment(
                id: "att-x",
                fileName: "../../etc/passwd\r\nContent-Type: text/html",
                contentType: "text/html\r\nX-Evil: 1",
                bytes: Array("<b>x</b>".utf8)
            ),
            attachment(
                id: "att-y",
                fileName: "invoice\u{202E}fdp.exe",
                contentType: "multipart/mixed; boundary=x",
                bytes: bytes(10, seed: 9)
            ),
        ]
        return item
    }

    static func longNonASCIIFileName() -> Item {
        var item = item(id: "wa-fname-1", text: nil)
        item.attachments = [
            attachment(
                id: "att-long",
                fileName: String(repeating: "Отчёт", count: 40) + ".docx",
                contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                bytes: bytes(100, seed: 5)
            )
        ]
        return item
    }

    static func noRecipients() -> Item {
        item(
            id: "wa-q-1",
            from: Party(phone: "+4915112345678", name: "Bernd"),
            to: [],
            text: "Nobody here maps"
        )
    }
}
