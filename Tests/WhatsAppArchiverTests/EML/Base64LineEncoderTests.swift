import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

@testable import WhatsAppArchiver

struct Base64LineEncoderTests {
    /// RFC 4648 section 10.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test(arguments: vectors)
    func rfc4648VectorsUnwrapped(input: String, expected: String) {
        #expect(Base64LineEncoder.encodeUnwrapped(Array(input.utf8)) == expected)
    }

    @Test(arguments: vectors)
    func rfc4648VectorsStreamed(input: String, expected: String) async throws {
        let encoded = try await Self.stream(Array(input.utf8), chunkSize: 1)
        #expect(encoded == (expected.isEmpty ? "" : expected + "\r\n"))
    }

    /// Foundation's encoder, with 76-character lines and CRLF, is the oracle for every length and every chunking.
    @Test(arguments: [0, 1, 2, 3, 56, 57, 58, 113, 114, 115, 1000, 65_537, 300_001])
    func matchesFoundationForEveryChunking(length: Int) async throws {
        var generator = SeededRandomNumberGenerator(seed: UInt64(length))
        let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        var expected = Data(bytes).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        if !expected.isEmpty { expected += "\r\n" }
        for chunkSize in [1, 2, 56, 57, 58, 4096, max(length, 1)] {
            #expect(try await Self.stream(bytes, chunkSize: chunkSize) == expected, "chunk size \(chunkSize)")
        }
    }

    @Test func everyLineIsAtMost76Characters() async throws {
        let encoded = try await Self.stream([UInt8](repeating: 0xFF, count: 10_000), chunkSize: 333)
        let lines = encoded.split(separator: "\r\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
    }

    static func stream(_ bytes: [UInt8], chunkSize: Int) async throws -> String {
        let output = MIMEOutput(writer: ByteCollector())
        var encoder = Base64LineEncoder()
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            bytes[offset..<end].withUnsafeBytes { encoder.encode($0, to: output) }
            offset = end
            try await output.flushIfFull()
        }
        encoder.finish(to: output)
        try await output.flush()
        let collector = try #require(output.writer as? ByteCollector)
        return String(decoding: collector.bytes, as: UTF8.self)
    }
}
