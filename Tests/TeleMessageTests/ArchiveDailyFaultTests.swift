import Foundation
import TeleMessage
import Testing
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Faults around a whole run: the server failing, throttling, cutting bodies, expiring tokens and hanging; the disk
/// filling up; the mapping file and the state directory unreadable. Each run ends either complete or with a clear
/// fatal error that loses nothing, and a later run then completes with every (item, mailbox) exactly once.
@Suite(.serialized)
struct ArchiveDailyFaultTests {
    static let demoExport = ArchiveDailyEndToEndTests.demoExport
    static let mapping = demoExport + "/mapping.csv"
    static let window = ArchiveDailyEndToEndTests.window
    static let password = ["FAULT_TELEMESSAGE_PASSWORD": FakeTeleMessageServer.password]

    /// The archive of the demo export without any fault: the pairs every faulty run must end with.
    static let reference: [String: Int] = {
        let scratch = try! Fixtures.scratchDirectory()
        let result = try! ArchiveInspection.run(
            [
                "--export", demoExport, "--maildir", scratch + "/archive", "--mapping", mapping, "--domain",
                "contoso.com",
            ]
                + window
        )
        precondition(result.status == 0, result.errors)
        return try! ArchiveInspection.storedPairs(in: scratch + "/archive")
    }()

    static func serverArguments(_ server: FakeTeleMessageServer, maildir: String, report: String) -> [String] {
        [
            "--url", server.baseURL.absoluteString, "--username", FakeTeleMessageServer.username, "--password-env",
            "FAULT_TELEMESSAGE_PASSWORD", "--maildir", maildir, "--mapping", mapping, "--domain", "contoso.com",
            "--report", report,
        ] + window
    }

    static func expectTheReferenceArchive(_ maildir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let stored = try ArchiveInspection.storedPairs(in: maildir)
        #expect(!reference.isEmpty, sourceLocation: sourceLocation)
        #expect(stored == reference, sourceLocation: sourceLocation)
        #expect(ArchiveInspection.temporaryFiles(in: maildir).isEmpty, sourceLocation: sourceLocation)
    }

    // MARK: - The server

    @Test(
        .enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed for the fake TeleMessage server"),
        arguments: [
            (["--fail-every", "3"], "status5xx"),
            (["--rate-limit-every", "3", "--retry-after", "1"], "status429"),
            (["--token-requests", "2"], "expiredTokens"),
            (["--truncate-every", "3"], "truncated"),
            (["--break-downloads-every", "1"], "brokenDownloads"),
            // Without Range support a broken download starts again from its first byte; every request broken would
            // never finish, so every other one is.
            (["--break-downloads-every", "2", "--no-ranges"], "brokenDownloads"),
        ]
    )
    func eachServerFaultEndsInTheSameArchiveAndARerunAddsNothing(faults: [String], counter: String) throws {
        let server = try FakeTeleMessageServer(export: Self.demoExport, faults: faults)
        defer { server.stop() }
        let scratch = try Fixtures.scratchDirectory()
        let arguments = Self.serverArguments(server, maildir: scratch + "/archive", report: scratch + "/report.json")
        let first = try ArchiveInspection.run(arguments, environment: Self.password)
        #expect(first.status == 0, "\(first.errors)")
        #expect((try server.stats()[counter] ?? 0) > 0, "the fault \(counter) was never injected")
        try Self.expectTheReferenceArchive(scratch + "/archive")
        #expect(ArchiveInspection.checkpoint(in: scratch + "/archive/.archiver-state") == "2026-11-24T00:00:00Z")

        let second = try ArchiveInspection.run(arguments, environment: Self.password)
        #expect(second.status == 0, "\(second.errors)")
        let report = try ArchiveDailyEndToEndTests.report(scratch + "/report.json")
        #expect(report["imported"] as? Int == 0)
        try Self.expectTheReferenceArchive(scratch + "/archive")
    }

