internal import CSHA256

/// SHA-256 (FIPS 180-4), written here because the package takes no dependencies.
///
/// Streaming: create a value, ``update(_:)-([UInt8])`` it with chunks of any size, then ``finalize()``. Used to verify
/// attachments against their declared digest and to derive stable identifiers (message ids, file names) from
/// item ids without exposing user text.
///
/// On x86_64 CPUs with the SHA extensions the whole-block loop runs on them (the `CSHA256` C target, about four times
/// faster); everywhere else the portable Swift block function below does. Both give the same digests, which the tests
/// check on the same inputs.
package struct SHA256: Sendable {
    /// The block function a hasher runs.
    package enum Implementation: Sendable, CaseIterable {
        /// The Swift block function: every platform.
        case portable
        /// The x86 SHA extensions through `csha256_compress_blocks`: only where ``hardwareIsAvailable``.
        case hardware
    }

    /// Whether this CPU has the SHA extensions (with SSE4.1 and SSSE3), asked once per process.
    package static let hardwareIsAvailable = csha256_has_hardware() != 0

    /// The fastest implementation this CPU runs.
    package static var preferredImplementation: Implementation { hardwareIsAvailable ? .hardware : .portable }

    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    /// The partial block, inline (64 bytes): a hasher allocates nothing, which matters for the short ids hashed
    /// several times per message.
    private var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var blockCount = 0
    private var totalBytes: UInt64 = 0
    private let implementation: Implementation

    /// Creates a hasher.
    package init() {
        implementation = Self.preferredImplementation
    }

    /// Creates a hasher on a chosen implementation, so that tests run both on the same inputs.
    ///
    /// `.hardware` requires ``hardwareIsAvailable``: the C block function stops the process elsewhere.
    package init(implementation: Implementation) {
        precondition(
            implementation == .portable || Self.hardwareIsAvailable,
            "SHA256: the hardware implementation needs the x86 SHA extensions, which this CPU lacks"
        )
        self.implementation = implementation
    }

    /// The digest of `bytes`.
    package static func hash<Bytes: Sequence>(_ bytes: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var hasher = SHA256()
        let hashed: Void? = bytes.withContiguousStorageIfAvailable { hasher.update(UnsafeRawBufferPointer($0)) }
        if hashed == nil { hasher.update(Array(bytes)) }
        return hasher.finalize()
    }

    /// The digest of `bytes` as 64 lowercase hexadecimal digits.
    package static func hexDigest<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        hex(hash(bytes))
    }

    /// `bytes` as lowercase hexadecimal digits.
    package static func hex(_ bytes: [UInt8]) -> String {
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
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds bytes to the message.
    package mutating func update(_ buffer: UnsafeRawBufferPointer) {
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
                withUnsafeBytes(of: full) { compressBlocks($0.baseAddress!, count: 1) }
                blockCount = 0
            }
        }
        let wholeBlocks = (buffer.count - index) / 64
        if wholeBlocks > 0 {
            // Straight from the caller's buffer, all blocks in one call: no copy, the state stays in registers.
            compressBlocks(base + index, count: wholeBlocks)
            index += wholeBlocks * 64
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
    package mutating func finalize() -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 32) { buffer, count in
            finalize(into: UnsafeMutableRawBufferPointer(buffer))
            count = 32
        }
    }

    /// Finishes the message and writes its 32-byte digest to the start of `digest` (at least 32 bytes), allocating
    /// nothing: for callers that hash once per message.
    package mutating func finalize(into digest: UnsafeMutableRawBufferPointer) {
        precondition(digest.count >= 32, "SHA256: a digest needs 32 bytes")
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
        let words = state
        withUnsafeBytes(of: words) { words in
            for index in 0..<8 {
                let word = words.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)
                digest.storeBytes(of: word.bigEndian, toByteOffset: 4 * index, as: UInt32.self)
            }
        }
    }

    /// Runs the compression function of the chosen implementation over `count` whole 64-byte blocks at `base`.
    private mutating func compressBlocks(_ base: UnsafeRawPointer, count: Int) {
        switch implementation {
        case .portable:
            Self.compress(&state, blocks: base, count: count)
        case .hardware:
            // A homogeneous tuple of eight UInt32 is laid out as eight contiguous words: the C side's state[8].
            withUnsafeMutablePointer(to: &state) { tuple in
                tuple.withMemoryRebound(to: UInt32.self, capacity: 8) { words in
                    csha256_compress_blocks(words, base.assumingMemoryBound(to: UInt8.self), count)
                }
            }
        }
    }

    /// Runs the portable compression function over `count` consecutive 64-byte blocks at `base`, read in place.
    ///
    /// Written out round by round, with the round constants as literals and the chaining values, working variables
    /// and the 16-word message schedule all in locals: the compiler keeps most of them in registers and checks no
    /// bounds, and each schedule word is computed just before the round that uses it. Rounds rename the working
    /// variables instead of shifting them. This is the inner loop of every attachment verified against its digest.
    private static func compress(
        _ state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
        blocks base: UnsafeRawPointer,
        count: Int
    ) {
        var (h0, h1, h2, h3, h4, h5, h6, h7) = state
        var w0: UInt32 = 0
        var w1: UInt32 = 0
        var w2: UInt32 = 0
        var w3: UInt32 = 0
        var w4: UInt32 = 0
        var w5: UInt32 = 0
        var w6: UInt32 = 0
        var w7: UInt32 = 0
        var w8: UInt32 = 0
        var w9: UInt32 = 0
        var w10: UInt32 = 0
        var w11: UInt32 = 0
        var w12: UInt32 = 0
        var w13: UInt32 = 0
        var w14: UInt32 = 0
        var w15: UInt32 = 0
        var block = base
        for _ in 0..<count {
            @inline(__always) func load(_ index: Int) -> UInt32 {
                UInt32(bigEndian: block.loadUnaligned(fromByteOffset: index &* 4, as: UInt32.self))
            }
            var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
            w0 = load(0)
            round(a, b, c, &d, e, f, g, &h, 0x428a_2f98, w0)
            w1 = load(1)
            round(h, a, b, &c, d, e, f, &g, 0x7137_4491, w1)
            w2 = load(2)
            round(g, h, a, &b, c, d, e, &f, 0xb5c0_fbcf, w2)
            w3 = load(3)
            round(f, g, h, &a, b, c, d, &e, 0xe9b5_dba5, w3)
            w4 = load(4)
            round(e, f, g, &h, a, b, c, &d, 0x3956_c25b, w4)
            w5 = load(5)
            round(d, e, f, &g, h, a, b, &c, 0x59f1_11f1, w5)
            w6 = load(6)
            round(c, d, e, &f, g, h, a, &b, 0x923f_82a4, w6)
            w7 = load(7)
            round(b, c, d, &e, f, g, h, &a, 0xab1c_5ed5, w7)
            w8 = load(8)
            round(a, b, c, &d, e, f, g, &h, 0xd807_aa98, w8)
            w9 = load(9)
            round(h, a, b, &c, d, e, f, &g, 0x1283_5b01, w9)
            w10 = load(10)
            round(g, h, a, &b, c, d, e, &f, 0x2431_85be, w10)
            w11 = load(11)
            round(f, g, h, &a, b, c, d, &e, 0x550c_7dc3, w11)
            w12 = load(12)
            round(e, f, g, &h, a, b, c, &d, 0x72be_5d74, w12)
            w13 = load(13)
            round(d, e, f, &g, h, a, b, &c, 0x80de_b1fe, w13)
            w14 = load(14)
            round(c, d, e, &f, g, h, a, &b, 0x9bdc_06a7, w14)
            w15 = load(15)
            round(b, c, d, &e, f, g, h, &a, 0xc19b_f174, w15)
            w0 = w0 &+ smallSigma0(w1) &+ w9 &+ smallSigma1(w14)
            round(a, b, c, &d, e, f, g, &h, 0xe49b_69c1, w0)
            w1 = w1 &+ smallSigma0(w2) &+ w10 &+ smallSigma1(w15)
            round(h, a, b, &c, d, e, f, &g, 0xefbe_4786, w1)
            w2 = w2 &+ smallSigma0(w3) &+ w11 &+ smallSigma1(w0)
            round(g, h, a, &b, c, d, e, &f, 0x0fc1_9dc6, w2)
            w3 = w3 &+ smallSigma0(w4) &+ w12 &+ smallSigma1(w1)
            round(f, g, h, &a, b, c, d, &e, 0x240c_a1cc, w3)
            w4 = w4 &+ smallSigma0(w5) &+ w13 &+ smallSigma1(w2)
            round(e, f, g, &h, a, b, c, &d, 0x2de9_2c6f, w4)
            w5 = w5 &+ smallSigma0(w6) &+ w14 &+ smallSigma1(w3)
            round(d, e, f, &g, h, a, b, &c, 0x4a74_84aa, w5)
            w6 = w6 &+ smallSigma0(w7) &+ w15 &+ smallSigma1(w4)
            round(c, d, e, &f, g, h, a, &b, 0x5cb0_a9dc, w6)
            w7 = w7 &+ smallSigma0(w8) &+ w0 &+ smallSigma1(w5)
            round(b, c, d, &e, f, g, h, &a, 0x76f9_88da, w7)
            w8 = w8 &+ smallSigma0(w9) &+ w1 &+ smallSigma1(w6)
            round(a, b, c, &d, e, f, g, &h, 0x983e_5152, w8)
            w9 = w9 &+ smallSigma0(w10) &+ w2 &+ smallSigma1(w7)
            round(h, a, b, &c, d, e, f, &g, 0xa831_c66d, w9)
            w10 = w10 &+ smallSigma0(w11) &+ w3 &+ smallSigma1(w8)
            round(g, h, a, &b, c, d, e, &f, 0xb003_27c8, w10)
            w11 = w11 &+ smallSigma0(w12) &+ w4 &+ smallSigma1(w9)
            round(f, g, h, &a, b, c, d, &e, 0xbf59_7fc7, w11)
            w12 = w12 &+ smallSigma0(w13) &+ w5 &+ smallSigma1(w10)
            round(e, f, g, &h, a, b, c, &d, 0xc6e0_0bf3, w12)
            w13 = w13 &+ smallSigma0(w14) &+ w6 &+ smallSigma1(w11)
            round(d, e, f, &g, h, a, b, &c, 0xd5a7_9147, w13)
            w14 = w14 &+ smallSigma0(w15) &+ w7 &+ smallSigma1(w12)
            round(c, d, e, &f, g, h, a, &b, 0x06ca_6351, w14)
            w15 = w15 &+ smallSigma0(w0) &+ w8 &+ smallSigma1(w13)
            round(b, c, d, &e, f, g, h, &a, 0x1429_2967, w15)
            w0 = w0 &+ smallSigma0(w1) &+ w9 &+ smallSigma1(w14)
            round(a, b, c, &d, e, f, g, &h, 0x27b7_0a85, w0)
            w1 = w1 &+ smallSigma0(w2) &+ w10 &+ smallSigma1(w15)
            round(h, a, b, &c, d, e, f, &g, 0x2e1b_2138, w1)
            w2 = w2 &+ smallSigma0(w3) &+ w11 &+ smallSigma1(w0)
            round(g, h, a, &b, c, d, e, &f, 0x4d2c_6dfc, w2)
            w3 = w3 &+ smallSigma0(w4) &+ w12 &+ smallSigma1(w1)
            round(f, g, h, &a, b, c, d, &e, 0x5338_0d13, w3)
            w4 = w4 &+ smallSigma0(w5) &+ w13 &+ smallSigma1(w2)
            round(e, f, g, &h, a, b, c, &d, 0x650a_7354, w4)
            w5 = w5 &+ smallSigma0(w6) &+ w14 &+ smallSigma1(w3)
            round(d, e, f, &g, h, a, b, &c, 0x766a_0abb, w5)
            w6 = w6 &+ smallSigma0(w7) &+ w15 &+ smallSigma1(w4)
            round(c, d, e, &f, g, h, a, &b, 0x81c2_c92e, w6)
            w7 = w7 &+ smallSigma0(w8) &+ w0 &+ smallSigma1(w5)
            round(b, c, d, &e, f, g, h, &a, 0x9272_2c85, w7)
            w8 = w8 &+ smallSigma0(w9) &+ w1 &+ smallSigma1(w6)
            round(a, b, c, &d, e, f, g, &h, 0xa2bf_e8a1, w8)
            w9 = w9 &+ smallSigma0(w10) &+ w2 &+ smallSigma1(w7)
            round(h, a, b, &c, d, e, f, &g, 0xa81a_664b, w9)
            w10 = w10 &+ smallSigma0(w11) &+ w3 &+ smallSigma1(w8)
            round(g, h, a, &b, c, d, e, &f, 0xc24b_8b70, w10)
            w11 = w11 &+ smallSigma0(w12) &+ w4 &+ smallSigma1(w9)
            round(f, g, h, &a, b, c, d, &e, 0xc76c_51a3, w11)
            w12 = w12 &+ smallSigma0(w13) &+ w5 &+ smallSigma1(w10)
            round(e, f, g, &h, a, b, c, &d, 0xd192_e819, w12)
            w13 = w13 &+ smallSigma0(w14) &+ w6 &+ smallSigma1(w11)
            round(d, e, f, &g, h, a, b, &c, 0xd699_0624, w13)
            w14 = w14 &+ smallSigma0(w15) &+ w7 &+ smallSigma1(w12)
            round(c, d, e, &f, g, h, a, &b, 0xf40e_3585, w14)
            w15 = w15 &+ smallSigma0(w0) &+ w8 &+ smallSigma1(w13)
            round(b, c, d, &e, f, g, h, &a, 0x106a_a070, w15)
            w0 = w0 &+ smallSigma0(w1) &+ w9 &+ smallSigma1(w14)
            round(a, b, c, &d, e, f, g, &h, 0x19a4_c116, w0)
            w1 = w1 &+ smallSigma0(w2) &+ w10 &+ smallSigma1(w15)
            round(h, a, b, &c, d, e, f, &g, 0x1e37_6c08, w1)
            w2 = w2 &+ smallSigma0(w3) &+ w11 &+ smallSigma1(w0)
            round(g, h, a, &b, c, d, e, &f, 0x2748_774c, w2)
            w3 = w3 &+ smallSigma0(w4) &+ w12 &+ smallSigma1(w1)
            round(f, g, h, &a, b, c, d, &e, 0x34b0_bcb5, w3)
            w4 = w4 &+ smallSigma0(w5) &+ w13 &+ smallSigma1(w2)
            round(e, f, g, &h, a, b, c, &d, 0x391c_0cb3, w4)
            w5 = w5 &+ smallSigma0(w6) &+ w14 &+ smallSigma1(w3)
            round(d, e, f, &g, h, a, b, &c, 0x4ed8_aa4a, w5)
            w6 = w6 &+ smallSigma0(w7) &+ w15 &+ smallSigma1(w4)
            round(c, d, e, &f, g, h, a, &b, 0x5b9c_ca4f, w6)
            w7 = w7 &+ smallSigma0(w8) &+ w0 &+ smallSigma1(w5)
            round(b, c, d, &e, f, g, h, &a, 0x682e_6ff3, w7)
            w8 = w8 &+ smallSigma0(w9) &+ w1 &+ smallSigma1(w6)
            round(a, b, c, &d, e, f, g, &h, 0x748f_82ee, w8)
            w9 = w9 &+ smallSigma0(w10) &+ w2 &+ smallSigma1(w7)
            round(h, a, b, &c, d, e, f, &g, 0x78a5_636f, w9)
            w10 = w10 &+ smallSigma0(w11) &+ w3 &+ smallSigma1(w8)
            round(g, h, a, &b, c, d, e, &f, 0x84c8_7814, w10)
            w11 = w11 &+ smallSigma0(w12) &+ w4 &+ smallSigma1(w9)
            round(f, g, h, &a, b, c, d, &e, 0x8cc7_0208, w11)
            w12 = w12 &+ smallSigma0(w13) &+ w5 &+ smallSigma1(w10)
            round(e, f, g, &h, a, b, c, &d, 0x90be_fffa, w12)
            w13 = w13 &+ smallSigma0(w14) &+ w6 &+ smallSigma1(w11)
            round(d, e, f, &g, h, a, b, &c, 0xa450_6ceb, w13)
            w14 = w14 &+ smallSigma0(w15) &+ w7 &+ smallSigma1(w12)
            round(c, d, e, &f, g, h, a, &b, 0xbef9_a3f7, w14)
            w15 = w15 &+ smallSigma0(w0) &+ w8 &+ smallSigma1(w13)
            round(b, c, d, &e, f, g, h, &a, 0xc671_78f2, w15)
            h0 &+= a
            h1 &+= b
            h2 &+= c
            h3 &+= d
            h4 &+= e
            h5 &+= f
            h6 &+= g
            h7 &+= h
            block += 64
        }
        state = (h0, h1, h2, h3, h4, h5, h6, h7)
    }
}

