import Testing
import WhatsAppArchiver

/// Vectors from NIST's "SHA-256 Examples" (FIPS 180-4 example values) and the NIST CAVP short/long message tests,
/// each run on every block function this CPU has: the portable one always, the SHA-extensions one where the CPU has
/// it (``SHA256HardwareTests`` is skipped, with its reason, where it does not).
struct SHA256Tests {
    /// The implementations to check on this machine.
    static let implementations: [SHA256.Implementation] =
        SHA256.hardwareIsAvailable ? [.portable, .hardware] : [.portable]

    /// The digest of `message` on `implementation`, as hex.
    static func hexDigest(_ message: [UInt8], on implementation: SHA256.Implementation) -> String {
        var hasher = SHA256(implementation: implementation)
        hasher.update(message)
        return SHA256.hex(hasher.finalize())
    }

    @Test(
        arguments: implementations,
        [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
        ]
    )
    func nistVectors(implementation: SHA256.Implementation, vector: (String, String)) {
        let (message, digest) = vector
        #expect(Self.hexDigest(Array(message.utf8), on: implementation) == digest)
    }

    @Test(arguments: implementations)
    func millionAs(implementation: SHA256.Implementation) {
        var hasher = SHA256(implementation: implementation)
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(SHA256.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every split of a message into two chunks gives the digest of the whole, across block boundaries.
    @Test(arguments: implementations)
    func chunkingDoesNotChangeTheDigest(implementation: SHA256.Implementation) {
        let message = (0..<200).map { UInt8($0 & 0xFF) }
        let expected = SHA256.hexDigest(message)
        for split in 0...message.count {
            var hasher = SHA256(implementation: implementation)
            hasher.update(Array(message[..<split]))
            hasher.update(Array(message[split...]))
            #expect(SHA256.hex(hasher.finalize()) == expected, "split at \(split)")
        }
    }

    /// NIST CAVP SHA256ShortMsg: Len = 8, Msg = d3.
    @Test(arguments: implementations)
    func singleByteVector(implementation: SHA256.Implementation) {
        #expect(
            Self.hexDigest([0xD3], on: implementation)
                == "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1"
        )
    }

    /// A 100,003-byte message fed in chunks of odd sizes, so that chunks end before, on and after block boundaries
    /// and whole blocks are hashed straight from the caller's buffer between partial ones. The expected digest is
    /// Python's: `hashlib.sha256(bytes((i * 7 + 3) & 0xff for i in range(100003))).hexdigest()`.
    @Test(arguments: implementations, [1, 3, 55, 63, 64, 65, 127, 128, 129, 1000, 4097, 65_537, 100_003])
    func oddChunkSizes(implementation: SHA256.Implementation, chunkSize: Int) {
        let message = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var hasher = SHA256(implementation: implementation)
        var start = 0
        while start < message.count {
            let end = min(start + chunkSize, message.count)
            message[start..<end].withUnsafeBytes { hasher.update($0) }
            start = end
        }
        #expect(
            SHA256.hex(hasher.finalize()) == "b4bec991fc613fcb4d2a26eb529e493ed4e3152cc00f0a49bd39b3e48b34824e"
        )
    }

    /// A 1 MiB message in one call: 16,384 blocks in one pass of the block loop. Python's
    /// `hashlib.sha256(bytes(((i * 131 + 17) >> 3) & 0xff for i in range(1 << 20))).hexdigest()`.
    @Test(arguments: implementations)
    func oneMebibyteInOneUpdate(implementation: SHA256.Implementation) {
        let message = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 131 &+ 17) >> 3) }
        #expect(
            Self.hexDigest(message, on: implementation)
                == "244961396c3d78d7c71818f24d10da1ccc31e8c15eb6aeb9d774250568ee269d"
        )
    }

    /// A buffer that does not start on an aligned address hashes like any other: words are loaded unaligned.
    @Test(arguments: implementations)
    func unalignedBuffer(implementation: SHA256.Implementation) {
        let message = (0..<100_004).map { UInt8(truncatingIfNeeded: ($0 &- 1) &* 7 &+ 3) }
        var hasher = SHA256(implementation: implementation)
        message.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[1...])) }
        #expect(
            SHA256.hex(hasher.finalize()) == "b4bec991fc613fcb4d2a26eb529e493ed4e3152cc00f0a49bd39b3e48b34824e"
        )
    }
}
