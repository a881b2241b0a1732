/// Quoted-printable (RFC 2045 section 6.7) for the text parts: readable where the text is ASCII, every line at most
/// 76 characters, CRLF line endings.
///
/// Beyond what the RFC requires, it encodes `=` always (so no encoded line can contain `=_`, which every multipart
/// boundary this converter makes contains), an `F` that starts a line with `From ` (mbox readers would mangle it),
/// and a `.` that starts a line (SMTP would double it).
enum QuotedPrintableEncoder {
    /// The encoded form of `text`, whose lines are separated by `\n`; each line of the result ends with CRLF.
    static func encode(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count + text.utf8.count / 8 + 16)
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for line in lines {
            encodeLine(Array(line), into: &output)
        }
        return output
    }

    private static func encodeLine(_ line: [UInt8], into output: inout [UInt8]) {
        let hex = Array("0123456789ABCDEF".utf8)
        var column = 0
        for (index, byte) in line.enumerated() {
            let isLast = index == line.count - 1
            var literal = (byte >= 0x21 && byte <= 0x7E && byte != UInt8(ascii: "=")) || byte == 0x20 || byte == 0x09
            if (byte == 0x20 || byte == 0x09) && isLast { literal = false }
            let length = literal ? 1 : 3
            // A soft break leaves room for the "=" that ends the line.
            if column + length > 75 && !(isLast && column + length <= 76) {
                output += [UInt8(ascii: "="), 0x0D, 0x0A]
                column = 0
            }
            if column == 0 && literal {
                if byte == UInt8(ascii: ".") { literal = false }
                if byte == UInt8(ascii: "F") && line[index...].starts(with: "From ".utf8) { literal = false }
            }
            if literal {
                output.append(byte)
                column += 1
            } else {
                output += [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
                column += 3
            }
        }
        output += [0x0D, 0x0A]
    }
}
