/// SHA-256 (FIPS 180-4), written here because the package takes no dependencies.
///
/// Streaming: create a value, ``update(_:)-([UInt8])`` it with chunks of any size, then ``finalize()``. Used to verify
/// attachments against their declared digest and to derive stable identifiers (message ids, file names) from
/// item ids without exposing user text.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// The partial block, inline (64 bytes): a hasher allocates nothing, which matters for the short ids hashed
    /// several times per message.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0

    /// Creates a hasher.
    public init() {}

    /// The digest of `bytes`.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        let hashed: Void? = bytes.withContiguousStorageIfAvailable { hasher.update(UnsafeRawBufferPointer($0)) }
        if hashed == nil { hasher.update(Array(bytes)) }
        return hasher.finalize()
    }

    /// The digest of `bytes` as 64 lowercase hexadecimal digits.
    public static func hexDigest<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(hash(bytes))
    }

    /// `bytes` as lowercase hexadecimal digits.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Adds bytes to the message.
    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds bytes to the message.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        totalBytes &+= UInt64(buffer.count)
        var index = 0
        if blockCount > 0 {
            let take = min(64 - blockCount, buffer.count)
            let offset = blockCount
            withUnsafeMutableBytes(of: &block) { ($0.baseAddress! + offset).copyMemory(from: base, byteCount: take) }
            blockCount += take
            index = take
            if blockCount == 64 {
                let full = block
                withUnsafeBytes(of: full) { compress($0.baseAddress!) }
                blockCount = 0
            }
        }
        while buffer.count - index >= 64 {
            compress(base + index)
            index += 64
        }
        if index < buffer.count {
            let rest = buffer.count - index
            let offset = blockCount
            withUnsafeMutableBytes(of: &block) {
                ($0.baseAddress! + offset).copyMemory(from: base + index, byteCount: rest)
            }
            blockCount += rest
        }
    }

    /// Finishes the message and returns its 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        let bitLength = totalBytes &* 8
        let afterMarker = (blockCount + 1) % 64
        let paddingLength = 1 + (afterMarker <= 56 ? 56 - afterMarker : 120 - afterMarker) + 8
        // At most 128 bytes, on the stack: the 0x80 marker, zeros, the bit length big-endian.
        var padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
        var paddingTail = padding
        let savedTotal = totalBytes
        withUnsafeMutableBytes(of: &padding) { head in
            withUnsafeMutableBytes(of: &paddingTail) { tail in
                func store(_ byte: UInt8, at position: Int) {
                    if position < 64 { head[position] = byte } else { tail[position - 64] = byte }
                }
                store(0x80, at: 0)
                for index in 0..<8 {
                    store(UInt8(truncatingIfNeeded: bitLength >> (56 - 8 * index)), at: paddingLength - 8 + index)
                }
                update(UnsafeRawBufferPointer(rebasing: head[0..<min(paddingLength, 64)]))
                if paddingLength > 64 { update(UnsafeRawBufferPointer(rebasing: tail[0..<(paddingLength - 64)])) }
            }
        }
        totalBytes = savedTotal
        var digest = [UInt8]()
        digest.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            digest += [
                UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                UInt8(truncatingIfNeeded: word),
            ]
        }
        return digest
    }

    private static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    private mutating func compress(_ pointer: UnsafeRawPointer) {
        // Eight rounds per iteration with the working variables rotated through the calls instead of shifted, and
        // the message schedule kept as a 16-word ring on the stack: this runs once per 64 bytes hashed.
        var (a, b, c, d, e, f, g, h) = state
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { w in
            Self.roundConstants.withUnsafeBufferPointer { k in
                @inline(__always) func word(_ t: Int) -> UInt32 {
                    if t < 16 {
                        let value = UInt32(bigEndian: pointer.loadUnaligned(fromByteOffset: t * 4, as: UInt32.self))
                        w[t] = value
                        return value
                    }
                    let w15 = w[(t - 15) & 15]
                    let w2 = w[(t - 2) & 15]
                    let s0 = w15.rotatedRight(7) ^ w15.rotatedRight(18) ^ (w15 >> 3)
                    let s1 = w2.rotatedRight(17) ^ w2.rotatedRight(19) ^ (w2 >> 10)
                    let value = w[t & 15] &+ s0 &+ w[(t - 7) & 15] &+ s1
                    w[t & 15] = value
                    return value
                }
                @inline(__always) func round(
                    _ a: UInt32,
                    _ b: UInt32,
                    _ c: UInt32,
                    _ d: inout UInt32,
                    _ e: UInt32,
                    _ f: UInt32,
                    _ g: UInt32,
                    _ h: inout UInt32,
                    _ t: Int
                ) {
                    let s1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
                    let temp1 = h &+ s1 &+ (g ^ (e & (f ^ g))) &+ k[t] &+ word(t)
                    let s0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
                    let majority = (a & b) | (c & (a | b))
                    d = d &+ temp1
                    h = temp1 &+ s0 &+ majority
                }
                var t = 0
                while t < 64 {
                    round(a, b, c, &d, e, f, g, &h, t)
                    round(h, a, b, &c, d, e, f, &g, t + 1)
                    round(g, h, a, &b, c, d, e, &f, t + 2)
                    round(f, g, h, &a, b, c, d, &e, t + 3)
                    round(e, f, g, &h, a, b, c, &d, t + 4)
                    round(d, e, f, &g, h, a, b, &c, t + 5)
                    round(c, d, e, &f, g, h, a, &b, t + 6)
                    round(b, c, d, &e, f, g, h, &a, t + 7)
                    t += 8
                }
            }
        }
        state = (
            state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g,
            state.7 &+ h
        )
    }
}

extension UInt32 {
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
        (self >> count) | (self << (32 - count))
    }
}
