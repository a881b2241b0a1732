/// A participant in a conversation: sender, recipient, owner, event actor or event target.
///
/// ``name`` comes from a phone and is untrusted: it may hold any Unicode, including line breaks, NUL and
/// bidirectional controls. Renderers must treat it as data.
public struct Party: Sendable, Hashable {
    /// E.164: `+` followed by 6 to 15 digits.
    public var phone: String
    /// The display name, if known. Untrusted text.
    public var name: String?
    /// The "User's Email address" property: set for participants registered in the account.
    public var email: String?

    /// Creates a party.
    public init(phone: String, name: String? = nil, email: String? = nil) {
        self.phone = phone
        self.name = name
        self.email = email
    }

    /// The phone number's digits without the leading `+` (TeleMessage's "External User ID").
    public var phoneDigits: String {
        phone.hasPrefix("+") ? String(phone.dropFirst()) : phone
    }

    /// Whether `phone` is E.164: `+` followed by 6 to 15 ASCII digits.
    public static func isValidPhone(_ phone: String) -> Bool {
        let utf8 = phone.utf8
        guard utf8.first == UInt8(ascii: "+"), (7...16).contains(utf8.count) else { return false }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        // Called for every participant of every copy: on the contiguous bytes when there are some.
        if let fast = utf8.withContiguousStorageIfAvailable({ $0.dropFirst().allSatisfy(isDigit) }) { return fast }
        return utf8.dropFirst().allSatisfy(isDigit)
    }
}
