/// A JSON text and its token tape, with typed access to values by token index.
struct JSONDocument {
    /// The text.
    let bytes: [UInt8]
    /// The tokens of the text.
    let tape: JSONTape

    /// Parses `bytes`, with tokens for values down to `recordingDepth` (see ``JSONTape``).
    init(bytes: [UInt8], maximumDepth: Int, recordingDepth: Int = .max) throws(JSONTape.SyntaxError) {
        self.bytes = bytes
        self.tape = try bytes.withUnsafeBufferPointer { buffer throws(JSONTape.SyntaxError) in
            try JSONTape(parsing: buffer, maximumDepth: maximumDepth, recordingDepth: recordingDepth)
        }
    }

    /// Why a string cannot be read.
    struct StringError: Error {
        var reason: String
    }

    subscript(index: Int) -> JSONTape.Token { tape[index] }

    /// The exact text of the value at `index`.
    func text(_ index: Int) -> [UInt8] {
        let token = tape[index]
        return token.kind == .string
            ? Array(bytes[(token.start - 1)..<(token.end + 1)]) : Array(bytes[token.start..<token.end])
    }

    /// The elements of the array at `index`.
    func elements(_ index: Int) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(tape[index].count)
        var child = index + 1
        for _ in 0..<tape[index].count {
            result.append(child)
            child = tape[child].next
        }
        return result
    }

    /// The members of the object at `index`, as (name token, value token) pairs in order.
    func members(_ index: Int) -> [(name: Int, value: Int)] {
        var result: [(name: Int, value: Int)] = []
        result.reserveCapacity(tape[index].count)
        var child = index + 1
        for _ in 0..<tape[index].count {
            let value = child + 1
            result.append((child, value))
            child = tape[value].next
        }
        return result
    }

    /// The string at `index`, unescaped. The bytes must already be known to be UTF-8.
    func string(_ index: Int) throws(StringError) -> String {
        let token = tape[index]
        if !token.hasEscapes {
            return bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[token.start..<token.end]), as: UTF8.self)
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(token.end - token.start)
        var position = token.start
        while position < token.end {
            let byte = bytes[position]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                position += 1
                continue
            }
            let escape = bytes[position + 1]
            position += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: position)
                position += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    guard position + 6 <= token.end, bytes[position] == UInt8(ascii: "\\"),
                        bytes[position + 1] == UInt8(ascii: "u")
                    else { throw StringError(reason: "a lone surrogate escape (\\u\(hexText(scalar)))") }
                    let low = hex4(at: position + 2)
                    guard (0xDC00...0xDFFF).contains(low) else {
                        throw StringError(reason: "a lone surrogate escape (\\u\(hexText(scalar)))")
                    }
                    position += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw StringError(reason: "a lone surrogate escape (\\u\(hexText(scalar)))")
                }
                output.append(contentsOf: String(Character(Unicode.Scalar(scalar)!)).utf8)
            default: output.append(escape)  // \" \\ \/
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The number at `index` as an integer, when it is written as one (no fraction, no exponent) and fits.
    func integer(_ index: Int) -> Int64? {
        let token = tape[index]
        return Int64(String(decoding: bytes[token.start..<token.end], as: UTF8.self))
    }

    /// The number at `index` as a double, when it is finite.
    func double(_ index: Int) -> Double? {
        let token = tape[index]
        guard let value = Double(String(decoding: bytes[token.start..<token.end], as: UTF8.self)), value.isFinite
        else { return nil }
        return value
    }

    private func hex4(at position: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            value = value << 4 | UInt32(JSONTape.hexValue(bytes[position + offset]) ?? 0)
        }
        return value
    }

    private func hexText(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
