/// The chat an item belongs to: a one-to-one chat, a group or a broadcast list.
public struct Conversation: Sendable, Hashable {
    /// Opaque identifier (`120363025@g.us`, `46701234567@s.whatsapp.net`).
    public var id: String
    /// Whether this is a one-to-one chat, a group or a broadcast list.
    public var type: ConversationType
    /// The group subject; absent for one-to-one chats. Untrusted text.
    public var name: String?

    /// Creates a conversation.
    public init(id: String, type: ConversationType, name: String? = nil) {
        self.id = id
        self.type = type
        self.name = name
    }
}

/// The type of a conversation. Unknown values are kept as they are.
public struct ConversationType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The value as it appears in the export.
    public var rawValue: String
    /// Creates a conversation type from its export value.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The export value.
    public var description: String { rawValue }

    /// A one-to-one chat.
    public static let individual = ConversationType(rawValue: "individual")
    /// A group chat.
    public static let group = ConversationType(rawValue: "group")
    /// A broadcast list.
    public static let broadcast = ConversationType(rawValue: "broadcast")
}
