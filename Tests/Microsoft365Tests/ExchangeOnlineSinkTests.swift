import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

@testable import Microsoft365

/// The sink against the fake's faults: lost answers, throttling, the concurrency limit, tokens, folder races,
/// paging, retries that run out, refusals, redirects.
@Suite(.serialized)
struct ExchangeOnlineSinkTests {
    static let alice = "alice@contoso.com"

    @Test func aWriteWhoseAnswerWasLostIsCheckedAndNeverStoredTwice() async throws {
        let fake = try FakeGraph(mailboxes: [Self.alice], arguments: ["--drop-every", "2"])
        let sink = try SinkFixtures.sink(fake)
        for index in 0..<20 {
            let outcome = try await SinkFixtures.store(
                sink,
                SinkFixtures.delivery("lost-\(index)@test", to: Self.alice)
            )
            #expect(outcome.status == .stored)
        }
        let copies = try SinkFixtures.copies(fake, Self.alice)
        #expect(copies.count == 20)
        #expect(copies.values.allSatisfy { $0 == 1 })
        let stats = try fake.stats()
        #expect(stats["droppedAnswers"]! >= 5)
        #expect(stats["messageLookups"]! >= stats["droppedAnswers"]! - 1)
    }

    @Test func throttlingAndUnavailabilityAreWaitedOutNotFought() async throws {
        let fake = try FakeGraph(
            mailboxes: [Self.alice],
            arguments: ["--throttle-every", "3", "--unavailable-every", "7", "--retry-after", "0"]
        )
        let sink = try SinkFixtures.sink(fake)
        for index in 0..<30 {
            _ = try await sink.deliver(SinkFixtures.delivery("busy-\(index)@test", to: Self.alice))
        }
        let receipt = try await sink.commit()
        #expect(receipt.settled.count == 30)
        #expect(receipt.settled.allSatisfy { $0.outcome.status == .stored })
        let copies = try SinkFixtures.copies(fake, Self.alice)
        #expect(copies.count == 30)
        #expect(copies.values.allSatisfy { $0 == 1 })
        let stats = try fake.stats()
        #expect(stats["throttled"]! > 5)
        #expect(stats["unavailable"]! > 2)
    }

    @Test func atMostFourRequestsAreInFlightPerMailboxAndMailboxesAreServedConcurrently() async throws {
        let mailboxes = (0..<5).map { "user\($0)@contoso.com" }
        let fake = try FakeGraph(mailboxes: mailboxes, arguments: ["--latency-ms", "40"])
        let sink = try SinkFixtures.sink(fake)
        // deliver answers accepted and returns: one caller, one delivery after the other, keeps every lane busy.
        for index in 0..<16 {
            for mailbox in mailboxes {
                let outcome = try await sink.deliver(SinkFixtures.delivery("c-\(index)@\(mailbox)", to: mailbox))
                #expect(outcome.outcomes[0].status == .accepted)
            }
        }
        let receipt = try await sink.commit()
        #expect(receipt.deliveries == 80)
        #expect(receipt.settled.allSatisfy { $0.outcome.status == .stored })
        let stats = try fake.stats()
        #expect(stats["concurrencyThrottled"] == 0)
        #expect(stats["maxInFlightPerMailbox"] == 4)
        #expect(stats["maxInFlight"]! > 4)
        for mailbox in mailboxes { #expect(try SinkFixtures.copies(fake, mailbox).count == 16) }
    }

    @Test func aTokenIsRenewedBeforeItExpiresAndAfterA401() async throws {
        let fake = try FakeGraph(mailboxes: [Self.alice], arguments: ["--token-lifetime", "2"])
        let sink = try SinkFixtures.sink(fake)
        _ = try await SinkFixtures.store(sink, SinkFixtures.delivery("t-1@test", to: Self.alice))
        try await Task.sleep(for: .milliseconds(2100))
        _ = try await SinkFixtures.store(sink, SinkFixtures.delivery("t-2@test", to: Self.alice))
        #expect(try fake.stats()["tokens"] == 2)
        #expect(try fake.stats()["expiredTokens"] == 0)

        let provider = StaleFirstProvider(real: try SinkFixtures.provider(fake))
        let second = try SinkFixtures.sink(fake, provider: provider)
        _ = try await SinkFixtures.store(second, SinkFixtures.delivery("t-3@test", to: Self.alice))
        #expect(provider.calls.withLock { $0 } == 2)
        #expect(try SinkFixtures.copies(fake, Self.alice).count == 3)
    }

    @Test func twoRunsCreatingTheFolderAtOnceMakeOneFolder() async throws {
        let fake = try FakeGraph(mailboxes: [Self.alice], arguments: ["--latency-ms", "30"])
        let sinks = try (0..<4).map { _ in try SinkFixtures.sink(fake) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, sink) in sinks.enumerated() {
                group.addTask {
                    _ = try await SinkFixtures.store(sink, SinkFixtures.delivery("f-\(index)@test", to: Self.alice))
                }
            }
            try await group.waitForAll()
        }
        #expect(try fake.folders(Self.alice).count == 1)
        #expect(try SinkFixtures.copies(fake, Self.alice).count == 4)
    }

