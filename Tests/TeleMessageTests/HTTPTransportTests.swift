import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

@testable import TeleMessage

@Suite(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed to run the fake TeleMessage server"))
struct HTTPTransportTests {
    func transport(
        _ server: FakeTeleMessageServer,
        password: String = FakeTeleMessageServer.password,
        sleeps: SleepRecorder = SleepRecorder(),
        timeout: TimeInterval = 10,
        attempts: Int = 6,
        temporaryDirectory: String? = nil
    ) throws -> HTTPTransport {
        var configuration = HTTPTransport.Configuration(baseURL: server.baseURL)
        configuration.sleep = sleeps.sleep
        configuration.requestTimeout = timeout
        configuration.retry.maximumAttempts = attempts
        configuration.temporaryDirectory = temporaryDirectory
        return try HTTPTransport(
            configuration: configuration,
            credentials: TeleMessageCredentials(username: FakeTeleMessageServer.username) { password }
        )
    }

    /// Every item of the window and its attachments, read over HTTP, with the attachments' bytes.
    func readEverything(
        _ source: TeleMessageSource,
        limit: Int = 500
    ) async throws -> (
        ids: [String], invalid: [InvalidRecord], attachments: [String: Result<[UInt8], ArchiverError>]
    ) {
        var ids: [String] = []
        var invalid: [InvalidRecord] = []
        var attachments: [String: Result<[UInt8], ArchiverError>] = [:]
        var cursor: SourceCursor?
        repeat {
            let page = try await source.fetchPage(PageRequest(window: Fixtures.window, cursor: cursor, limit: limit))
            for item in page.items {
                ids.append(item.id)
                for attachment in item.attachments {
                    do {
                        attachments[attachment.id] = .success(try await Fixtures.bytes(of: attachment))
                    } catch let error as ArchiverError where error.scope == .item {
                        attachments[attachment.id] = .failure(error)
                    }
                }
            }
            invalid += page.invalidRecords
            cursor = page.nextCursor
        } while cursor != nil
        return (ids, invalid, attachments)
    }

    func expectFixtureContent(
        _ result: (ids: [String], invalid: [InvalidRecord], attachments: [String: Result<[UInt8], ArchiverError>])
    ) throws {
        #expect(result.ids == Fixtures.itemIDs)
        // The fake server cannot embed the line that is not JSON in a JSON page: only the item with a bad phone.
        #expect(result.invalid.map(\.itemID) == ["wa-010"])
        #expect(result.invalid.first?.position.hasPrefix("page ") == true)
        for id in ["att-offer.pdf", "att-photo"] {
            let expected = try Array(
                Data(contentsOf: URL(fileURLWithPath: Fixtures.exportDirectory + "/attachments/" + id))
            )
            #expect(try result.attachments[id]?.get() == expected, "\(id)")
        }
        if case .failure(let error) = result.attachments["att-gone"] {
            #expect(error.code == .attachmentMissing)
        } else {
            Issue.record("att-gone should be missing")
        }
        if case .failure(let error) = result.attachments["att-corrupt"] {
            #expect(error.code == .attachmentIntegrity)
        } else {
            Issue.record("att-corrupt should fail its digest")
        }
    }

    @Test func readsTheWindowAndItsAttachments() async throws {
        let server = try FakeTeleMessageServer()
        defer { server.stop() }
        let transport = try transport(server)
        let source = TeleMessageSource(transport: transport)
        try expectFixtureContent(try await readEverything(source, limit: 4))
        await source.close()
        #expect(transport.signInCount == 1)
        #expect(try server.stats()["pages"] == 3)
    }

    @Test func survivesEveryTransientFault() async throws {
        let server = try FakeTeleMessageServer(faults: [
            "--fail-every", "3", "--rate-limit-every", "5", "--truncate-every", "7", "--token-requests", "4",
            "--break-downloads-every", "2", "--slow-every", "11", "--slow-seconds", "3",
        ])
        defer { server.stop() }
        let sleeps = SleepRecorder()
        // The faults come every Nth request the server sees, whoever sends it: with attachments fetched ahead
        // beside the paging, and one-second timeouts on a loaded machine, one request can meet several faults in a
        // row. Sixteen attempts keep the test about surviving each fault, not about how they happen to line up.
        let transport = try transport(server, sleeps: sleeps, timeout: 1, attempts: 16)
        let source = TeleMessageSource(transport: transport)
        try expectFixtureContent(try await readEverything(source, limit: 3))
        await source.close()
        let stats = try server.stats()
        for fault in [
            "status5xx", "status429", "truncated", "expiredTokens", "brokenDownloads", "rangeRequests", "slow",
        ] {
            #expect((stats[fault] ?? 0) > 0, "the fault \(fault) was injected")
        }
        #expect(transport.signInCount > 1, "expired tokens were renewed")
        #expect(!sleeps.recorded.isEmpty)
        #expect(sleeps.recorded.contains { $0 >= .seconds(1) }, "Retry-After: 1 was honoured")
    }

    @Test func resumesABrokenDownloadFromScratchWithoutRangeSupport() async throws {
        let server = try FakeTeleMessageServer(faults: ["--break-downloads-every", "4", "--no-ranges"])
        defer { server.stop() }
        let source = TeleMessageSource(transport: try transport(server))
        try expectFixtureContent(try await readEverything(source))
        await source.close()
        let stats = try server.stats()
        #expect((stats["brokenDownloads"] ?? 0) > 0)
        #expect(stats["rangeRequests"] == 0)
    }

    @Test func wrongCredentialsStopTheRunWithoutRevealingThePassword() async throws {
        let server = try FakeTeleMessageServer()
        defer { server.stop() }
        let secret = "hunter2-wrong-secret"
        let transport = try transport(server, password: secret)
        let error = await #expect(throws: ArchiverError.self) {
            _ = try await transport.fetchRecords(PageRequest(window: Fixtures.window))
        }
        #expect(error?.code == .authenticationFailed)
        #expect(error?.scope == .run)
        #expect(error?.message.contains(FakeTeleMessageServer.username) == true)
        #expect(error.map { String(describing: $0) }?.contains(secret) == false)
        #expect(!String(describing: transport.credentials).contains(secret))
        var dumped = ""
        dump(transport.credentials, to: &dumped)
        #expect(!dumped.contains(secret))
        #expect(try server.stats()["rejectedSignIns"] == 1, "a rejected sign-in is not retried")
        await transport.close()
    }

    @Test func verifyCredentialsSignsInBeforeAnythingIsRead() async throws {
        let server = try FakeTeleMessageServer()
        defer { server.stop() }
        let transport = try transport(server)
        try await transport.verifyCredentials()
        #expect(transport.signInCount == 1)
        #expect(try server.stats()["pages"] == nil || server.stats()["pages"] == 0)
        await transport.close()
    }

    @Test func givesUpAfterTheRetryBudgetWithAClearError() async throws {
        let server = try FakeTeleMessageServer(faults: ["--fail-every", "1"])
        defer { server.stop() }
        let sleeps = SleepRecorder()
        let transport = try transport(server, sleeps: sleeps, attempts: 4)
        let error = await #expect(throws: ArchiverError.self) {
            _ = try await transport.fetchRecords(PageRequest(window: Fixtures.window))
        }
        #expect(error?.code == .sourceUnavailable)
        #expect(error?.scope == .run)
        #expect(error?.message.contains("after 4 attempts") == true)
        #expect(error?.message.contains("checkpoint unchanged") == true)
        #expect(sleeps.recorded.count == 3)
        #expect(try server.stats()["requests"] == 4)
        await transport.close()
    }

    @Test func honoursRetryAfter() async throws {
        let server = try FakeTeleMessageServer(faults: ["--rate-limit-every", "1", "--retry-after", "7"])
        defer { server.stop() }
        let sleeps = SleepRecorder()
        let transport = try transport(server, sleeps: sleeps, attempts: 3)
        await #expect(throws: ArchiverError.self) {
            _ = try await transport.fetchRecords(PageRequest(window: Fixtures.window))
        }
        #expect(sleeps.recorded == [.seconds(7), .seconds(7)])
        await transport.close()
    }

    @Test func downloadsArePrivateAndDeletedWhenNoLongerNeeded() async throws {
        let server = try FakeTeleMessageServer()
        defer { server.stop() }
        let scratch = try Fixtures.scratchDirectory()
        let transport = try transport(server, temporaryDirectory: scratch)
        let file = try await transport.fetchAttachment(id: "att-photo", declaredSize: 3008)
        #expect(file.isTemporary)
        let directory = URL(fileURLWithPath: file.path).deletingLastPathComponent().path
        #expect(directory.hasPrefix(scratch))
        let fileMode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(directoryMode == 0o700)
        await transport.close()
        #expect(!FileManager.default.fileExists(atPath: directory))

        // Through the source: the files of a page (its small attachments are fetched ahead, in order) are deleted
        // when the next page is fetched.
        let source = TeleMessageSource(transport: try self.transport(server, temporaryDirectory: scratch))
        let page = try await source.fetchPage(PageRequest(window: Fixtures.window, limit: 2))
        let offer = try #require(page.items.last?.attachments.first)
        _ = try await Fixtures.bytes(of: offer)
        let downloads = { try FileManager.default.subpathsOfDirectory(atPath: scratch).filter { $0.contains("att-") } }
        let firstPage = Set(try downloads())
        #expect(firstPage.count == page.items.flatMap(\.attachments).count)
        #expect(!firstPage.isEmpty)
        _ = try await source.fetchPage(PageRequest(window: Fixtures.window, cursor: page.nextCursor, limit: 2))
        #expect(Set(try downloads()).isDisjoint(with: firstPage))
        await source.close()
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch).isEmpty)
    }

    @Test func aFanOutDownloadsOnce() async throws {
        let server = try FakeTeleMessageServer()
        defer { server.stop() }
        let source = TeleMessageSource(transport: try transport(server))
        let page = try await source.fetchPage(PageRequest(window: Fixtures.window, limit: 3))
        let item = try #require(page.items.first { $0.id == "wa-002" })
        for _ in 0..<3 {
            for attachment in item.attachments { _ = try await Fixtures.bytes(of: attachment) }
        }
        let gone = try #require(page.items.first { $0.id == "wa-003" }?.attachments.first)
        for _ in 0..<3 { _ = try? await gone.content.open() }
        #expect(try server.stats()["attachments"] == 2)
        #expect(try server.stats()["requests"] == 1 + 1 + 2 + 1, "sign-in, page, two downloads, one 404")
        await source.close()
    }

    @Test func anUnreachableSourceStopsTheRunWithTheCheckpointUnchanged() async throws {
        let server = try FakeTeleMessageServer(faults: ["--fail-every", "1"])
        defer { server.stop() }
        let sink = RecordingSink()
        let checkpoints = InMemoryCheckpointStore()
        let connector = Connector(
            source: TeleMessageSource(transport: try transport(server, attempts: 3)),
            mapper: StaticMapper(),
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: checkpoints
        )
        let error = await #expect(throws: ArchiverError.self) { _ = try await connector.run(window: Fixtures.window) }
        #expect(error?.code == .sourceUnavailable)
        #expect(checkpoints.checkpoint == nil)
        #expect(sink.messages.isEmpty)
    }

    /// The connector over HTTP with faults on, then the same window again: nothing is added.
    @Test func connectorRunWithFaultsThenRerun() async throws {
        let server = try FakeTeleMessageServer(faults: [
            "--fail-every", "4", "--rate-limit-every", "9", "--truncate-every", "6", "--token-requests", "5",
            "--break-downloads-every", "3",
        ])
        defer { server.stop() }
        let sink = RecordingSink()
        var configuration = Connector.Configuration()
        configuration.pageSize = 2
        let connector = Connector(
            source: TeleMessageSource(transport: try transport(server, attempts: 8)),
            mapper: StaticMapper(),
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        )
        let report = try await connector.run(window: Fixtures.window)
        #expect(report.itemsFromSource == 11)
        #expect(report.imported == 18)
        #expect(report.partiallyImported == 2)
        #expect(report.failed == 1)
        #expect(report.invariantHolds)
        let rerun = try await connector.run(window: Fixtures.window)
        #expect(rerun.skippedDuplicates == 20)
        #expect(rerun.imported + rerun.partiallyImported == 0)
        #expect(sink.messages.count == 20)
    }
}

