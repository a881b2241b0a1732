/// The first 16 bytes of the SHA-256 of a `Message-ID`: how the Maildir sink names and recognises the messages it
/// holds.
///
/// 128 bits make an accidental collision between two different Message-IDs practically impossible (about 2^64
/// messages before one is likely), while a folder's whole index of 100,000 messages stays under 4 MB.
package struct MessageIDDigest: Hashable, Sendable {
    package let high: UInt64
    package let low: UInt64

    /// The digest of a `Message-ID` written without angle brackets.
    package init(messageID: String) {
        let digest = SHA256.hash(messageID.utf8)
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(digest[index])
            low = low << 8 | UInt64(digest[index + 8])
        }
        self.high = high
        self.low = low
    }

    /// Parses 32 lowercase hexadecimal digits; `nil` for anything else.
    package init?(hexDigits: UnsafeBufferPointer<UInt8>) {
        guard hexDigits.count == 32 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<32 {
            let byte = hexDigits[index]
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            default: return nil
            }
            if index < 16 {
                high = high << 4 | UInt64(value)
            } else {
                low = low << 4 | UInt64(value)
            }
        }
        self.high = high
        self.low = low
    }

    /// The digest as 32 lowercase hexadecimal digits.
    package var hexDigits: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(32)
        for word in [high, low] {
            for shift in stride(from: 60, through: 0, by: -4) {
                text.append(digits[Int((word >> UInt64(shift)) & 0xF)])
            }
        }
        return String(decoding: text, as: UTF8.self)
    }
}
