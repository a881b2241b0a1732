import Foundation

/// An independent re-reading of a generated message: it looks only at the bytes, parses the MIME structure itself,
/// and reports every rule the message breaks. Written for the fuzz targets; it shares no code with the converter.
struct MessageChecker {
    /// One body part: its header fields (lower-cased names, unfolded values) and its content lines.
    struct Part {
        var fields: [(name: String, value: String)] = []
        var lines: [ArraySlice<UInt8>] = []

        func value(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    }

    /// The header field names the converter writes at the top level; any other name is an injected field.
    static let topLevelNames: Set<String> = [
        "date", "from", "to", "subject", "message-id", "in-reply-to", "references", "mime-version", "content-type",
        "content-transfer-encoding", "x-telemessage-item-id", "x-whatsapp-kind", "x-whatsapp-conversation-id",
        "x-whatsapp-conversation-type", "x-whatsapp-network", "x-whatsapp-capture-mode", "x-whatsapp-forwarded",
        "x-whatsapp-item-record",
        "x-archiver-quarantine-reason",
    ]
    /// The header field names the converter writes in a body part.
    static let partNames: Set<String> = [
        "content-type", "content-transfer-encoding", "content-disposition", "content-description",
        "x-telemessage-attachment-id",
    ]
    static let requiredNames = ["date", "from", "to", "subject", "message-id", "mime-version", "content-type"]

    private(set) var problems: [String] = []
    /// The top-level header fields.
    private(set) var header = Part()
    /// The body parts in order; a single-part message has one, holding the top-level body.
    private(set) var parts: [Part] = []

    init(_ bytes: [UInt8]) {
        guard !bytes.isEmpty, bytes.suffix(2) == [0x0D, 0x0A] else {
            problems.append("the message does not end with CRLF")
            return
        }
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == 0x0D, index + 1 == bytes.count || bytes[index + 1] != 0x0A {
                problems.append("bare CR at byte \(index)")
            } else if byte == 0x0A, index == 0 || bytes[index - 1] != 0x0D {
                problems.append("bare LF at byte \(index)")
            }
        }
        let lines = Self.lines(bytes)
        for (number, line) in lines.enumerated() where line.count > 998 {
            problems.append("line \(number + 1) has \(line.count) octets")
        }
        var cursor = 0
        header = readFields(lines, &cursor, allowed: Self.topLevelNames, place: "top level")
        for name in Self.requiredNames where header.value(name) == nil {
            problems.append("required field \(name) is missing")
        }
        for name in Set(header.fields.map(\.name)) where header.fields.filter({ $0.name == name }).count > 1 {
            problems.append("field \(name) appears more than once")
        }
        let contentType = header.value("content-type") ?? ""
        guard contentType.lowercased().hasPrefix("multipart/") else {
            var part = header
            part.lines = Array(lines[cursor...])
            checkContent(part, place: "the body")
            parts = [part]
            return
        }
        guard let boundary = Self.parameter("boundary", in: contentType) else {
            problems.append("a multipart message without a boundary")
            return
        }
        let delimiter = Array(("--" + boundary).utf8)
        let closing = delimiter + Array("--".utf8)
        // The preamble, if any, is ignored by readers; the converter writes none.
        while cursor < lines.count, !lines[cursor].elementsEqual(delimiter) {
            problems.append("preamble line \(cursor + 1)")
            cursor += 1
        }
        var closed = false
        while cursor < lines.count {
            let line = lines[cursor]
            cursor += 1
            if line.elementsEqual(closing) {
                closed = true
                break
            }
            if line.elementsEqual(delimiter) {
                var part = readFields(lines, &cursor, allowed: Self.partNames, place: "part \(parts.count + 1)")
                let start = cursor
                while cursor < lines.count, !lines[cursor].starts(with: delimiter) { cursor += 1 }
                part.lines = Array(lines[start..<cursor])
                checkContent(part, place: "part \(parts.count + 1)")
                parts.append(part)
                continue
            }
            problems.append("line \(cursor) starts with the boundary but is no delimiter")
        }
        if !closed { problems.append("the multipart body is never closed") }
        if cursor < lines.count { problems.append("\(lines.count - cursor) lines after the closing delimiter") }
    }