    @Test func withoutTheJournalTheFolderIsListedPageByPage() async throws {
        let fake = try FakeGraph(mailboxes: [Self.alice], arguments: ["--page-size", "7"])
        let first = try SinkFixtures.sink(fake)
        for index in 0..<30 { _ = try await first.deliver(SinkFixtures.delivery("p-\(index)@test", to: Self.alice)) }
        _ = try await first.commit()
        let before = try fake.stats()
        let second = try SinkFixtures.sink(fake)
        for index in 0..<30 {
            let result = try await second.deliver(SinkFixtures.delivery("p-\(index)@test", to: Self.alice))
            #expect(result.outcomes[0].status == .duplicate)
        }
        let after = try fake.stats()
        #expect(after["messageListings"]! - before["messageListings"]! == 5)
        #expect(after["requests"]! - before["requests"]! == 6)  // the folder lookup and 5 pages
        #expect(try SinkFixtures.copies(fake, Self.alice).count == 30)
    }

    @Test func retriesThatRunOutStopTheRun() async throws {
        let fake = try FakeGraph(
            mailboxes: [Self.alice],
            arguments: ["--unavailable-every", "1", "--retry-after", "0"]
        )
        let sink = try SinkFixtures.sink(fake, attempts: 3)
        await #expect {
            _ = try await SinkFixtures.store(sink, SinkFixtures.delivery("r-1@test", to: Self.alice))
        } throws: { error in
            let error = error as? ArchiverError
            return error?.code == .destinationUnavailable && error?.scope == .run
        }
        #expect(try fake.stats()["requests"] == 3)
    }

    @Test func aMessageTheServiceRefusesFailsThatPairWithTheServiceCode() async throws {
        let fake = try FakeGraph(mailboxes: [Self.alice], arguments: ["--reject-containing", "POISON"])
        let sink = try SinkFixtures.sink(fake)
        let refused = try await SinkFixtures.store(
            sink,
            SinkFixtures.delivery("x-1@test", to: Self.alice, text: "POISON")
        )
        #expect(refused.status == .refused)
        #expect(refused.problem?.code == .rejectedByService)
        #expect(refused.problem?.scope == .item)
        #expect(refused.problem?.message.contains("ErrorMimeContentConversionFailed") == true)
        let fine = try await SinkFixtures.store(sink, SinkFixtures.delivery("x-2@test", to: Self.alice))
        #expect(fine.status == .stored)
    }

    @Test func aRedirectIsNeverFollowed() async throws {
        let fake = try FakeGraph(mailboxes: [Self.alice], arguments: ["--redirect", "mallory@contoso.com"])
        let sink = try SinkFixtures.sink(fake)
        await #expect {
            _ = try await SinkFixtures.store(sink, SinkFixtures.delivery("d-1@test", to: "mallory@contoso.com"))
        } throws: { error in
            (error as? ArchiverError)?.code == .protocolViolation
        }
    }

    @Test func secretsAndTokensNeverShow() throws {
        let secret = ClientSecret("hunter2-secret")
        #expect(!"\(secret)".contains("hunter2"))
        let token = M365AccessToken(value: "eyJ.secret-token.sig", expiresAt: Date())
        #expect(!"\(token)".contains("secret-token"))
        #expect(!String(reflecting: token).contains("secret-token"))
        for url in ["http://login.example.com", "ftp://127.0.0.1", "https://user:pw@login.example.com"] {
            #expect(throws: ArchiverError.self) {
                _ = try ClientSecretTokenProvider(
                    loginURL: URL(string: url)!,
                    tenant: "contoso.com",
                    clientID: "id",
                    secret: secret,
                    graphURL: URL(string: "https://graph.microsoft.com")!
                )
            }
        }
        #expect(GraphEndpoint.mayCarryCredentials(URL(string: "http://127.0.0.1:8080/x")!))
        #expect(!GraphEndpoint.mayCarryCredentials(URL(string: "http://127.0.0.1.example.com/x")!))
    }
}

/// The windows of messages in flight give their places back.
struct ExchangeOnlineSinkWindowTests {
    @Test func manyMessagesOverSixtyFourKiBAllGoIn() async throws {
        let fake = try FakeGraph(mailboxes: ["alice@contoso.com"])
        var configuration = ExchangeOnlineSink.Configuration(
            graphURL: fake.baseURL,
            stateDirectory: try fake.scratch()
        )
        configuration.largeMessagesInFlight = 2
        configuration.messagesInFlight = 3
        let sink = try ExchangeOnlineSink(configuration: configuration, tokenProvider: try SinkFixtures.provider(fake))
        let text = String(repeating: "a long line of text. ", count: 5000)  // about 100 KiB
        for index in 0..<12 {
            _ = try await sink.deliver(SinkFixtures.delivery("w-\(index)@test", to: "alice@contoso.com", text: text))
            _ = try await sink.deliver(SinkFixtures.delivery("s-\(index)@test", to: "alice@contoso.com"))
        }
        let receipt = try await sink.commit()
        #expect(receipt.settled.count == 24)
        #expect(try SinkFixtures.copies(fake, "alice@contoso.com").count == 24)
    }
}