struct HTTPTransportConfigurationTests {
    func make(_ url: String) throws -> HTTPTransport {
        try HTTPTransport(
            configuration: .init(baseURL: URL(string: url)!),
            credentials: TeleMessageCredentials(username: "u") { "p" }
        )
    }

    @Test(arguments: [
        "https://archive.example.com", "https://archive.example.com/tenant/", "http://127.0.0.1:8080",
        "http://127.10.0.1", "http://localhost:9", "http://[::1]:8080",
    ])
    func acceptsHTTPSAndLoopbackHTTP(_ url: String) throws {
        _ = try make(url)
    }

    @Test(arguments: [
        "http://archive.example.com", "http://128.0.0.1", "http://127.0.0.1.evil.example", "ftp://archive.example.com",
        "https://user:secret@archive.example.com", "https://archive.example.com/?x=1", "archive.example.com",
    ])
    func refusesEverythingElse(_ url: String) {
        let error = #expect(throws: ArchiverError.self) { _ = try make(url) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("secret") == false)
    }

    @Test func aMissingPasswordVariableIsAClearError() throws {
        let credentials = TeleMessageCredentials.environment(
            username: "ops",
            variable: "TM_TEST_UNSET",
            environment: [:]
        )
        #expect(credentials.description == "TeleMessageCredentials(username: ops, password: <redacted>)")
        let fromEnvironment = TeleMessageCredentials.environment(
            username: "ops",
            variable: "TM_TEST_SET",
            environment: ["TM_TEST_SET": "s3cret"]
        )
        #expect(!fromEnvironment.description.contains("s3cret"))
        #expect(!fromEnvironment.debugDescription.contains("s3cret"))
        #expect(!String(reflecting: fromEnvironment).contains("s3cret"))
    }
}