/// One SHA-256 round: `d` and `h` receive the new values, the other six are renamed by the caller.
@inline(__always)
private func round(
    _ a: UInt32,
    _ b: UInt32,
    _ c: UInt32,
    _ d: inout UInt32,
    _ e: UInt32,
    _ f: UInt32,
    _ g: UInt32,
    _ h: inout UInt32,
    _ constant: UInt32,
    _ word: UInt32
) {
    let bigSigma1 = e.rotatedRight(6) ^ e.rotatedRight(11) ^ e.rotatedRight(25)
    // Ch(e, f, g) with one operation fewer; Maj(a, b, c) as ((b ^ c) & (a ^ b)) ^ b, whose a ^ b is the next
    // round's b ^ c, which the optimiser reuses.
    let choice = ((f ^ g) & e) ^ g
    let temp1 = h &+ bigSigma1 &+ choice &+ constant &+ word
    let bigSigma0 = a.rotatedRight(2) ^ a.rotatedRight(13) ^ a.rotatedRight(22)
    let majority = ((b ^ c) & (a ^ b)) ^ b
    d &+= temp1
    h = temp1 &+ bigSigma0 &+ majority
}

@inline(__always)
private func smallSigma0(_ x: UInt32) -> UInt32 {
    x.rotatedRight(7) ^ x.rotatedRight(18) ^ (x >> 3)
}

@inline(__always)
private func smallSigma1(_ x: UInt32) -> UInt32 {
    x.rotatedRight(17) ^ x.rotatedRight(19) ^ (x >> 10)
}

extension UInt32 {
    @inline(__always)
    fileprivate func rotatedRight(_ count: UInt32) -> UInt32 {
        (self >> count) | (self << (32 - count))
    }
}
