import Foundation
import WhatsAppArchiver

/// An item, its attachments' bytes and a conversion request, all carved out of the fuzzer's bytes. Every
/// untrusted field is fuzzed; the structure (kind, which optional parts exist, how many recipients and attachments)
/// is picked by single bytes so that mutations explore it too.
struct FuzzedItem {
    /// The bytes of each attachment, or nil for one the source could not provide.
    var attachmentBytes: [[UInt8]?] = []
    var request: ConversionRequest

    static let mailbox = MailboxAddress("alice@contoso.com")!

    init(_ input: inout FuzzInput) {
        let kinds: [ItemKind] = [.message, .call, .deletion, .edit, .reaction, .event]
        let kindChoice = input.below(kinds.count + 1)
        let kind = kindChoice < kinds.count ? kinds[kindChoice] : ItemKind(rawValue: input.string())
        let id: String
        if input.byte() < 240 {
            // Mostly a valid id, so that the conversion gets past its identity check.
            let raw = input.raw()
            id = raw.isEmpty ? "x" : String(decoding: raw.map { 0x21 + $0 % 94 }, as: UTF8.self)
        } else {
            id = input.string()
        }
        var parties: [Party] = []
        let owner = Self.party(&input)
        let from = Self.party(&input)
        let to = (0..<input.below(5)).map { _ in Self.party(&input) }
        parties = [owner, from] + to
        var item = Item(
            id: id,
            network: input.bool() ? .whatsapp : Item.Network(rawValue: input.string()),
            captureMode: input.bool() ? Item.CaptureMode(rawValue: input.string()) : nil,
            kind: kind,
            capturedAt: Self.date(&input),
            sentAt: Self.date(&input),
            owner: owner,
            conversation: Conversation(
                id: input.string(),
                type: ConversationType(rawValue: input.string()),
                name: input.optionalString()
            ),
            from: from,
            to: to,
            text: input.optionalString(),
            replyTo: input.optionalString(),
            forwarded: input.bool()
        )
        if input.bool() {
            item.location = Location(
                latitude: Double(Int32(bitPattern: input.uint32())) / 1e7,
                longitude: Double(Int32(bitPattern: input.uint32())) / 1e7,
                name: input.optionalString(),
                address: input.optionalString()
            )
        }
        if input.bool() {
            item.call = Call(
                media: Call.Media(rawValue: input.string()),
                status: Call.Status(rawValue: input.string()),
                startedAt: input.bool() ? Self.date(&input) : nil,
                durationSeconds: input.bool() ? Int(Int32(bitPattern: input.uint32())) : nil,
                recordingAttachmentID: input.optionalString()
            )
        }
        if input.bool() {
            item.target = Target(
                id: input.string(),
                sentAt: input.bool() ? Self.date(&input) : nil,
                text: input.optionalString(),
                newText: input.optionalString(),
                attachmentNames: (0..<input.below(3)).map { _ in input.string() },
                scope: input.bool() ? Target.Scope(rawValue: input.string()) : nil,
                readState: input.bool() ? Target.ReadState(rawValue: input.string()) : nil,
                emoji: input.optionalString()
            )
        }
        if input.bool() {
            let actor = input.bool() ? Self.party(&input) : nil
            let targets = (0..<input.below(3)).map { _ in Self.party(&input) }
            parties += (actor.map { [$0] } ?? []) + targets
            item.event = Event(
                type: Event.EventType(rawValue: input.string()),
                actor: actor,
                targets: targets,
                subject: input.optionalString(),
                description: input.optionalString()
            )
        }
        if input.bool() { item.rawJSON = input.string() }
        var attachmentBytes: [[UInt8]?] = []
        for _ in 0..<input.below(4) {
            let available = input.byte() < 200
            let bytes = input.raw()
            let content: AttachmentContent =
                available
                ? AttachmentContent { MemoryReader(bytes) }
                : .unavailable(ArchiverError(.attachmentMissing, input.string()))
            attachmentBytes.append(available ? bytes : nil)
            item.attachments.append(
                Attachment(
                    id: input.string(),
                    fileName: input.optionalString(),
                    contentType: input.string(),
                    size: Int64(bytes.count),
                    caption: input.optionalString(),
                    content: content
                )
            )
        }
        self.attachmentBytes = attachmentBytes
        let participants = parties.map { party in
            ParticipantMapping(party: party, mailbox: input.bool() ? MailboxAddress(input.string()) : nil)
        }
        request = ConversionRequest(
            item: item,
            mapping: MappingResult(mailboxes: [Self.mailbox], participants: participants),
            mailboxes: [Self.mailbox],
            quarantineReason: input.optionalString()
        )
    }

    private static func party(_ input: inout FuzzInput) -> Party {
        Party(phone: input.string(), name: input.optionalString(), email: input.optionalString())
    }

    /// Any instant from year 0 to year 9999, the range an RFC 3339 timestamp can name.
    private static func date(_ input: inout FuzzInput) -> Date {
        let seconds = Double(input.uint32()) * 60 + Double(input.byte())
        return Date(timeIntervalSince1970: -62_167_219_200 + seconds.truncatingRemainder(dividingBy: 315_569_520_000))
    }
}

/// Attachment bytes held in memory.
final class MemoryReader: AttachmentReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }

    func close() {}
}
