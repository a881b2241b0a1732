import Testing
import WhatsAppArchiver

/// Vectors from NIST's "SHA-256 Examples" (FIPS 180-4 example values) and the NIST CAVP short/long message tests.
struct SHA256Tests {
    @Test(arguments: [
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
    ])
    func nistVectors(message: String, digest: String) {
        #expect(SHA256.hexDigest(Array(message.utf8)) == digest)
    }

    @Test func millionAs() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        #expect(SHA256.hex(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Every split of a message into two chunks gives the digest of the whole, across block boundaries.
    @Test func chunkingDoesNotChangeTheDigest() {
        let message = (0..<200).map { UInt8($0 & 0xFF) }
        let expected = SHA256.hexDigest(message)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(Array(message[..<split]))
            hasher.update(Array(message[split...]))
            #expect(SHA256.hex(hasher.finalize()) == expected, "split at \(split)")
        }
    }

    /// NIST CAVP SHA256ShortMsg: Len = 8, Msg = d3.
    @Test func singleByteVector() {
        #expect(SHA256.hexDigest([0xD3]) == "28969cdfa74a12c82f3bad960b0b000aca2ac329deea5c2328ebc6f2ba9802c1")
    }

    /// A 100,003-byte message fed in chunks of odd sizes, so that chunks end before, on and after block boundaries
    /// and whole blocks are hashed straight from the caller's buffer between partial ones. The expected digest is
    /// Python's: `hashlib.sha256(bytes((i * 7 + 3) & 0xff for i in range(100003))).hexdigest()`.
    @Test(arguments: [1, 3, 55, 63, 64, 65, 127, 128, 129, 1000, 4097, 65_537, 100_003])
    func oddChunkSizes(chunkSize: Int) {
        let message = (0..<100_003).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
        var hasher = SHA256()
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
    @Test func oneMebibyteInOneUpdate() {
        let message = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: ($0 &* 131 &+ 17) >> 3) }
        #expect(SHA256.hexDigest(message) == "244961396c3d78d7c71818f24d10da1ccc31e8c15eb6aeb9d774250568ee269d")
    }

    /// A buffer that does not start on an aligned address hashes like any other: words are loaded unaligned.
    @Test func unalignedBuffer() {
        let message = (0..<100_004).map { UInt8(truncatingIfNeeded: ($0 &- 1) &* 7 &+ 3) }
        var hasher = SHA256()
        message.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[1...])) }
        #expect(
            SHA256.hex(hasher.finalize()) == "b4bec991fc613fcb4d2a26eb529e493ed4e3152cc00f0a49bd39b3e48b34824e"
        )
    }
}
