/// Finds the `Message-ID` in the header section of a stored message, for files the sink did not name itself.
package enum MessageIDHeader {
    /// The `Message-ID` in `header` (the start of a message, LF or CRLF line endings), without angle brackets and
    /// unfolded; `nil` when the header section has none.
    package static func messageID(in header: [UInt8]) -> String? {
        let lineFeed = UInt8(ascii: "\n")
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for index in header.indices where header[index] == lineFeed {
            var line = header[start..<index]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty { break }
            lines.append(line)
            start = index + 1
        }
        let name = Array("message-id:".utf8)
        for (number, line) in lines.enumerated() where line.count >= name.count {
            let prefix = line.prefix(name.count).map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }
            guard prefix == name else { continue }
            var value = Array(line.dropFirst(name.count))
            // A folded header goes on in lines that start with white space.
            for next in lines.dropFirst(number + 1) {
                guard next.first == UInt8(ascii: " ") || next.first == UInt8(ascii: "\t") else { break }
                value += next
            }
            return identifier(in: value)
        }
        return nil
    }

    private static func identifier(in value: [UInt8]) -> String? {
        if let open = value.firstIndex(of: UInt8(ascii: "<")),
            let close = value[open...].firstIndex(of: UInt8(ascii: ">")), close > open + 1
        {
            return String(decoding: value[(open + 1)..<close], as: UTF8.self)
        }
        let trimmed = value.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
        return trimmed.isEmpty ? nil : String(decoding: trimmed, as: UTF8.self)
    }
}
