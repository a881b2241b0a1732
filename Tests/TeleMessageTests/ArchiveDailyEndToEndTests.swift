import Foundation
import Synchronization
import Testing
import WhatsAppArchiver

/// Runs the `archive-daily` executable the way an operator does: on the demo export, and against the fake
/// TeleMessage server with faults on; then reruns the same window and checks nothing is added.
@Suite(.serialized)
struct ArchiveDailyEndToEndTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let demoExport = repository.appendingPathComponent("Examples/demo-export").path
    static let window = ["--from", "2026-11-23T00:00:00Z", "--until", "2026-11-24T00:00:00Z"]

    /// The executable `swift build` put in the same products directory as this test bundle.
    static func executable() throws -> URL {
        var directory = Bundle.main.bundleURL
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("archive-daily")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw LaunchError(message: "archive-daily is not built next to the tests")
    }

    struct LaunchError: Error { var message: String }

    static func run(
        _ arguments: [String],
        environment: [String: String] = [:]
    ) throws -> (status: Int32, output: String, errors: String) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorData = Mutex(Data())
        let reader = Thread { errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while reader.isExecuting { usleep(1000) }
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData.withLock { $0 }, as: UTF8.self)
        )
    }

    /// Every file in `<maildir>/<mailbox>/.WhatsApp Archiver/{new,cur}`, by mailbox.
    static func messages(in maildir: String) throws -> [String: [String]] {
        var result: [String: [String]] = [:]
        for mailbox in try FileManager.default.contentsOfDirectory(atPath: maildir) where !mailbox.hasPrefix(".") {
            for sub in ["new", "cur"] {
                let folder = "\(maildir)/\(mailbox)/.WhatsApp Archiver/\(sub)"
                for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
                    result[mailbox, default: []].append(folder + "/" + name)
                }
            }
        }
        return result
    }

    static func report(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    @Test func theDemoExportIsArchivedOnceAndARerunAddsNothing() throws {
        let scratch = try Fixtures.scratchDirectory()
        let maildir = scratch + "/archive"
        let arguments =
            [
                "--export", Self.demoExport, "--maildir", maildir, "--mapping", Self.demoExport + "/mapping.csv",
                "--domain", "contoso.com", "--report", scratch + "/report.json",
            ] + Self.window
        let first = try Self.run(arguments)
        #expect(first.status == 0, "\(first.errors)")
        let report = try Self.report(scratch + "/report.json")
        #expect(report["itemsFromSource"] as? Int == 12)
        #expect(report["failed"] as? Int == 1)  // wa-0011: Dave is outside contoso.com, Bernd has no mailbox
        #expect((report["failures"] as? [[String: Any]])?.first?["itemId"] as? String == "wa-0011")
        #expect(report["skippedDuplicates"] as? Int == 0)
        let imported = report["imported"] as? Int ?? -1
        #expect(imported == (report["itemsForImport"] as? Int ?? 0) - 1)
        let stored = try Self.messages(in: maildir)
        #expect(Set(stored.keys) == ["alice@contoso.com", "carol@contoso.com"])
        #expect(stored.values.reduce(0) { $0 + $1.count } == imported)
        #expect(first.output.contains("imported             \(imported)"))

        let second = try Self.run(arguments)
        #expect(second.status == 0, "\(second.errors)")
        let rerun = try Self.report(scratch + "/report.json")
        #expect(rerun["imported"] as? Int == 0)
        #expect(rerun["skippedDuplicates"] as? Int == imported)
        #expect(try Self.messages(in: maildir).values.reduce(0) { $0 + $1.count } == imported)
    }

    @Test func theFakeServerWithFaultsGivesTheSameArchiveAndARerunAddsNothing() throws {
        try #require(FakeTeleMessageServer.isAvailable, "python3 is needed for the fake TeleMessage server")
        let server = try FakeTeleMessageServer(
            export: Self.demoExport,
            faults: [
                "--fail-every", "4", "--rate-limit-every", "7", "--retry-after", "1", "--token-requests", "3",
                "--truncate-every", "5", "--slow-every", "9", "--slow-seconds", "1",
            ]
        )
        defer { server.stop() }
        let scratch = try Fixtures.scratchDirectory()
        let maildir = scratch + "/archive"
        let arguments =
            [
                "--url", server.baseURL.absoluteString, "--username", FakeTeleMessageServer.username,
                "--password-env", "E2E_TELEMESSAGE_PASSWORD", "--maildir", maildir, "--mapping",
                Self.demoExport + "/mapping.csv", "--domain", "contoso.com", "--report", scratch + "/report.json",
            ]
            + Self.window
        let environment = ["E2E_TELEMESSAGE_PASSWORD": FakeTeleMessageServer.password]
        let first = try Self.run(arguments, environment: environment)
        #expect(first.status == 0, "\(first.errors)")
        #expect(!first.output.contains(FakeTeleMessageServer.password))
        #expect(!first.errors.contains(FakeTeleMessageServer.password))
        let report = try Self.report(scratch + "/report.json")
        #expect(report["itemsFromSource"] as? Int == 12)
        #expect(report["partiallyImported"] as? Int == 0)
        let imported = report["imported"] as? Int ?? -1
        #expect(imported > 0)
        let stats = try server.stats()
        for fault in ["status5xx", "status429", "expiredTokens", "truncated", "slow"] {
            #expect((stats[fault] ?? 0) > 0, "fault \(fault) was never injected: \(stats)")
        }

        let second = try Self.run(arguments, environment: environment)
        #expect(second.status == 0, "\(second.errors)")
        let rerun = try Self.report(scratch + "/report.json")
        #expect(rerun["imported"] as? Int == 0)
        #expect(rerun["skippedDuplicates"] as? Int == imported)
        #expect(try Self.messages(in: maildir).values.reduce(0) { $0 + $1.count } == imported)
    }

    @Test func wrongCredentialsStopBeforeAnythingIsWritten() throws {
        try #require(FakeTeleMessageServer.isAvailable, "python3 is needed for the fake TeleMessage server")
        let server = try FakeTeleMessageServer(export: Self.demoExport)
        defer { server.stop() }
        let scratch = try Fixtures.scratchDirectory()
        let result = try Self.run(
            [
                "--url", server.baseURL.absoluteString, "--username", FakeTeleMessageServer.username,
                "--maildir", scratch + "/archive",
            ] + Self.window,
            environment: ["TELEMESSAGE_PASSWORD": "wrong password"]
        )
        #expect(result.status == 1)
        #expect(result.errors.contains("credentials") || result.errors.contains("password"))
        #expect(!result.errors.contains("wrong password"))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/archive"))
    }

    @Test func aBrokenMappingFileStopsBeforeAnythingIsWritten() throws {
        let scratch = try Fixtures.scratchDirectory()
        try Data("External User ID,Microsoft 365 User Mailbox\n46701234567,not-an-address\n".utf8)
            .write(to: URL(fileURLWithPath: scratch + "/mapping.csv"))
        let result = try Self.run(
            ["--export", Self.demoExport, "--maildir", scratch + "/archive", "--mapping", scratch + "/mapping.csv"]
                + Self.window
        )
        #expect(result.status == 1)
        #expect(result.errors.contains("line 2"))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/archive"))
    }

    @Test(arguments: ["A.B", "a/b", "tab\there", ""])
    func anUnusableFolderNameStopsBeforeAnythingIsWritten(folder: String) throws {
        let scratch = try Fixtures.scratchDirectory()
        let result = try Self.run(
            ["--export", Self.demoExport, "--maildir", scratch + "/archive", "--folder", folder] + Self.window
        )
        #expect(result.status == (folder.isEmpty ? 2 : 1))
        #expect(!FileManager.default.fileExists(atPath: scratch + "/archive"))
    }

    @Test(arguments: [
        [], ["--export", "x"], ["--export", "x", "--url", "https://x", "--maildir", "m"],
        ["--url", "https://x", "--maildir", "m"], ["--export", "x", "--maildir", "m", "--password", "secret"],
        ["--export", "x", "--maildir", "m", "--from", "yesterday"], ["--export", "x", "--maildir", "m", "--bogus"],
        ["--export", "x", "--maildir", "m", "--from", "2026-11-24T00:00:00Z", "--until", "2026-11-23T00:00:00Z"],
    ])
    func wrongUsageExitsWithStatus2(arguments: [String]) throws {
        let result = try Self.run(arguments)
        #expect(result.status == 2)
        #expect(result.errors.contains("usage: archive-daily"))
    }
}