    @Test(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed for the fake TeleMessage server"))
    func downloadsThatAKilledRunLeftBehindAreRemovedByTheNextRun() throws {
        let server = try FakeTeleMessageServer(export: Self.demoExport)
        defer { server.stop() }
        let scratch = try Fixtures.scratchDirectory()
        let maildir = scratch + "/archive"
        // What a run killed with SIGKILL mid-download leaves: a private directory with part of an attachment.
        let leftover = maildir + "/.archiver-state/downloads/telemessage-Ab12Cd"
        try FileManager.default.createDirectory(atPath: leftover, withIntermediateDirectories: true)
        try Data("half of a confidential PDF".utf8).write(to: URL(fileURLWithPath: leftover + "/3-att-pdf-0003"))
        let result = try ArchiveInspection.run(
            Self.serverArguments(server, maildir: maildir, report: scratch + "/report.json"),
            environment: Self.password
        )
        #expect(result.status == 0, "\(result.errors)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: maildir + "/.archiver-state/downloads").isEmpty)
        try Self.expectTheReferenceArchive(maildir)
    }

    /// The connector over the real roles and an HTTP transport whose request timeout is `timeout` seconds.
    static func connector(
        server: FakeTeleMessageServer,
        root: String,
        timeout: TimeInterval,
        attempts: Int,
        pageSize: Int = 500,
        sleeps: SleepRecorder
    ) throws -> Connector {
        var configuration = HTTPTransport.Configuration(baseURL: server.baseURL)
        configuration.requestTimeout = timeout
        configuration.retry = RetryPolicy(
            maximumAttempts: attempts,
            initialDelay: .milliseconds(10),
            maximumDelay: .milliseconds(10),
            maximumRetryAfter: .milliseconds(10)
        )
        configuration.sleep = sleeps.sleep
        configuration.temporaryDirectory = root
        let transport = try HTTPTransport(
            configuration: configuration,
            credentials: TeleMessageCredentials(username: FakeTeleMessageServer.username) {
                FakeTeleMessageServer.password
            }
        )
        var connectorConfiguration = Connector.Configuration()
        connectorConfiguration.pageSize = pageSize
        connectorConfiguration.commitEveryDeliveries = 2
        return Connector(
            source: TeleMessageSource(transport: transport),
            mapper: try CSVPropertyMapper(mappingFilePath: mapping, domains: ["contoso.com"]),
            converter: try EMLConverter(),
            sink: try MaildirSink(root: root + "/archive"),
            checkpoints: try FileCheckpointStore(directory: root + "/archive/.archiver-state"),
            configuration: connectorConfiguration
        )
    }

    static let demoWindow = try! TimeWindow(
        from: RFC3339.parse("2026-11-23T00:00:00Z")!,
        until: RFC3339.parse("2026-11-24T00:00:00Z")!
    )

    @Test(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed for the fake TeleMessage server"))
    func aHangingServerTimesOutAndIsRetried() async throws {
        let server = try FakeTeleMessageServer(
            export: Self.demoExport,
            faults: ["--slow-every", "3", "--slow-seconds", "4"]
        )
        defer { server.stop() }
        let scratch = try Fixtures.scratchDirectory()
        let sleeps = SleepRecorder()
        let connector = try Self.connector(server: server, root: scratch, timeout: 1, attempts: 4, sleeps: sleeps)
        let report = try await connector.run(window: Self.demoWindow)
        #expect(report.failed == 1)  // wa-0011 maps to no mailbox, as without faults
        #expect((try server.stats()["slow"] ?? 0) > 0)
        #expect(!sleeps.recorded.isEmpty, "no request timed out: the hang was never noticed")
        try Self.expectTheReferenceArchive(scratch + "/archive")
    }

    @Test(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed for the fake TeleMessage server"))
    func aServerThatNeverAnswersStopsTheRunClearlyAndALaterRunCompletes() async throws {
        let scratch = try Fixtures.scratchDirectory()
        do {
            let server = try FakeTeleMessageServer(
                export: Self.demoExport,
                faults: ["--slow-every", "1", "--slow-seconds", "3"]
            )
            defer { server.stop() }
            let connector = try Self.connector(
                server: server,
                root: scratch,
                timeout: 1,
                attempts: 2,
                sleeps: SleepRecorder()
            )
            let error = await #expect(throws: ArchiverError.self) { try await connector.run(window: Self.demoWindow) }
            #expect(error?.code == .sourceUnavailable)
            #expect(error?.scope == .run)
            #expect(error?.message.contains("did not answer") == true)
            #expect(error?.message.contains("run again") == true)
            #expect(ArchiveInspection.checkpoint(in: scratch + "/archive/.archiver-state") == nil)
        }
        let server = try FakeTeleMessageServer(export: Self.demoExport)
        defer { server.stop() }
        let connector = try Self.connector(
            server: server,
            root: scratch,
            timeout: 5,
            attempts: 2,
            sleeps: SleepRecorder()
        )
        _ = try await connector.run(window: Self.demoWindow)
        try Self.expectTheReferenceArchive(scratch + "/archive")
    }

    @Test(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed for the fake TeleMessage server"))
    func aServerFailingMidRunKeepsWhatWasDeliveredAndALaterRunCompletesExactlyOnce() async throws {
        let scratch = try Fixtures.scratchDirectory()
        do {
            // One attempt per request: the fourth request (a later page or a download) stops the run.
            let server = try FakeTeleMessageServer(export: Self.demoExport, faults: ["--fail-every", "4"])
            defer { server.stop() }
            let connector = try Self.connector(
                server: server,
                root: scratch,
                timeout: 5,
                attempts: 1,
                pageSize: 3,
                sleeps: SleepRecorder()
            )
            let error = await #expect(throws: ArchiverError.self) { try await connector.run(window: Self.demoWindow) }
            #expect(error?.code == .sourceUnavailable)
            let partial = try ArchiveInspection.storedPairs(in: scratch + "/archive")
            #expect(!partial.isEmpty, "the first page was delivered before the failure")
            #expect(partial.allSatisfy { Self.reference[$0.key] == 1 && $0.value == 1 })
            #expect(partial.count < Self.reference.count)
            #expect(ArchiveInspection.checkpoint(in: scratch + "/archive/.archiver-state") != "2026-11-24T00:00:00Z")
        }
        let server = try FakeTeleMessageServer(export: Self.demoExport)
        defer { server.stop() }
        let connector = try Self.connector(
            server: server,
            root: scratch,
            timeout: 5,
            attempts: 2,
            sleeps: SleepRecorder()
        )
        let window = try await connector.window(from: nil, until: Self.demoWindow.until)
        _ = try await connector.run(window: window)
        try Self.expectTheReferenceArchive(scratch + "/archive")
        #expect(ArchiveInspection.checkpoint(in: scratch + "/archive/.archiver-state") == "2026-11-24T00:00:00Z")
    }

    // MARK: - The disk

    /// An export of `count` messages to alice@contoso.com of about 16 KiB each, across the demo window.
    static func heavyExport(count: Int) throws -> (directory: String, pairs: [String: Int]) {
        let text = String(repeating: "The quarterly numbers, once more in full. ", count: 400)
        var lines: [String] = []
        var pairs: [String: Int] = [:]
        for index in 0..<count {
            let seconds = 60 + index * 600
            let stamp = String(format: "2026-11-23T%02d:%02d:%02dZ", seconds / 3600, seconds / 60 % 60, seconds % 60)
            let id = String(format: "wa-heavy-%03d", index)
            lines.append(Fixtures.line(id: id, capturedAt: stamp, extra: #","text":"\#(text)""#))
            pairs["\(id) alice@contoso.com"] = 1
        }
        return (try Fixtures.export(lines: lines), pairs)
    }

    @Test(.enabled(if: TemporaryMount.isAvailable, "needs Linux and root to mount a tmpfs"))
    func aFullDiskStopsTheRunWithAClearErrorAndALaterRunWithSpaceCompletesExactlyOnce() throws {
        let (export, expected) = try Self.heavyExport(count: 120)
        let scratch = try Fixtures.scratchDirectory()
        let disk = try TemporaryMount(at: scratch + "/disk", kilobytes: 640)
        defer { disk.unmount() }
        let maildir = disk.path + "/archive"
        let arguments = ["--export", export, "--maildir", maildir, "--until", "2026-11-24T00:00:00Z"]

        let full = try ArchiveInspection.run(arguments)
        #expect(full.status == 1)
        #expect(full.errors.contains("No space left on device"), "\(full.errors)")
        #expect(full.errors.contains("run again"))
        // What the sink committed before the disk filled stays, once each; the rest waits for the next run.
        let partial = try ArchiveInspection.storedPairs(in: maildir)
        #expect(partial.count < expected.count)
        #expect(partial.allSatisfy { expected[$0.key] == 1 && $0.value == 1 })
        #expect(ArchiveInspection.checkpoint(in: maildir + "/.archiver-state") != "2026-11-24T00:00:00Z")

        try disk.remount(kilobytes: 16 * 1024)
        let resumed = try ArchiveInspection.run(arguments)
        #expect(resumed.status == 0, "\(resumed.errors)")
        #expect(try ArchiveInspection.storedPairs(in: maildir) == expected)
        #expect(ArchiveInspection.temporaryFiles(in: maildir).isEmpty)
        #expect(ArchiveInspection.checkpoint(in: maildir + "/.archiver-state") == "2026-11-24T00:00:00Z")
    }

    @Test(.enabled(if: TemporaryMount.isAvailable, "needs Linux and root to mount a tmpfs"))
    func aReadOnlyStateDirectoryStopsTheRunAtItsFirstCheckpointAndALaterRunAddsOnlyTheRest() throws {
        let scratch = try Fixtures.scratchDirectory()
        let state = try TemporaryMount(at: scratch + "/state", kilobytes: 64)
        defer { state.unmount() }
        try state.remount(readOnly: true)
        let maildir = scratch + "/archive"
        let arguments =
            ["--export", Self.demoExport, "--maildir", maildir, "--state", state.path, "--mapping", Self.mapping]
            + ["--domain", "contoso.com"] + Self.window
        let stopped = try ArchiveInspection.run(arguments)
        #expect(stopped.status == 1)
        #expect(stopped.errors.contains("Read-only file system"), "\(stopped.errors)")
        // The sink made its deliveries durable before the checkpoint could not be saved: nothing is lost.
        #expect(try ArchiveInspection.storedPairs(in: maildir) == Self.reference)

        try state.remount(readOnly: false)
        let resumed = try ArchiveInspection.run(arguments)
        #expect(resumed.status == 0, "\(resumed.errors)")
        try Self.expectTheReferenceArchive(maildir)
        #expect(ArchiveInspection.checkpoint(in: state.path) == "2026-11-24T00:00:00Z")
    }

    // MARK: - Unreadable configuration and state

    struct SetUpError: Error { var message: String }

    /// Ways to make a path unreadable that hold even for root, who ignores permission bits.
    enum Unreadable: String, CaseIterable, Sendable {
        case directory, fifo, missingParent, inputOutputError

        /// Puts the obstacle at (or makes) a path under `scratch`; returns the path to give.
        func make(in scratch: String, named name: String) throws -> String? {
            let path = scratch + "/" + name
            switch self {
            case .directory:
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            case .fifo:
                guard mkfifo(path, 0o600) == 0 else { throw SetUpError(message: "mkfifo \(path): errno \(errno)") }
            case .missingParent:
                return scratch + "/unmounted-volume/" + name
            case .inputOutputError:
                // Reading /proc/self/mem from offset 0 fails with EIO: a disk error, for root too.
                #if os(Linux)
                return "/proc/self/mem"
                #else
                return nil
                #endif
            }
            return path
        }
    }

    @Test(arguments: Unreadable.allCases)
    func anUnreadableMappingFileStopsTheRunBeforeAnythingIsWritten(_ obstacle: Unreadable) throws {
        let scratch = try Fixtures.scratchDirectory()
        guard let mapping = try obstacle.make(in: scratch, named: "mapping.csv") else { return }
        let maildir = scratch + "/archive"
        let result = try ArchiveInspection.run(
            ["--export", Self.demoExport, "--maildir", maildir, "--mapping", mapping] + Self.window,
            timeout: 30
        )
        #expect(!result.timedOut, "archive-daily hung on the mapping file")
        #expect(result.status == 1)
        #expect(result.errors.contains(mapping), "\(result.errors)")
        #expect(!FileManager.default.fileExists(atPath: maildir))

        let fixed = try ArchiveInspection.run(
            ["--export", Self.demoExport, "--maildir", maildir, "--mapping", Self.mapping, "--domain", "contoso.com"]
                + Self.window
        )
        #expect(fixed.status == 0, "\(fixed.errors)")
        try Self.expectTheReferenceArchive(maildir)
    }

    @Test(arguments: [Unreadable.directory, .fifo])
    func anUnreadableCheckpointStopsTheRunWithoutHangingAndALaterRunCompletes(_ obstacle: Unreadable) throws {
        let scratch = try Fixtures.scratchDirectory()
        let state = scratch + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        let checkpoint = try #require(try obstacle.make(in: state, named: "checkpoint.json"))
        let maildir = scratch + "/archive"
        let arguments = [
            "--export", Self.demoExport, "--maildir", maildir, "--state", state, "--mapping", Self.mapping,
            "--domain", "contoso.com", "--until", "2026-11-24T00:00:00Z",
        ]
        let result = try ArchiveInspection.run(arguments, timeout: 30)
        #expect(!result.timedOut, "archive-daily hung on the checkpoint")
        #expect(result.status == 1)
        #expect(result.errors.contains(checkpoint), "\(result.errors)")
        #expect(try ArchiveInspection.storedPairs(in: maildir).isEmpty)

        try FileManager.default.removeItem(atPath: checkpoint)
        let fixed = try ArchiveInspection.run(arguments)
        #expect(fixed.status == 0, "\(fixed.errors)")
        try Self.expectTheReferenceArchive(maildir)
    }

    @Test func aStateDirectoryThatIsAFileOrACorruptCheckpointIsAClearErrorAndLosesNothing() throws {
        let scratch = try Fixtures.scratchDirectory()
        let maildir = scratch + "/archive"
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: scratch + "/state"))
        var arguments = [
            "--export", Self.demoExport, "--maildir", maildir, "--state", scratch + "/state", "--mapping",
            Self.mapping, "--domain", "contoso.com", "--until", "2026-11-24T00:00:00Z",
        ]
        let notADirectory = try ArchiveInspection.run(arguments)
        #expect(notADirectory.status == 1)
        #expect(notADirectory.errors.contains(scratch + "/state"), "\(notADirectory.errors)")
        #expect(notADirectory.errors.contains("not a directory"))

        arguments[arguments.firstIndex(of: scratch + "/state")!] = scratch + "/state2"
        try FileManager.default.createDirectory(atPath: scratch + "/state2", withIntermediateDirectories: true)
        try Data("{\"position\": 7}".utf8).write(to: URL(fileURLWithPath: scratch + "/state2/checkpoint.json"))
        let corrupt = try ArchiveInspection.run(arguments)
        #expect(corrupt.status == 1)
        #expect(corrupt.errors.contains("is not a valid checkpoint"), "\(corrupt.errors)")
        #expect(try ArchiveInspection.storedPairs(in: maildir).isEmpty)

        try FileManager.default.removeItem(atPath: scratch + "/state2/checkpoint.json")
        let fixed = try ArchiveInspection.run(arguments)
        #expect(fixed.status == 0, "\(fixed.errors)")
        try Self.expectTheReferenceArchive(maildir)
    }
}