struct RetryPolicyTests {
    @Test func delaysGrowExponentiallyWithJitterUpToTheCap() {
        let policy = RetryPolicy(
            maximumAttempts: 10,
            initialDelay: .seconds(1),
            maximumDelay: .seconds(8),
            maximumRetryAfter: .seconds(60)
        )
        let low = (1...6).map { policy.delay(beforeRetry: $0, retryAfter: nil, unitRandom: 0) }
        let high = (1...6).map { policy.delay(beforeRetry: $0, retryAfter: nil, unitRandom: 1) }
        #expect(low == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4), .seconds(4)])
        #expect(high == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(30), unitRandom: 0.5) == .seconds(30))
        #expect(policy.delay(beforeRetry: 1, retryAfter: .seconds(3600), unitRandom: 0.5) == .seconds(60))
        #expect(policy.delay(beforeRetry: 100, retryAfter: nil, unitRandom: 1) == .seconds(8))
    }
}

struct RetryAfterTests {
    @Test(
        arguments: [
            ("7", Duration.seconds(7)), (" 0 ", .seconds(0)), ("Wed, 25 Nov 2026 01:02:03 GMT", .seconds(123)),
            ("Wed, 25 Nov 2026 00:00:00 GMT", .seconds(0)),
        ] as [(String, Duration?)]
    )
    func parsesSecondsAndHTTPDates(header: String, expected: Duration?) {
        let now = RFC3339.parse("2026-11-25T01:00:00Z")!
        #expect(HTTPTransport.retryAfter(header, now: now) == expected)
    }

    @Test(arguments: ["-1", "soon", "2026-11-25T01:02:03Z", ""])
    func ignoresAnythingElse(header: String) {
        #expect(HTTPTransport.retryAfter(header) == nil)
    }
}
