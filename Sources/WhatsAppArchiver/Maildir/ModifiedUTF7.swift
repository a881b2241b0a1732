/// IMAP's modified UTF-7 (RFC 3501, section 5.1.3), the encoding Dovecot and other Maildir++ servers use for
/// non-ASCII folder names on disk.
package enum ModifiedUTF7 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,".utf8)

    /// Encodes `name`: printable ASCII stands for itself, `&` becomes `&-`, and every run of other characters
    /// becomes `&`, their UTF-16 code units in modified base64 (`,` for `/`, no padding), and `-`.
    package static func encode(_ name: String) -> String {
        var output = [UInt8]()
        var pending = [UInt16]()
        func flush() {
            guard !pending.isEmpty else { return }
            output.append(UInt8(ascii: "&"))
            var bytes = [UInt8]()
            for unit in pending {
                bytes.append(UInt8(unit >> 8))
                bytes.append(UInt8(unit & 0xFF))
            }
            var index = 0
            while index < bytes.count {
                let chunk = bytes[index..<min(index + 3, bytes.count)]
                var value = UInt32(0)
                for (offset, byte) in chunk.enumerated() { value |= UInt32(byte) << (16 - 8 * offset) }
                let characters = chunk.count + 1
                for position in 0..<characters {
                    output.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 0x3F)])
                }
                index += 3
            }
            output.append(UInt8(ascii: "-"))
            pending.removeAll()
        }
        for scalar in name.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value <= 0x7E {
                flush()
                output.append(UInt8(scalar.value))
                if scalar == "&" { output.append(UInt8(ascii: "-")) }
            } else {
                pending.append(contentsOf: String(scalar).utf16)
            }
        }
        flush()
        return String(decoding: output, as: UTF8.self)
    }
}
