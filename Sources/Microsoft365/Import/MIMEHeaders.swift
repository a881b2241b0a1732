import Foundation

/// Reading the header fields of the converter's MIME: unfolding, RFC 2047 encoded words, RFC 2231 parameters,
/// address lists. Enough for the messages the `EMLConverter` writes, which is what the large-message path reads.
enum MIMEHeaders {
    /// Header fields of a header block (lines without their CRLF), unfolded, names lower-cased.
    static func fields(_ lines: [String]) -> [(name: String, value: String)] {
        var fields: [(String, String)] = []
        for line in lines {
            if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                fields.append(
                    (
                        line[..<colon].trimmingCharacters(in: .whitespaces).lowercased(),
                        line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    )
                )
            }
        }
        return fields
    }

    /// Decodes RFC 2047 encoded words (`=?utf-8?B?…?=`, `=?utf-8?Q?…?=`); whitespace between two words goes.
    static func decodeWords(_ text: String) -> String {
        var result = ""
        var rest = Substring(text)
        var lastWasWord = false
        while let start = rest.range(of: "=?") {
            let before = rest[..<start.lowerBound]
            let afterStart = rest[start.upperBound...]
            let pieces = afterStart.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
            guard pieces.count == 4, pieces[3].hasPrefix("="),
                let decoded = decodeWord(
                    charset: String(pieces[0]),
                    encoding: String(pieces[1]),
                    text: String(pieces[2])
                )
            else {
                result += rest[..<start.upperBound]
                rest = afterStart
                lastWasWord = false
                continue
            }
            if !(lastWasWord && before.allSatisfy(\.isWhitespace)) { result += before }
            result += decoded
            let consumed = pieces[0].count + pieces[1].count + pieces[2].count + 4
            rest = afterStart.dropFirst(consumed)
            lastWasWord = true
        }
        return result + rest
    }

    private static func decodeWord(charset: String, encoding: String, text: String) -> String? {
        var bytes: [UInt8]
        switch encoding.uppercased() {
        case "B":
            guard let data = Data(base64Encoded: text) else { return nil }
            bytes = Array(data)
        case "Q":
            bytes = []
            var utf8 = Array(text.utf8)[...]
            while let byte = utf8.popFirst() {
                if byte == UInt8(ascii: "_") {
                    bytes.append(0x20)
                } else if byte == UInt8(ascii: "="), utf8.count >= 2,
                    let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
                {
                    bytes.append(value)
                    utf8 = utf8.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            }
        default: return nil
        }
        let lower = charset.lowercased()
        if lower == "iso-8859-1" || lower == "latin1" { return String(bytes: bytes, encoding: .isoLatin1) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value and parameters of a structured field such as `Content-Type` or `Content-Disposition`, with RFC
    /// 2231 continuations and charsets decoded.
    static func parameters(_ value: String) -> (value: String, parameters: [String: String]) {
        var parts: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quoted {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ";" && !quoted {
                parts.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current)
        let head = parts.removeFirst().trimmingCharacters(in: .whitespaces).lowercased()
        var plain: [String: String] = [:]
        var sections: [String: [(index: Int, text: String, encoded: Bool)]] = [:]
        for part in parts {
            guard let equals = part.firstIndex(of: "=") else { continue }
            var name = part[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let text = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let encoded = name.hasSuffix("*")
            if encoded { name.removeLast() }
            if let star = name.firstIndex(of: "*"), let index = Int(name[name.index(after: star)...]) {
                sections[String(name[..<star]), default: []].append((index, text, encoded))
            } else if encoded {
                sections[name, default: []].append((0, text, true))
            } else {
                plain[name] = text
            }
        }
        for (name, pieces) in sections {
            var bytes: [UInt8] = []
            for (offset, piece) in pieces.sorted(by: { $0.index < $1.index }).enumerated() {
                var text = piece.text
                if piece.encoded {
                    if offset == 0, let quote = text.firstIndex(of: "'"),
                        let second = text[text.index(after: quote)...].firstIndex(of: "'")
                    {
                        text = String(text[text.index(after: second)...])
                    }
                    bytes += percentDecoded(text)
                } else {
                    bytes += Array(text.utf8)
                }
            }
            plain[name] = String(decoding: bytes, as: UTF8.self)
        }
        return (head, plain)
    }

    /// `%XX` escapes as bytes, so that a character split between two RFC 2231 sections joins up again.
    static func percentDecoded(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count + 0, index + 2 <= utf8.count - 1,
                let value = UInt8(String(decoding: utf8[(index + 1)...(index + 2)], as: UTF8.self), radix: 16)
            {
                output.append(value)
                index += 3
            } else {
                output.append(utf8[index])
                index += 1
            }
        }
        return output
    }

    /// The addresses of an address list: `"Name" <address>, address, …`.
    static func addresses(_ value: String) -> [(name: String, address: String)] {
        var entries: [String] = []
        var current = ""
        var quoted = false
        var angle = false
        for character in value {
            if character == "\"" { quoted.toggle() }
            if !quoted && character == "<" { angle = true }
            if !quoted && character == ">" { angle = false }
            if character == "," && !quoted && !angle {
                entries.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        entries.append(current)
        return entries.compactMap { entry in
            let entry = entry.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { return nil }
            if let open = entry.lastIndex(of: "<"), let close = entry.lastIndex(of: ">"), open < close {
                var name = entry[..<open].trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 {
                    name = String(name.dropFirst().dropLast())
                }
                return (decodeWords(name), String(entry[entry.index(after: open)..<close]))
            }
            return ("", entry)
        }
    }
}
