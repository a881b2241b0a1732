/// UTF-8 validation for a message's bytes, once per message.
///
/// `String(validating:as:)` is generic over the encoding and was not specialised here: instantiating its metadata
/// cost more than checking the bytes. This checks them (the rules of Unicode's Table 3-7: no overlong forms, no
/// surrogates, nothing above U+10FFFF), eight ASCII bytes at a time, and the caller then makes its strings with
/// `String(decoding:as:)`, which for valid bytes gives the same string.
enum ChatUTF8 {
    /// Whether `bytes` are well-formed UTF-8.
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        isValid(bytes, allowingNUL: true)
    }

    /// Whether `bytes` are well-formed UTF-8 and hold no NUL byte: what every message should be, in one pass
    /// instead of a search for NUL and then this check (the caller tells the two apart only when it fails).
    static func isValidWithoutNUL(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        isValid(bytes, allowingNUL: false)
    }

    @inline(__always)
    private static func isValid(_ bytes: UnsafeBufferPointer<UInt8>, allowingNUL: Bool) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = 0
        while index < count {
            // Eight bytes at a time while they are ASCII.
            while index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 { break }
                // A zero byte (exact: the borrow only runs past one).
                if !allowingNUL && (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 {
                    return false
                }
                index += 8
            }
            guard index < count else { break }
            let lead = base[index]
            if lead < 0x80 {
                if lead == 0 && !allowingNUL { return false }
                index += 1
                continue
            }
            func continuation(_ offset: Int) -> Bool {
                index + offset < count && base[index + offset] & 0xC0 == 0x80
            }
            switch lead {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                index += 2
            case 0xE0...0xEF:
                guard index + 1 < count else { return false }
                let second = base[index + 1]
                let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80
                let high: UInt8 = lead == 0xED ? 0x9F : 0xBF
                guard second >= low, second <= high, continuation(2) else { return false }
                index += 3
            case 0xF0...0xF4:
                guard index + 1 < count else { return false }
                let second = base[index + 1]
                let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80
                let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF
                guard second >= low, second <= high, continuation(2), continuation(3) else { return false }
                index += 4
            default:
                return false
            }
        }
        return true
    }
}
