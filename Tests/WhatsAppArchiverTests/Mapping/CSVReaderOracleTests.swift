import Foundation
import Testing
import WhatsAppArchiver

/// The reader against an independent oracle: each fixture's expected records were written by Python's `csv`
/// module (`Scripts/csv-oracle.py`; `.ci/checks/csv-oracle.sh` checks that they still are).
struct CSVReaderOracleTests {
    private struct ExpectedRecord: Decodable {
        var line: Int
        var fields: [String]
    }

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Mapping
        .deletingLastPathComponent()  // WhatsAppArchiverTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/Mapping/CSV")

    static let names = [
        "blank-lines", "extra-columns", "lone-cr", "mapping-crlf-bom", "mapping-lf", "quoting", "random-300",
    ]

    @Test func everyFixtureIsListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path)
        let listed = Set(files.filter { $0.hasSuffix(".csv") }.map { String($0.dropLast(4)) })
        #expect(listed == Set(Self.names))
    }

    @Test(arguments: names)
    func readsAsPythonDoes(name: String) throws {
        let input = try Data(contentsOf: Self.fixtures.appendingPathComponent(name + ".csv"))
        let expected = try JSONDecoder().decode(
            [ExpectedRecord].self,
            from: Data(contentsOf: Self.fixtures.appendingPathComponent(name + ".json"))
        )
        let result = CSVReader.records(in: [UInt8](input))
        #expect(result.problems.isEmpty)
        #expect(result.records.map(\.line) == expected.map(\.line))
        #expect(result.records.map(\.fields) == expected.map(\.fields))
        #expect(!expected.isEmpty)
    }

    /// Reading the fixtures in small chunks gives what reading them whole gives.
    @Test(arguments: names)
    func chunkedReadingMatches(name: String) throws {
        let input = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent(name + ".csv")))
        let whole = CSVReader.records(in: input)
        var reader = CSVReader()
        var records: [CSVReader.Record] = []
        var start = 0
        var size = 1
        while start < input.count {
            let end = min(input.count, start + size)
            reader.read(input[start..<end]) { records.append($0) }
            start = end
            size = size % 7 + 1
        }
        reader.finish { records.append($0) }
        #expect(records == whole.records)
    }
}