    /// Reads header fields up to the blank line, checking that they are printable ASCII and allowed.
    private mutating func readFields(
        _ lines: [ArraySlice<UInt8>],
        _ cursor: inout Int,
        allowed: Set<String>,
        place: String
    ) -> Part {
        var part = Part()
        while cursor < lines.count {
            let line = lines[cursor]
            cursor += 1
            if line.isEmpty { return part }
            if !line.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) {
                problems.append("header line \(cursor) at \(place) is not printable ASCII")
            }
            let text = String(decoding: line, as: UTF8.self)
            if line.first == 0x20 || line.first == 0x09 {
                if part.fields.isEmpty {
                    problems.append("a continuation line without a field at line \(cursor)")
                } else {
                    part.fields[part.fields.count - 1].value += text
                }
                continue
            }
            guard let colon = text.firstIndex(of: ":") else {
                problems.append("header line \(cursor) at \(place) is neither a field nor a continuation")
                continue
            }
            let name = text[..<colon].lowercased()
            if !allowed.contains(name) { problems.append("unexpected field \(name) at \(place)") }
            part.fields.append((name, String(text[text.index(after: colon)...]).trimmingSpaces()))
        }
        problems.append("the header section at \(place) has no end")
        return part
    }

    /// Checks a part's content lines against its transfer encoding.
    private mutating func checkContent(_ part: Part, place: String) {
        let encoding = (part.value("content-transfer-encoding") ?? "7bit").trimmingSpaces().lowercased()
        for (number, line) in part.lines.enumerated() {
            if line.count > 76 { problems.append("\(place) line \(number + 1) has \(line.count) characters") }
            if !line.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) {
                problems.append("\(place) line \(number + 1) is not printable ASCII")
            }
            switch encoding {
            case "base64":
                if !line.allSatisfy({ Self.base64Value($0) != nil || $0 == UInt8(ascii: "=") }) {
                    problems.append("\(place) line \(number + 1) is not base64")
                }
            case "quoted-printable":
                if line.last == 0x20 || line.last == 0x09 {
                    problems.append("\(place) line \(number + 1) ends in white space")
                }
            default:
                problems.append("\(place) has the transfer encoding \(encoding)")
            }
        }
        if encoding == "quoted-printable", Self.quotedPrintableDecoded(part.lines) == nil {
            problems.append("\(place) is not valid quoted-printable")
        }
    }

    /// The lines of `bytes`, without their CRLF.
    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A {
                lines.append(bytes[start..<index])
                start = index + 2
                index += 2
            } else {
                index += 1
            }
        }
        return lines
    }

    /// The value of parameter `name` in a structured field such as `multipart/mixed; boundary="x"`.
    static func parameter(_ name: String, in value: String) -> String? {
        guard let range = value.range(of: name + "=") else { return nil }
        let rest = value[range.upperBound...]
        if rest.first == "\"" { return String(rest.dropFirst().prefix { $0 != "\"" }) }
        return String(rest.prefix { $0 != ";" && $0 != " " })
    }

    static func base64Value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// The bytes of base64 content lines, or nil when they are not valid base64.
    static func base64Decoded(_ lines: [ArraySlice<UInt8>]) -> [UInt8]? {
        let text = lines.flatMap { $0 }
        guard text.count % 4 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = 0
        while index < text.count {
            let group = text[index..<(index + 4)]
            let padding = group.reversed().prefix { $0 == UInt8(ascii: "=") }.count
            guard padding <= 2, padding == 0 || index + 4 == text.count else { return nil }
            var value: UInt32 = 0
            for byte in group.prefix(4 - padding) {
                guard let digit = base64Value(byte) else { return nil }
                value = value << 6 | UInt32(digit)
            }
            value <<= UInt32(6 * padding)
            let decoded = [16, 8, 0].map { UInt8(truncatingIfNeeded: value >> UInt32($0)) }
            bytes += decoded.prefix(3 - padding)
            index += 4
        }
        return bytes
    }

    /// The bytes of quoted-printable content lines, or nil when an `=` is not followed by two hex digits or a
    /// line end.
    static func quotedPrintableDecoded(_ lines: [ArraySlice<UInt8>]) -> [UInt8]? {
        var bytes: [UInt8] = []
        for (number, line) in lines.enumerated() {
            var index = line.startIndex
            var softBreak = false
            while index < line.endIndex {
                let byte = line[index]
                guard byte == UInt8(ascii: "=") else {
                    bytes.append(byte)
                    index += 1
                    continue
                }
                if index + 1 == line.endIndex {
                    softBreak = true
                    break
                }
                guard index + 2 < line.endIndex, let high = hexValue(line[index + 1]),
                    let low = hexValue(line[index + 2])
                else { return nil }
                bytes.append(high << 4 | low)
                index += 3
            }
            if !softBreak && number + 1 < lines.count { bytes += [0x0D, 0x0A] }
        }
        return bytes
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
