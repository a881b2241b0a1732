import Foundation
import WhatsAppArchiver

/// Builders for items in tests: realistic defaults, every field overridable.
public enum SampleItems {
    /// Alice, a registered user at contoso.com.
    public static let alice = Party(phone: "+46701234567", name: "Alice Andersson", email: "alice@contoso.com")
    /// Bernd, an outside contact with no email property.
    public static let bernd = Party(phone: "+4915112345678", name: "Bernd")
    /// Carol, a registered user at contoso.com.
    public static let carol = Party(phone: "+12124325249", name: "Carol", email: "carol@contoso.com")

    /// A one-to-one chat between Alice and Carol.
    public static let directChat = Conversation(id: "12124325249@s.whatsapp.net", type: .individual)
    /// A group chat.
    public static let salesGroup = Conversation(id: "120363025@g.us", type: .group, name: "Sales Group")

    /// A base instant: 2026-11-23T10:00:00Z.
    public static let baseDate = RFC3339.parse("2026-11-23T10:00:00Z")!

    /// A message item captured `offset` seconds after ``baseDate``.
    public static func message(
        id: String,
        offset: TimeInterval = 0,
        from: Party = alice,
        to: [Party] = [carol],
        conversation: Conversation = directChat,
        text: String? = "Hello",
        attachments: [Attachment] = [],
        kind: ItemKind = .message
    ) -> Item {
        Item(
            id: id,
            captureMode: .phone,
            kind: kind,
            capturedAt: baseDate.addingTimeInterval(offset + 2),
            sentAt: baseDate.addingTimeInterval(offset),
            owner: from,
            conversation: conversation,
            from: from,
            to: to,
            text: text,
            attachments: attachments
        )
    }

    /// An attachment whose bytes are held in memory (tests only: real sources stream from disk or network).
    public static func attachment(
        id: String,
        fileName: String = "file.bin",
        contentType: String = "application/octet-stream",
        bytes: [UInt8]
    ) -> Attachment {
        Attachment(
            id: id,
            fileName: fileName,
            contentType: contentType,
            size: Int64(bytes.count),
            content: AttachmentContent { MemoryAttachmentReader(bytes) }
        )
    }

    /// An attachment the source cannot provide.
    public static func missingAttachment(id: String, fileName: String = "gone.bin") -> Attachment {
        Attachment(
            id: id,
            fileName: fileName,
            size: 10,
            content: .unavailable(ArchiverError(.attachmentMissing, "Attachment \(id) is gone from the server."))
        )
    }
}

/// An ``AttachmentReader`` over bytes in memory.
public final class MemoryAttachmentReader: AttachmentReader {
    private let bytes: [UInt8]
    private var offset = 0

    /// Creates a reader over `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Copies the next bytes into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
        }
        offset += count
        return count
    }

    /// Does nothing.
    public func close() {}
}
