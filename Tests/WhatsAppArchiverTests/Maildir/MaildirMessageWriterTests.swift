import Foundation
import Testing
import WhatsAppArchiver

/// The Maildir writer copies runs between carriage returns in bulk and counts line feeds eight bytes at a time; these tests hold it to the plain byte-by-byte definition on messages dense and sparse in CR and
/// LF, cut into chunks at random places.
@Suite struct MaildirMessageWriterTests {
    /// A small deterministic generator (xorshift64*), so that a failure names a seed that reproduces it.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed | 1 }
        mutating func next() -> UInt64 {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
    }

    /// CRLF becomes LF; every other byte, a lone CR included, stays.
    static func reference(_ message: [UInt8]) -> [UInt8] {
        var stored: [UInt8] = []
        var index = 0
        while index < message.count {
            if message[index] == 0x0D && index + 1 < message.count && message[index + 1] == 0x0A {
                index += 1
                continue
            }
            stored.append(message[index])
            index += 1
        }
        return stored
    }

    /// Writes `message` in the given chunks through a writer into a pipe and returns what the pipe received.
    static func store(
        _ message: [UInt8],
        chunks: [Range<Int>],
        bufferSize: Int
    ) throws -> (stored: [UInt8], writer: MaildirMessageWriter) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)").path
        let descriptor = open(scratch, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        #expect(descriptor >= 0)
        defer { unlink(scratch) }
        let writer = MaildirMessageWriter(descriptor: descriptor, path: scratch, bufferSize: bufferSize)
        for chunk in chunks {
            try message[chunk].withUnsafeBytes { try writer.write($0) }
        }
        try writer.finish()
        close(descriptor)
        return (Array(try Data(contentsOf: URL(fileURLWithPath: scratch))), writer)
    }

    /// Writes `message` through a writer that creates its file only when its buffer fills; returns what it stored
    /// (in memory or in the file) and whether it needed the file.
    static func storeLazily(
        _ message: [UInt8],
        chunks: [Range<Int>],
        bufferSize: Int
    ) throws -> (stored: [UInt8], spilled: Bool, writer: MaildirMessageWriter) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("lazy-\(UUID().uuidString)").path
        defer { unlink(scratch) }
        let writer = MaildirMessageWriter(path: scratch, bufferSize: bufferSize) {
            open(scratch, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        }
        for chunk in chunks {
            try message[chunk].withUnsafeBytes { try writer.write($0) }
        }
        try writer.finish()
        if let inMemory = writer.inMemoryMessage {
            #expect(!FileManager.default.fileExists(atPath: scratch))
            return (Array(inMemory), false, writer)
        }
        close(writer.descriptor)
        return (Array(try Data(contentsOf: URL(fileURLWithPath: scratch))), true, writer)
    }

    @Test(arguments: 1...40)
    func storesWhatTheByteByByteDefinitionStores(seed: Int) throws {
        var random = SeededGenerator(seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15)
        // Dense in CR and LF for even seeds; for odd seeds sparse, so that most eight-byte words hold no CR.
        let dense: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, UInt8(ascii: "a"), UInt8(ascii: "="), 0xC3, 0x00]
        let sparse = [UInt8](repeating: UInt8(ascii: "b"), count: 30) + [0x0D, 0x0A, 0x0D]
        let alphabet = seed % 2 == 0 ? dense : sparse
        let length = Int.random(in: 0...3_000, using: &random)
        let message = (0..<length).map { _ in alphabet.randomElement(using: &random)! }
        var chunks: [Range<Int>] = []
        var start = 0
        while start < length {
            let end = min(length, start + Int.random(in: 1...300, using: &random))
            chunks.append(start..<end)
            start = end
        }
        let expected = Self.reference(message)
        for bufferSize in [16, 100, 1 << 16] {
            let (stored, writer) = try Self.store(message, chunks: chunks, bufferSize: bufferSize)
            #expect(stored == expected, "seed \(seed), buffer \(bufferSize)")
            #expect(writer.receivedByteCount == Int64(message.count))
            #expect(writer.storedByteCount == Int64(expected.count))
            #expect(writer.virtualByteCount == Int64(expected.count + expected.filter { $0 == 0x0A }.count))

            let lazily = try Self.storeLazily(message, chunks: chunks, bufferSize: bufferSize)
            #expect(lazily.stored == expected, "seed \(seed), buffer \(bufferSize), lazily")
            #expect(lazily.spilled == (expected.count >= bufferSize))
            #expect(lazily.writer.storedByteCount == Int64(expected.count))
            #expect(lazily.writer.virtualByteCount == writer.virtualByteCount)
        }
    }

    /// Line feeds in every position of an eight-byte word, and words with none, are all counted.
    @Test func countsLineFeedsInEveryLanePosition() throws {
        for length in 0...40 {
            for position in 0..<max(length, 1) {
                var message = [UInt8](repeating: UInt8(ascii: "b"), count: length)
                if position < length { message[position] = 0x0A }
                let (_, writer) = try Self.store(message, chunks: [0..<length], bufferSize: 1 << 16)
                #expect(writer.virtualByteCount == Int64(length + (position < length ? 1 : 0)))
            }
        }
    }
}
