/// What an item is.
///
/// A struct rather than an enum so that a kind this version does not know (for example `poll`) is carried through
/// unchanged: such an item is still archived, with its raw JSON in ``Item/rawJSON``.
public struct ItemKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The value as it appears in the export (`message`, `call`, ...).
    public var rawValue: String

    /// Creates a kind from its export value.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The export value.
    public var description: String { rawValue }

    /// A message: text, media, a location, or any mix.
    public static let message = ItemKind(rawValue: "message")
    /// A voice or video call.
    public static let call = ItemKind(rawValue: "call")
    /// A deleted message, archived with its original content.
    public static let deletion = ItemKind(rawValue: "deletion")
    /// An edited message, archived with the text before and after.
    public static let edit = ItemKind(rawValue: "edit")
    /// A reaction (an emoji) to a message, or its removal.
    public static let reaction = ItemKind(rawValue: "reaction")
    /// A group or system event.
    public static let event = ItemKind(rawValue: "event")

    /// The six kinds the export format defines.
    public static let known: Set<ItemKind> = [.message, .call, .deletion, .edit, .reaction, .event]

    /// Whether this is one of the six kinds the export format defines.
    public var isKnown: Bool { Self.known.contains(self) }
}
