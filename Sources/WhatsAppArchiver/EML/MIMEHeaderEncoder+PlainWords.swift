extension MIMEHeaderEncoder {
    /// Appends the field `name: line` for a clean single line that is printable ASCII, holds no `=?` and no word
    /// longer than ``maximumPlainWord``, and returns `true`; returns `false`, appending nothing, for any other line.
    ///
    /// For such a line ``unstructuredTokens(_:)`` makes one token per word, each with a space before, so the
    /// field is the words folded as ``appendField(_:_:to:)`` folds them: these are the same bytes, written from the
    /// line's UTF-8 without an array of words, a string per word or an array of tokens (the usual `Subject` and
    /// every `X-WhatsApp-...` field of every message take this path).
    static func appendPlainWords(_ name: String, _ line: String, to bytes: inout [UInt8]) -> Bool {
        var line = line
        return line.withUTF8 { utf8 in
            // First the check, so that nothing is appended when the line needs the general path.
            var wordLength = 0
            var previous: UInt8 = 0
            for byte in utf8 {
                guard byte >= 0x20 && byte < 0x7F else { return false }
                if previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?") { return false }
                if byte == UInt8(ascii: " ") {
                    wordLength = 0
                } else {
                    wordLength += 1
                    if wordLength > maximumPlainWord { return false }
                }
                previous = byte
            }
            let start = bytes.count
            bytes.append(contentsOf: name.utf8)
            bytes.append(UInt8(ascii: ":"))
            var column = bytes.count - start
            var isFirst = true
            var index = 0
            while index < utf8.count {
                // Empty words (doubled, leading or trailing spaces) are skipped, as splitting at spaces skips them.
                if utf8[index] == UInt8(ascii: " ") {
                    index += 1
                    continue
                }
                var end = index
                while end < utf8.count && utf8[end] != UInt8(ascii: " ") { end += 1 }
                let length = end - index
                if !isFirst && column + 1 + length > preferredLineLength {
                    bytes.append(0x0D)
                    bytes.append(0x0A)
                    column = 0
                }
                bytes.append(UInt8(ascii: " "))
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[index..<end]))
                column += 1 + length
                isFirst = false
                index = end
            }
            bytes.append(0x0D)
            bytes.append(0x0A)
            return true
        }
    }
}
