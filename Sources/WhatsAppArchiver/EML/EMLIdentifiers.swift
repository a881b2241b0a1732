/// The message identifiers of RFC 5322 section 3.6.4, derived from item and conversation ids alone.
///
/// An identifier is `prefix.<32 hex digits>@domain`, the hex being the first 16 bytes of the SHA-256 of the id: a
/// valid `dot-atom-text@dot-atom-text` whatever the id holds, identical in every mailbox and on every run, and
/// carrying no user text.
enum EMLIdentifiers {
    /// The `Message-ID` of the item with id `itemID` (also the `In-Reply-To` of replies to it).
    static func message(itemID: String, domain: String) -> String {
        "wa." + digest(itemID) + "@" + domain
    }

    /// The identifier of a conversation's thread root, placed first in `References` so that clients thread a chat.
    static func conversationRoot(conversationID: String, domain: String) -> String {
        "conv." + digest(conversationID) + "@" + domain
    }

    private static func digest(_ text: String) -> String {
        SHA256.hex(Array(SHA256.hash(text.utf8).prefix(16)))
    }
}
