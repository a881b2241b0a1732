import Foundation
import Testing
import WhatsAppArchiver

/// `--sync-file-system` changes how a commit is made durable (one `syncfs` instead of an `fsync` per message) and
/// `--commit-every` how often, never what is stored: the same files, the same report, and a rerun adds nothing.
@Suite(.serialized)
struct ArchiveDailySyncFileSystemTests {
    @Test func storesTheSameMessagesAsTheDefaultMode() throws {
        let scratch = try Fixtures.scratchDirectory()
        let demo = ArchiveDailyEndToEndTests.demoExport
        func arguments(_ maildir: String, _ report: String) -> [String] {
            [
                "--export", demo, "--maildir", maildir, "--mapping", demo + "/mapping.csv", "--domain", "contoso.com",
                "--report", report,
            ] + ArchiveDailyEndToEndTests.window
        }
        let plain = try ArchiveDailyEndToEndTests.run(arguments(scratch + "/plain", scratch + "/plain.json"))
        #expect(plain.status == 0, "\(plain.errors)")
        let synced = try ArchiveDailyEndToEndTests.run(
            arguments(scratch + "/synced", scratch + "/synced.json") + [
                "--sync-file-system", "--commit-every", "2",
            ]
        )
        #expect(synced.status == 0, "\(synced.errors)")

        let plainReport = try ArchiveDailyEndToEndTests.report(scratch + "/plain.json")
        let syncedReport = try ArchiveDailyEndToEndTests.report(scratch + "/synced.json")
        for key in ["itemsFromSource", "itemsForImport", "imported", "partiallyImported", "failed"] {
            #expect(syncedReport[key] as? Int == plainReport[key] as? Int, "\(key)")
        }
        func names(_ maildir: String) throws -> [String: Set<String>] {
            try ArchiveDailyEndToEndTests.messages(in: maildir).mapValues {
                Set($0.map { ($0 as NSString).lastPathComponent })
            }
        }
        let plainNames = try names(scratch + "/plain")
        #expect(!plainNames.isEmpty)
        #expect(try names(scratch + "/synced") == plainNames)

        let rerun = try ArchiveDailyEndToEndTests.run(
            arguments(scratch + "/synced", scratch + "/rerun.json") + ["--sync-file-system"]
        )
        #expect(rerun.status == 0, "\(rerun.errors)")
        let rerunReport = try ArchiveDailyEndToEndTests.report(scratch + "/rerun.json")
        #expect(rerunReport["imported"] as? Int == 0)
        #expect(rerunReport["skippedDuplicates"] as? Int == plainReport["imported"] as? Int)
    }

    @Test(arguments: [
        (["--sync-file-system=yes"], "--sync-file-system takes no value"),
        (["--commit-every", "0"], "--commit-every 0 is not a positive number"),
        (["--commit-every", "many"], "--commit-every many is not a positive number"),
        (["--parallel-copies", "2"], "unknown argument --parallel-copies"),
    ])
    func rejectsWrongValues(extra: [String], message: String) throws {
        let result = try ArchiveDailyEndToEndTests.run(["--export", "x", "--maildir", "m"] + extra)
        #expect(result.status == 2)
        #expect(result.errors.contains(message))
    }
}
