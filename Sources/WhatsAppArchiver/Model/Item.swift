import Foundation

/// One captured WhatsApp item: a message, a call, a deletion, an edit, a reaction, a group event, or a record of
/// a kind this version does not know.
///
/// The fields mirror the item record of the TeleMessage export format. An item is a plain value: attachment bytes
/// are not held in it, only a handle (``Attachment/content``) that yields them as a stream when asked.
public struct Item: Sendable {
    /// Unique and stable within the account; opaque; 1–256 printable ASCII characters.
    public var id: String
    /// The messaging network the item was captured on.
    public var network: Network
    /// How the item was captured, when the source says so.
    public var captureMode: CaptureMode?
    /// What the item is.
    public var kind: ItemKind
    /// When TeleMessage stored the item; export windows select on this.
    public var capturedAt: Date
    /// When the sender sent it.
    public var sentAt: Date
    /// The registered user whose phone or cloud link captured the item.
    public var owner: Party
    /// The conversation the item belongs to.
    public var conversation: Conversation
    /// The sender (for a call: the caller; for an event: who caused it, or the owner).
    public var from: Party
    /// Every other participant at that moment.
    public var to: [Party]
    /// Message body or caption.
    public var text: String?
    /// The `id` of the quoted message.
    public var replyTo: String?
    /// Whether the message was forwarded.
    public var forwarded: Bool
    /// Files sent with the item; their bytes stay with the source until a converter reads them.
    public var attachments: [Attachment]
    /// A shared location.
    public var location: Location?
    /// The call, when ``kind`` is ``ItemKind/call``.
    public var call: Call?
    /// What a deletion, edit or reaction refers to.
    public var target: Target?
    /// The group or system event, when ``kind`` is ``ItemKind/event``.
    public var event: Event?
    /// The item's JSON exactly as the source received it, kept for kinds this version does not know so that
    /// nothing is lost; `nil` for known kinds unless the source chose to keep it.
    public var rawJSON: String?

    /// Creates an item.
    public init(
        id: String,
        network: Network = .whatsapp,
        captureMode: CaptureMode? = nil,
        kind: ItemKind,
        capturedAt: Date,
        sentAt: Date,
        owner: Party,
        conversation: Conversation,
        from: Party,
        to: [Party] = [],
        text: String? = nil,
        replyTo: String? = nil,
        forwarded: Bool = false,
        attachments: [Attachment] = [],
        location: Location? = nil,
        call: Call? = nil,
        target: Target? = nil,
        event: Event? = nil,
        rawJSON: String? = nil
    ) {
        self.id = id
        self.network = network
        self.captureMode = captureMode
        self.kind = kind
        self.capturedAt = capturedAt
        self.sentAt = sentAt
        self.owner = owner
        self.conversation = conversation
        self.from = from
        self.to = to
        self.text = text
        self.replyTo = replyTo
        self.forwarded = forwarded
        self.attachments = attachments
        self.location = location
        self.call = call
        self.target = target
        self.event = event
        self.rawJSON = rawJSON
    }

    /// The sender followed by every other participant: everyone a mapper considers.
    public var participants: [Party] { [from] + to }
}

extension Item {
    /// The messaging network an item was captured on (`whatsapp`, `whatsapp-business`, and reserved values for
    /// TeleMessage's other archivers). Unknown values are kept as they are.
    public struct Network: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a network from its export value.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }

        /// WhatsApp.
        public static let whatsapp = Network(rawValue: "whatsapp")
        /// WhatsApp Business.
        public static let whatsappBusiness = Network(rawValue: "whatsapp-business")
    }

    /// How an item was captured: by the Phone Archiver app or by the Cloud Archiver.
    public struct CaptureMode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a capture mode from its export value.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }

        /// Captured by the WhatsApp Phone Archiver app.
        public static let phone = CaptureMode(rawValue: "phone")
        /// Captured by the WhatsApp Cloud Archiver (linked by QR code).
        public static let cloud = CaptureMode(rawValue: "cloud")
    }
}
