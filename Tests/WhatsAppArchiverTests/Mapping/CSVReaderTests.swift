import Testing
import WhatsAppArchiver

struct CSVReaderTests {
    private typealias Record = CSVReader.Record
    private typealias Problem = CSVReader.Problem

    private static func read(_ text: String) -> (records: [Record], problems: [Problem]) {
        CSVReader.records(in: Array(text.utf8))
    }

    @Test(arguments: ["a,b\nc,d\n", "a,b\r\nc,d\r\n", "a,b\rc,d\r", "a,b\nc,d", "a,b\r\nc,d"])
    func everyLineEndingSeparatesRecords(text: String) {
        let result = Self.read(text)
        #expect(result.records == [Record(line: 1, fields: ["a", "b"]), Record(line: 2, fields: ["c", "d"])])
        #expect(result.problems.isEmpty)
    }

    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() {
        let result = Self.read("\"a,b\",\"say \"\"hi\"\"\",\"x\r\ny\",\"\",\n")
        #expect(result.records == [Record(line: 1, fields: ["a,b", "say \"hi\"", "x\r\ny", "", ""])])
        #expect(result.problems.isEmpty)
    }

    /// A record that spans lines carries the line it starts on; the records after it carry their own line.
    @Test func lineNumbersCountTheLineBreaksInsideQuotedFields() {
        let result = Self.read("h\n\"one\ntwo\r\nthree\rfour\",x\nnext\n\nlast")
        #expect(
            result.records == [
                Record(line: 1, fields: ["h"]),
                Record(line: 2, fields: ["one\ntwo\r\nthree\rfour", "x"]),
                Record(line: 6, fields: ["next"]),
                Record(line: 8, fields: ["last"]),
            ]
        )
    }

    @Test func emptyLinesAreSkippedButCounted() {
        let result = Self.read("\n\r\n\ra\n\n\nb\n")
        #expect(result.records == [Record(line: 4, fields: ["a"]), Record(line: 7, fields: ["b"])])
    }

    @Test func aByteOrderMarkAtTheStartIsSkipped() {
        let result = CSVReader.records(in: [0xEF, 0xBB, 0xBF] + Array("a,b\n".utf8))
        #expect(result.records == [Record(line: 1, fields: ["a", "b"])])
    }

    @Test func aByteOrderMarkElsewhereIsData() {
        let result = CSVReader.records(in: Array("a,".utf8) + [0xEF, 0xBB, 0xBF] + Array("b\n".utf8))
        #expect(result.records == [Record(line: 1, fields: ["a", "\u{FEFF}b"])])
    }

    @Test func aFileThatIsOnlyAByteOrderMarkHasNoRecords() {
        let result = CSVReader.records(in: [0xEF, 0xBB, 0xBF])
        #expect(result.records.isEmpty)
        #expect(result.problems.isEmpty)
    }

    @Test func spacesAreData() {
        #expect(Self.read(" a , b \n").records == [Record(line: 1, fields: [" a ", " b "])])
    }

    @Test(arguments: [
        ("h\nab\"c,d\nok\n", 2, "a double quote inside a field that does not start with one"),
        ("h\n\"ab\"c,d\nok\n", 2, "text after the closing quote of a field"),
        ("h\n\"a\nb\"x\nok\n", 2, "text after the closing quote of a field"),
    ])
    func aBrokenRecordIsReportedAndReadingGoesOn(text: String, line: Int, problem: String) throws {
        let result = Self.read(text)
        let found = try #require(result.problems.first)
        #expect(result.problems.count == 1)
        #expect(found.line == line)
        #expect(found.message.hasPrefix(problem))
        #expect(result.records.first == Record(line: 1, fields: ["h"]))
        #expect(result.records.last?.fields == ["ok"])
        #expect(result.records.count == 2)
    }

    @Test func lineNumbersAfterABrokenRecordWithQuotedLineBreaksStayRight() {
        let result = Self.read("h\n\"a\"x,\"b\nc\"\nnext\n")
        #expect(result.problems.map(\.line) == [2])
        #expect(result.records.last == Record(line: 4, fields: ["next"]))
    }

    @Test func anUnclosedQuoteIsReportedAtTheLineItOpensOn() {
        let result = Self.read("a\nb\n\"c,d\ne\nf\n")
        #expect(result.records == [Record(line: 1, fields: ["a"]), Record(line: 2, fields: ["b"])])
        #expect(
            result.problems == [
                Problem(
                    line: 3,
                    message: "a quoted field is never closed: the file ends inside it (add the closing \")"
                )
            ]
        )
    }

    @Test func invalidUTF8IsAProblemOfItsRecord() {
        let result = CSVReader.records(in: Array("a\nb,".utf8) + [0xC3, 0x28] + Array("\nc\n".utf8))
        #expect(result.records == [Record(line: 1, fields: ["a"]), Record(line: 3, fields: ["c"])])
        #expect(
            result.problems == [Problem(line: 2, message: "a field is not valid UTF-8 text; save the file as UTF-8")]
        )
    }

    @Test func oversizedFieldsAndRecordsAreProblems() {
        let configuration = CSVReader.Configuration(maximumFieldBytes: 4, maximumFieldCount: 2)
        let result = CSVReader.records(
            in: Array("abcd,x\nabcde\n\"ab\ncde\"\na,b,c\nok\n".utf8),
            configuration: configuration
        )
        #expect(result.records == [Record(line: 1, fields: ["abcd", "x"]), Record(line: 6, fields: ["ok"])])
        #expect(
            result.problems == [
                Problem(line: 2, message: "a field is longer than 4 bytes"),
                Problem(line: 3, message: "a field is longer than 4 bytes"),
                Problem(line: 5, message: "a record has more than 2 fields"),
            ]
        )
    }

    /// However the input is cut into chunks, even inside a byte-order mark or a CRLF, the result is the same.
    @Test func chunkBoundariesDoNotChangeTheResult() {
        let bytes: [UInt8] = [0xEF, 0xBB, 0xBF] + Array("a,\"b\r\nc\"\r\n\r\n\"d\"\"\",e\rf\"g,h\n\"open".utf8)
        let whole = CSVReader.records(in: bytes)
        #expect(whole.records.map(\.line) == [1, 4])
        #expect(whole.problems.map(\.line) == [5, 6])
        for split in 0...bytes.count {
            var reader = CSVReader()
            var records: [Record] = []
            reader.read(bytes[..<split]) { records.append($0) }
            reader.read(bytes[split...]) { records.append($0) }
            reader.finish { records.append($0) }
            #expect(records == whole.records, "split at \(split)")
            #expect(reader.problems == whole.problems, "split at \(split)")
        }
    }

    @Test func byteByByteMatchesWhole() {
        let bytes = Array("x,\"y\"\"\n\",z\r\n\r\n1,2".utf8)
        var reader = CSVReader()
        var records: [Record] = []
        for byte in bytes { reader.read(CollectionOfOne(byte)) { records.append($0) } }
        reader.finish { records.append($0) }
        #expect(records == [Record(line: 1, fields: ["x", "y\"\n", "z"]), Record(line: 4, fields: ["1", "2"])])
    }
}
