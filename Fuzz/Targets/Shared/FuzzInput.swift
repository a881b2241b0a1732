/// Structured values carved out of libFuzzer's bytes, so that the fuzzer's mutations map onto the fields of an
/// input: a byte picks a choice, a length-prefixed run of bytes becomes a string. Past the end every value is zero
/// or empty, so any input, however short, is a valid description.
struct FuzzInput {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func byte() -> UInt8 {
        guard offset < bytes.count else { return 0 }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func bool() -> Bool { byte() & 1 == 1 }

    /// A number below `bound` (which must be positive).
    mutating func below(_ bound: Int) -> Int { Int(byte()) % bound }

    mutating func uint32() -> UInt32 {
        (0..<4).reduce(UInt32(0)) { value, _ in value << 8 | UInt32(byte()) }
    }

    /// Up to 255 raw bytes, their count given by the first.
    mutating func raw() -> [UInt8] {
        let count = min(Int(byte()), bytes.count - min(offset, bytes.count))
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// A string from up to 255 bytes; bytes that are not UTF-8 become U+FFFD, as Swift strings cannot hold them.
    mutating func string() -> String { String(decoding: raw(), as: UTF8.self) }

    /// A string or nil.
    mutating func optionalString() -> String? { bool() ? string() : nil }

    /// All the bytes not yet used.
    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return offset < bytes.count ? Array(bytes[offset...]) : []
    }
}
