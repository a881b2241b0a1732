/// Quoted-printable (RFC 2045 section 6.7) for the text parts: readable where the text is ASCII, every line at most
/// 76 characters, CRLF line endings.
///
/// Beyond what the RFC requires, it encodes `=` always (so no encoded line can contain `=_`, which every multipart
/// boundary this converter makes contains), an `F` that starts a line with `From ` (mbox readers would mangle it),
/// and a `.` that starts a line (SMTP would double it).
enum QuotedPrintableEncoder {
    /// The encoded form of `text`, whose lines are separated by `\n`; each line of the result ends with CRLF.
    static func encode(_ text: String) -> [UInt8] {
        var text = text
        // On the contiguous UTF-8 bytes: no line is split into a collection or copied into an array of its own.
        return text.withUTF8 { bytes in
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count + bytes.count / 8 + 16)
            var start = 0
            while true {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                encodeLine(UnsafeBufferPointer(rebasing: bytes[start..<end]), into: &output)
                guard end < bytes.count else { break }
                start = end + 1
            }
            return output
        }
    }

    private static func encodeLine(_ line: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        // Most lines of a body are short and plain: copied whole when no byte of them needs encoding or a break.
        if isPlainShortLine(line) {
            output.append(contentsOf: line)
            output.append(0x0D)
            output.append(0x0A)
            return
        }
        let hex: StaticString = "0123456789ABCDEF"
        var column = 0
        for index in 0..<line.count {
            let byte = line[index]
            let isLast = index == line.count - 1
            var literal = (byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "=")) || byte == 0x20 || byte == 0x09
            if (byte == 0x20 || byte == 0x09) && isLast { literal = false }
            let length = literal ? 1 : 3
            // A soft break leaves room for the "=" that ends the line.
            if column + length > 75 && !(isLast && column + length <= 76) {
                output.append(UInt8(ascii: "="))
                output.append(0x0D)
                output.append(0x0A)
                column = 0
            }
            if column == 0 && literal {
                if byte == UInt8(ascii: ".") { literal = false }
                if byte == UInt8(ascii: "F") && startsWithFrom(line, at: index) { literal = false }
            }
            if literal {
                output.append(byte)
                column += 1
            } else {
                output.append(UInt8(ascii: "="))
                output.append(hex.utf8Start[Int(byte >> 4)])
                output.append(hex.utf8Start[Int(byte & 0x0F)])
                column += 3
            }
        }
        output.append(0x0D)
        output.append(0x0A)
    }

    /// Whether the line is written as it is: at most 76 bytes, each printable ASCII but `=` or a space or tab, no
    /// space or tab at the end, no `.` or `From ` at the start (exactly the lines the general loop copies unchanged).
    private static func isPlainShortLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let last = line.last, line.count <= 76, last != 0x20, last != 0x09 else { return line.isEmpty }
        if line[0] == UInt8(ascii: ".") || (line[0] == UInt8(ascii: "F") && startsWithFrom(line, at: 0)) {
            return false
        }
        for byte in line where !((byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "=")) || byte == 0x09) {
            return false
        }
        return true
    }

    /// Whether `From ` starts at `index`.
    private static func startsWithFrom(_ line: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let from: StaticString = "From "
        guard line.count - index >= from.utf8CodeUnitCount else { return false }
        for offset in 0..<from.utf8CodeUnitCount where line[index + offset] != from.utf8Start[offset] {
            return false
        }
        return true
    }
}
