extension MIMEHeaderEncoder {
    /// Appends the field `name: mailbox, mailbox, ...` with CRLF at the end when every display name is quoted as
    /// one string (short printable ASCII without `=?`, or empty), and returns `true`; returns `false`, appending
    /// nothing, otherwise.
    ///
    /// These are the bytes ``appendField(_:_:to:)`` makes of ``mailboxTokens(displayName:address:)`` with a `,`
    /// on the last token of every mailbox but the last, folded by the same rule, written without a token array,
    /// a quoted string or a bracketed address per mailbox (the `From` and `To` of almost every message).
    static func appendQuotedMailboxes(
        _ name: String,
        _ mailboxes: [(displayName: String, address: String)],
        to bytes: inout [UInt8]
    ) -> Bool {
        for mailbox in mailboxes where !mailbox.displayName.isEmpty {
            let phrase = Substring(mailbox.displayName)
            guard isPrintableASCII(phrase) && phrase.utf8.count <= maximumPlainWord && !hasEncodedWordMarker(phrase)
            else { return false }
        }
        let start = bytes.count
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ":"))
        var column = bytes.count - start
        var isFirst = true
        // The space before a token, or a fold and a space when the token would pass the preferred length.
        func space(before length: Int) {
            if !isFirst && column + 1 + length > preferredLineLength {
                bytes.append(0x0D)
                bytes.append(0x0A)
                column = 0
            }
            bytes.append(UInt8(ascii: " "))
            column += 1 + length
            isFirst = false
        }
        for (index, mailbox) in mailboxes.enumerated() {
            if !mailbox.displayName.isEmpty {
                let escapes = mailbox.displayName.utf8.reduce(0) { count, byte in
                    count + (byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") ? 1 : 0)
                }
                space(before: mailbox.displayName.utf8.count + escapes + 2)
                bytes.append(UInt8(ascii: "\""))
                for byte in mailbox.displayName.utf8 {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
                    bytes.append(byte)
                }
                bytes.append(UInt8(ascii: "\""))
            }
            let isLast = index == mailboxes.count - 1
            space(before: mailbox.address.utf8.count + 2 + (isLast ? 0 : 1))
            bytes.append(UInt8(ascii: "<"))
            bytes.append(contentsOf: mailbox.address.utf8)
            bytes.append(UInt8(ascii: ">"))
            if !isLast { bytes.append(UInt8(ascii: ",")) }
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
        return true
    }
}
