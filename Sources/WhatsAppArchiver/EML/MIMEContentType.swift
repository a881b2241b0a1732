/// Validation of the content types that sources declare for attachments.
enum MIMEContentType {
    /// The type used when a declared one is not acceptable.
    static let fallback = "application/octet-stream"

    private static let topLevelTypes: Set<String> = [
        "application", "audio", "font", "image", "model", "text", "video",
    ]

    /// `declared` reduced to a lower-case `type/subtype` when it is well-formed (RFC 2045 tokens, a registered
    /// top-level type that may be base64-encoded; parameters dropped), otherwise `application/octet-stream`.
    ///
    /// `multipart/*` and `message/*` are refused: RFC 2045 forbids base64 for them, and an attachment must never be
    /// parsed as structure of the archived message.
    static func validated(_ declared: String) -> String {
        let essence = declared.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let trimmed = trimmingSpaces(essence).lowercased()
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, topLevelTypes.contains(String(parts[0])), isToken(parts[1]), trimmed.utf8.count <= 127
        else { return fallback }
        return trimmed
    }

    private static func isToken(_ text: Substring) -> Bool {
        !text.isEmpty
            && text.utf8.allSatisfy { byte in
                byte > 0x20 && byte < 0x7F && !"()<>@,;:\\\"/[]?=".utf8.contains(byte)
            }
    }

    private static func trimmingSpaces(_ text: Substring) -> Substring {
        var text = text
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
