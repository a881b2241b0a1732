import Foundation

/// What a deletion, an edit or a reaction refers to.
public struct Target: Sendable, Hashable {
    /// The original item's `id`.
    public var id: String
    /// When the original item was sent.
    public var sentAt: Date?
    /// For a deletion: the deleted content; for an edit: the text before the edit. Untrusted text.
    public var text: String?
    /// For an edit: the text after it. Untrusted text.
    public var newText: String?
    /// For a deletion: the names of the files the deleted message had. Untrusted text.
    public var attachmentNames: [String]
    /// For a deletion: deleted for everyone or for the deleting user only.
    public var scope: Scope?
    /// For a deletion: whether the message had been read.
    public var readState: ReadState?
    /// For a reaction: the emoji; empty or `nil` when the reaction was removed.
    public var emoji: String?

    /// Creates a target.
    public init(
        id: String,
        sentAt: Date? = nil,
        text: String? = nil,
        newText: String? = nil,
        attachmentNames: [String] = [],
        scope: Scope? = nil,
        readState: ReadState? = nil,
        emoji: String? = nil
    ) {
        self.id = id
        self.sentAt = sentAt
        self.text = text
        self.newText = newText
        self.attachmentNames = attachmentNames
        self.scope = scope
        self.readState = readState
        self.emoji = emoji
    }

    /// Whom a deletion applies to. Unknown values are kept as they are.
    public struct Scope: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a value from its export form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }
        /// Deleted for everyone.
        public static let everyone = Scope(rawValue: "everyone")
        /// Deleted for the deleting user only.
        public static let me = Scope(rawValue: "me")
    }

    /// Whether a deleted message had been read. Unknown values are kept as they are.
    public struct ReadState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a value from its export form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }
        /// The message had been read.
        public static let read = ReadState(rawValue: "read")
        /// The message had not been read.
        public static let unread = ReadState(rawValue: "unread")
        /// Not known.
        public static let unknown = ReadState(rawValue: "unknown")
    }
}
