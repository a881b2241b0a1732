/// The address of a mailbox: a validated, lower-cased `local@domain`.
///
/// Mailbox addresses come from input (a mapping file, a participant's email property) and become directory names
/// in sinks such as the Maildir sink, so only a strict subset of RFC 5322 is accepted: ASCII only, no display name,
/// no quoted local part, no spaces, no path characters (`/`, `\`), no leading or trailing dot and no `..` in either
/// part, a domain of at least two DNS labels. The stored form is lower case, so addresses compare without regard
/// to case.
public struct MailboxAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The address in lower case, for example `alice@contoso.com`.
    public let rawValue: String

    /// Validates and lower-cases `text`; `nil` when it is not an acceptable mailbox address.
    public init?(_ text: String) {
        guard let normalized = Self.normalize(text) else { return nil }
        self.rawValue = normalized
    }

    /// The part before the `@`.
    public var localPart: Substring { rawValue[..<rawValue.lastIndex(of: "@")!] }

    /// The part after the `@`.
    public var domain: Substring { rawValue[rawValue.index(after: rawValue.lastIndex(of: "@")!)...] }

    /// The address in lower case.
    public var description: String { rawValue }

    /// Orders addresses by their lower-case text.
    public static func < (lhs: MailboxAddress, rhs: MailboxAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Why `text` is not an acceptable mailbox address, or `nil` when it is.
    public static func problem(with text: String) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return "the address is empty" }
        guard bytes.count <= 254 else { return "the address is longer than 254 characters" }
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")), bytes.firstIndex(of: UInt8(ascii: "@")) == at else {
            return "the address must contain exactly one @"
        }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64 else { return "the part before @ must have 1 to 64 characters" }
        for byte in local where !isLocalPartByte(byte) {
            return "the part before @ contains a character that is not allowed (\(describe(byte)))"
        }
        if zip(local, local.dropFirst()).contains(where: { $0 == UInt8(ascii: "=") && $1 == UInt8(ascii: "?") }) {
            // Mail readers decode `=?...?=` as an RFC 2047 encoded-word, which would show a different address.
            return "the part before @ must not contain \"=?\""
        }
        if local.first == UInt8(ascii: ".") || local.last == UInt8(ascii: ".") || containsDoubleDot(local) {
            return "the part before @ must not start or end with a dot or contain two dots in a row"
        }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "the domain must have at least two labels (example.com)" }
        for label in labels {
            guard (1...63).contains(label.count) else { return "a domain label must have 1 to 63 characters" }
            for byte in label where !isDomainByte(byte) {
                return "the domain contains a character that is not allowed (\(describe(byte)))"
            }
            if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
                return "a domain label must not start or end with a hyphen"
            }
        }
        return nil
    }

    private static func normalize(_ text: String) -> String? {
        guard problem(with: text) == nil else { return nil }
        return String(decoding: text.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    private static func isLocalPartByte(_ byte: UInt8) -> Bool {
        if isAlphanumeric(byte) { return true }
        // RFC 5322 atext without "/" (a path separator) plus the dot of a dot-atom.
        return "!#$%&'*+-=?^_`{|}~.".utf8.contains(byte)
    }

    private static func isDomainByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: "-")
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func containsDoubleDot(_ bytes: ArraySlice<UInt8>) -> Bool {
        zip(bytes, bytes.dropFirst()).contains { $0 == UInt8(ascii: ".") && $1 == UInt8(ascii: ".") }
    }

    private static func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7F ? "\"\(Character(Unicode.Scalar(byte)))\"" : "byte 0x\(String(byte, radix: 16))"
    }
}
