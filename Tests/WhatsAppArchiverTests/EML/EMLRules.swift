/// The byte rules of the EML issue, checked on a whole message: what every generated message must satisfy.
///
/// Independent of the converter's own code: it looks only at bytes.
enum EMLRules {
    /// The header field names the converter may write at the top level.
    static let topLevelFields: Set<String> = [
        "date", "from", "to", "subject", "message-id", "in-reply-to", "references", "mime-version", "content-type",
        "content-transfer-encoding", "x-telemessage-item-id", "x-whatsapp-kind", "x-whatsapp-conversation-id",
        "x-whatsapp-conversation-type", "x-whatsapp-network", "x-whatsapp-capture-mode", "x-whatsapp-forwarded",
        "x-whatsapp-item-record",
        "x-archiver-quarantine-reason",
    ]
    /// The header field names the converter may write in a body part.
    static let partFields: Set<String> = [
        "content-type", "content-transfer-encoding", "content-disposition", "content-description",
        "x-telemessage-attachment-id",
    ]

    /// Every violation found, as readable text; empty when the message obeys every rule.
    static func violations(_ bytes: [UInt8]) -> [String] {
        var problems: [String] = []
        for index in bytes.indices {
            if bytes[index] == 0x0D && (index + 1 == bytes.count || bytes[index + 1] != 0x0A) {
                problems.append("bare CR at byte \(index)")
            }
            if bytes[index] == 0x0A && (index == 0 || bytes[index - 1] != 0x0D) {
                problems.append("bare LF at byte \(index)")
            }
            if bytes[index] == 0 { problems.append("NUL at byte \(index)") }
        }
        guard bytes.suffix(2) == [0x0D, 0x0A] else { return problems + ["the message does not end with CRLF"] }
        let lines = split(bytes)
        var boundary: String?
        if let contentType = header("Content-Type", in: bytes), let range = contentType.range(of: "boundary=\"") {
            boundary = String(contentType[range.upperBound...].prefix { $0 != "\"" })
        }
        var inHeader = true
        var partHeader = false
        var seenTopLevel: [String: Int] = [:]
        for (number, line) in lines.enumerated() {
            let text = String(decoding: line, as: UTF8.self)
            if line.count > 998 { problems.append("line \(number + 1) has \(line.count) octets") }
            if inHeader || partHeader {
                if line.isEmpty {
                    inHeader = false
                    partHeader = false
                    continue
                }
                if !line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 }) {
                    problems.append("header line \(number + 1) is not printable ASCII")
                }
                if line.first == 0x20 || line.first == 0x09 { continue }
                guard let colon = text.firstIndex(of: ":") else {
                    problems.append("header line \(number + 1) is neither a field nor a continuation: \(text)")
                    continue
                }
                let name = text[..<colon].lowercased()
                if inHeader {
                    seenTopLevel[name, default: 0] += 1
                    if !topLevelFields.contains(name) { problems.append("unexpected top-level field \(name)") }
                } else if !partFields.contains(name) {
                    problems.append("unexpected part field \(name) on line \(number + 1)")
                }
                continue
            }
            if let boundary, text == "--" + boundary || text == "--" + boundary + "--" {
                partHeader = text == "--" + boundary
                continue
            }
            if line.count > 76 { problems.append("body line \(number + 1) has \(line.count) characters") }
            if !line.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 }) {
                problems.append("body line \(number + 1) is not printable ASCII")
            }
            if let boundary, text.hasPrefix("--" + boundary) {
                problems.append("body line \(number + 1) starts with the boundary")
            }
            if text.hasPrefix("From ") { problems.append("body line \(number + 1) starts with From") }
        }
        for (name, count) in seenTopLevel where count > 1 {
            problems.append("field \(name) appears \(count) times")
        }
        for required in ["date", "from", "to", "subject", "message-id", "mime-version", "content-type"]
        where seenTopLevel[required] == nil {
            problems.append("field \(required) is missing")
        }
        if let boundary, !boundary.contains("=_") { problems.append("boundary \(boundary) lacks =_") }
        problems += encodedWordProblems(lines)
        return problems
    }

    /// Every RFC 2047 encoded-word must be at most 75 characters.
    private static func encodedWordProblems(_ lines: [ArraySlice<UInt8>]) -> [String] {
        var problems: [String] = []
        for line in lines {
            let text = String(decoding: line, as: UTF8.self)
            var rest = Substring(text)
            while let start = rest.range(of: "=?utf-8?B?") {
                guard let end = rest[start.upperBound...].range(of: "?=") else { break }
                let length = rest.distance(from: start.lowerBound, to: end.upperBound)
                if length > 75 { problems.append("encoded-word of \(length) characters") }
                rest = rest[end.upperBound...]
            }
        }
        return problems
    }

    /// The lines of `bytes` without their CRLF (the last, empty piece after the final CRLF dropped).
    static func split(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
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

    /// The unfolded value of the first top-level field `name`.
    static func header(_ name: String, in bytes: [UInt8]) -> String? {
        var value: String?
        for line in split(bytes) {
            if line.isEmpty { break }
            let text = String(decoding: line, as: UTF8.self)
            if let current = value {
                if text.first == " " || text.first == "\t" {
                    value = current + text
                    continue
                }
                return current
            }
            if text.lowercased().hasPrefix(name.lowercased() + ":") {
                value = String(text.dropFirst(name.count + 1).drop { $0 == " " })
            }
        }
        return value
    }
}
