import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// The SHA-extensions block function (the `CSHA256` C target) against the portable Swift one and against digests
/// computed by Python's `hashlib`, on seeded random messages and on many-chunk updates. Skipped, with its reason,
/// on CPUs without the extensions, where the hardware path is never taken.
@Suite(
    .enabled(
        if: SHA256.hardwareIsAvailable,
        "this CPU lacks the x86 SHA extensions (CPUID leaf 7 EBX bit 29, with SSE4.1 and SSSE3): only the portable SHA-256 runs here"
    )
)
struct SHA256HardwareTests {
    /// `count` bytes from the generator, one byte per draw (as the Python below draws them).
    static func randomBytes(_ count: Int, from generator: inout SeededRandomNumberGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
    }

    static func hexDigest(_ message: [UInt8], on implementation: SHA256.Implementation) -> String {
        var hasher = SHA256(implementation: implementation)
        hasher.update(message)
        return SHA256.hex(hasher.finalize())
    }

    @Test func theDefaultHasherUsesTheHardware() {
        #expect(SHA256.preferredImplementation == .hardware)
    }

    /// Eight seeded messages of 0 to 4,096 bytes, each drawn as `length = next() % 4097` and then one byte per
    /// `next() & 0xff` from `SeededRandomNumberGenerator(seed: 20261125)` (SplitMix64); the digests are Python's
    /// `hashlib.sha256(message).hexdigest()` on the same SplitMix64 stream.
    @Test func seededMessagesMatchPython() {
        let expected: [(length: Int, digest: String)] = [
            (1259, "b6000ef5707a26397ea182a6c1f7b78948e77f852e7af127f0808a1e54010183"),
            (2600, "35afe0d2f9b2c5009d0a1281b9dd35fe43a3969f7fe7cd9dcff46746b0ffb1b9"),
            (1211, "c928ae71ee7b77ef45ecaf4b096e4b3964b036f0eab969f40b1003fc6f411670"),
            (3429, "f055613429a476d80e9a2baf4a4bc09d3b5ab6950b5890325ffef8747bbe0e39"),
            (3149, "7868e1e6e4732381a194c6955b20a27a06bb2385f11a923f6c87db4350f88443"),
            (2495, "b1481a1671c4fd87b6504e7071b548e07104e39fb01ea5e419856714c586f673"),
            (590, "e960e86af1f99e895b0be6e6682828a394c7f6993c27202aaab724b1657006f0"),
            (3811, "38ff5c9a344ce67a7674beed019b7394adb5e07a8ff52393a170a9f2b44b4174"),
        ]
        var generator = SeededRandomNumberGenerator(seed: 20_261_125)
        for (length, digest) in expected {
            let drawn = Int(generator.next() % 4097)
            #expect(drawn == length, "the generator drifted from the Python one")
            let message = Self.randomBytes(drawn, from: &generator)
            #expect(Self.hexDigest(message, on: .hardware) == digest, "length \(drawn)")
            #expect(Self.hexDigest(message, on: .portable) == digest, "length \(drawn)")
        }
    }

    /// Every length from 0 to 300 (all padding cases around one and two blocks), then 500 seeded random lengths
    /// up to 5,000 bytes: both implementations give the same digest.
    @Test func everyShortLengthAndRandomLengthsAgree() {
        var generator = SeededRandomNumberGenerator(seed: 0x5AA5_0F0F)
        let pool = Self.randomBytes(5000, from: &generator)
        var lengths = Array(0...300)
        for _ in 0..<500 { lengths.append(Int(generator.next() % 5001)) }
        for length in lengths {
            let message = Array(pool[..<length])
            #expect(
                Self.hexDigest(message, on: .hardware) == Self.hexDigest(message, on: .portable),
                "length \(length)"
            )
        }
    }

    /// A 20,011-byte message fed in many odd-sized chunks (seeded, 1 to 200 bytes, crossing block boundaries at
    /// every offset) on the hardware path gives the portable one-shot digest; repeated for several seeds.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func manyOddChunksAgree(seed: UInt64) {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let message = Self.randomBytes(20_011, from: &generator)
        let expected = Self.hexDigest(message, on: .portable)
        var hasher = SHA256(implementation: .hardware)
        var start = 0
        var chunks = 0
        while start < message.count {
            let end = min(start + 1 + Int(generator.next() % 200), message.count)
            message[start..<end].withUnsafeBytes { hasher.update($0) }
            start = end
            chunks += 1
        }
        #expect(chunks > 100)
        #expect(SHA256.hex(hasher.finalize()) == expected)
    }
}
