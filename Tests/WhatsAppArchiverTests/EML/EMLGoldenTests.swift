import Foundation
import Testing
import WhatsAppArchiver

/// The converter's exact bytes for every item kind and every hard case, against golden files in `Tests/Golden/EML/`.
///
/// Run with `UPDATE_GOLDEN=1` to rewrite the files after a deliberate change, then review the diff. The CI check
/// `.ci/checks/eml.sh` parses every golden file with Python's `email` package as an independent oracle.
struct EMLGoldenTests {
    /// `Tests/Golden/EML`: outside the test target's directory, so that SwiftPM does not ask for the files to be
    /// declared as resources.
    static let goldenDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Golden/EML")

    @Test(arguments: EMLFixtures.all)
    func matchesGoldenFile(_ fixture: EMLFixtures.Case) async throws {
        let message = try await EMLFixtures.converter().convert(fixture.request)
        let bytes = try await message.body.collect()
        let url = Self.goldenDirectory.appendingPathComponent(fixture.name + ".eml")
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try Data(bytes).write(to: url)
        }
        let golden = try #require(
            FileManager.default.contents(atPath: url.path),
            "no golden file \(fixture.name).eml; run the tests with UPDATE_GOLDEN=1 to create it"
        )
        let matches = Array(golden) == bytes
        #expect(matches, "\(fixture.name).eml differs: \(Self.firstDifference(Array(golden), bytes))")
    }

    /// The first line that differs, for a readable failure; rerun with UPDATE_GOLDEN=1 and review the diff.
    static func firstDifference(_ expected: [UInt8], _ actual: [UInt8]) -> String {
        let expectedLines = String(decoding: expected, as: UTF8.self).components(separatedBy: "\r\n")
        let actualLines = String(decoding: actual, as: UTF8.self).components(separatedBy: "\r\n")
        for (number, (wanted, got)) in zip(expectedLines, actualLines).enumerated() where wanted != got {
            return "line \(number + 1): expected \"\(wanted)\", got \"\(got)\""
        }
        return "expected \(expectedLines.count) lines, got \(actualLines.count)"
    }

    @Test(arguments: EMLFixtures.all)
    func obeysTheByteRules(_ fixture: EMLFixtures.Case) async throws {
        let message = try await EMLFixtures.converter().convert(fixture.request)
        let bytes = try await message.body.collect()
        #expect(EMLRules.violations(bytes) == [])
    }

    /// The same item converts to the same bytes for every mailbox and on every run (bar the random boundary).
    @Test(arguments: EMLFixtures.all)
    func isDeterministicAcrossMailboxes(_ fixture: EMLFixtures.Case) async throws {
        let converter = try EMLFixtures.converter()
        var other = fixture.request
        other.mailboxes = [EMLFixtures.carolMailbox]
        let first = try await converter.convert(fixture.request)
        let second = try await converter.convert(other)
        #expect(first.messageID == second.messageID)
        #expect(try await first.body.collect() == second.body.collect())
    }
}
