/// A JSON object whose values are strings, non-negative integers or arrays of strings, as the evidence log writes
/// them: parsed strictly (RFC 8259 strings and escapes), fast enough for a million lines.
struct FlatJSONObject {
    /// The keys in the order they appear.
    var keys: [String] = []
    var strings: [String: String] = [:]
    var integers: [String: Int] = [:]
    var arrays: [String: [String]] = [:]

    init?(_ bytes: [UInt8]) {
        var index = 0
        func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }
        func expect(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        func string() -> String? {
            guard expect(UInt8(ascii: "\"")) else { return nil }
            var out: [UInt8] = []
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): return String(validating: out, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard index < bytes.count else { return nil }
                    let escape = bytes[index]
                    index += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "u"):
                        guard let unit = hex4() else { return nil }
                        var scalarValue = unit
                        if (0xD800..<0xDC00).contains(unit) {
                            guard expectLiteral("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else {
                                return nil
                            }
                            scalarValue = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                        out.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default: return nil
                    }
                case 0..<0x20: return nil
                default: out.append(byte)
                }
            }
            return nil
        }
        func expectLiteral(_ text: String) -> Bool {
            for byte in text.utf8 {
                guard index < bytes.count, bytes[index] == byte else { return false }
                index += 1
            }
            return true
        }
        func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for byte in bytes[index..<(index + 4)] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else { return nil }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }
        guard expect(UInt8(ascii: "{")) else { return nil }
        skipSpace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
        } else {
            repeat {
                guard let key = string(), strings[key] == nil, integers[key] == nil, arrays[key] == nil,
                    expect(UInt8(ascii: ":"))
                else { return nil }
                skipSpace()
                guard index < bytes.count else { return nil }
                keys.append(key)
                if bytes[index] == UInt8(ascii: "\"") {
                    guard let value = string() else { return nil }
                    strings[key] = value
                } else if bytes[index] == UInt8(ascii: "[") {
                    index += 1
                    var values: [String] = []
                    skipSpace()
                    if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                        index += 1
                    } else {
                        repeat {
                            guard let value = string() else { return nil }
                            values.append(value)
                        } while expect(UInt8(ascii: ","))
                        guard expect(UInt8(ascii: "]")) else { return nil }
                    }
                    arrays[key] = values
                } else {
                    let start = index
                    while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
                    // No leading zeros, no signs, no fractions: the log writes plain counts.
                    guard index > start, index - start <= 18, bytes[start] != 0x30 || index - start == 1 else {
                        return nil
                    }
                    integers[key] = Int(String(decoding: bytes[start..<index], as: UTF8.self))
                }
            } while expect(UInt8(ascii: ","))
            guard expect(UInt8(ascii: "}")) else { return nil }
        }
        skipSpace()
        guard index == bytes.count else { return nil }
    }
}
