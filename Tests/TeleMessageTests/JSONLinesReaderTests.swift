import Foundation
import Testing

@testable import TeleMessage

struct JSONLinesReaderTests {
    func lines(_ text: String, maximum: Int, chunk: Int) throws -> [String] {
        let directory = try Fixtures.scratchDirectory()
        let path = directory + "/items.jsonl"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let reader = try JSONLinesReader(path: path, offset: 0, maximumLineBytes: maximum, chunkSize: chunk)
        var result: [String] = []
        while let line = try reader.next() {
            switch line {
            case .text(let bytes): result.append(String(decoding: bytes, as: UTF8.self))
            case .tooLong(let length): result.append("<\(length) bytes>")
            }
        }
        #expect(reader.offset == Int64(text.utf8.count))
        return result
    }

    /// Lines longer than the buffer, longer than the limit, and a last line without a line feed, at every chunk
    /// size from tiny to larger than the file.
    @Test(arguments: [4096, 5000, 1 << 20])
    func splitsLinesAcrossChunks(chunk: Int) throws {
        let long = String(repeating: "x", count: 20_000)
        let medium = String(repeating: "m", count: 6000)
        let text = "first\n\n" + long + "\n" + medium + "\nlast"
        #expect(try lines(text, maximum: 8000, chunk: chunk) == ["first", "", "<20000 bytes>", medium, "last"])
    }

    @Test func resumesAtAnOffset() throws {
        let directory = try Fixtures.scratchDirectory()
        let path = directory + "/items.jsonl"
        try Data("one\ntwo\nthree\n".utf8).write(to: URL(fileURLWithPath: path))
        let reader = try JSONLinesReader(path: path, offset: 4, maximumLineBytes: 100)
        guard case .text(let bytes) = try reader.next() else {
            Issue.record("expected a line")
            return
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "two")
        #expect(reader.offset == 8)
    }
}
