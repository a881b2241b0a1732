import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

struct MailboxSinkConformanceTests {
    @Test(arguments: [false, true])
    func theRecordingSinkConforms(answersAccepted: Bool) async {
        let storage = RecordingSink(answersAccepted: answersAccepted)
        let failures = await MailboxSinkConformance { storage }.run()
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test(arguments: [false, true])
    func anActorSinkConforms(answersAccepted: Bool) async {
        let store = ActorSink.Store()
        let failures = await MailboxSinkConformance { ActorSink(store: store, answersAccepted: answersAccepted) }.run()
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test(arguments: [false, true])
    func anActorSinkRunsTheConnector(answersAccepted: Bool) async throws {
        let items = FanOutItems.items(seed: 5, prefix: "actor")
        let sink = ActorSink(answersAccepted: answersAccepted)
        var configuration = Connector.Configuration()
        configuration.clock = FixedClock("2026-11-24T00:00:00Z")
        configuration.commitEveryDeliveries = 4
        let connector = Connector(
            source: InMemorySource(items: items),
            mapper: FanOutItems.mapper,
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        )
        let window = try TimeWindow(
            from: RFC3339.parse("2026-11-23T00:00:00Z")!,
            until: RFC3339.parse("2026-11-24T00:00:00Z")!
        )
        let report = try await connector.run(window: window)
        #expect(report.invariantHolds)
        #expect(report.imported + report.partiallyImported > 30)
        #expect(await sink.durableMessages.count == report.imported + report.partiallyImported)
        let rerun = try await connector.run(window: window)
        #expect(rerun.skippedDuplicates == report.imported + report.partiallyImported)
        #expect(rerun.imported == 0)
        try await sink.close()
    }

    /// The check must catch a sink that never recognises a duplicate and forgets everything on restart.
    @Test func aSinkWithoutDeduplicationFails() async {
        let failures = await MailboxSinkConformance { ForgetfulSink() }.run()
        let names = Set(failures.map(\.check))
        #expect(names.contains("same Message-ID before commit is a duplicate"))
        #expect(names.contains("same Message-ID after commit is a duplicate"))
        #expect(names.contains("a committed delivery survives a restart: a new instance sees a duplicate"))
    }

    /// A sink that keeps a half-written message as delivered is caught by the retry check.
    @Test func aSinkThatKeepsHalfWrittenMessagesFails() async {
        let shared = HalfWritingSink()
        let failures = await MailboxSinkConformance { shared }.run()
        #expect(failures.map(\.check).contains("a failed delivery leaves nothing behind: a retry is stored"))
    }

    /// A sink that answers accepted and never settles is caught.
    @Test func aSinkThatNeverSettlesFails() async {
        let failures = await MailboxSinkConformance { NeverSettlingSink() }.run()
        #expect(failures.map(\.check).contains("a commit settles every accepted delivery of its batch as stored"))
    }

    /// A sink whose seal takes every delivery so far, including the ones made after an earlier seal, is caught.
    @Test func aSinkThatIgnoresSealsFails() async {
        let failures = await MailboxSinkConformance { SealIgnoringSink() }.run()
        #expect(failures.map(\.check).contains("a delivery made after a seal belongs to the next batch"))
    }
}

private struct ForgetfulSink: MailboxSink {
    func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        let count = Int64(try await delivery.message.body.collect().count)
        return DeliveryResult(outcomes: delivery.mailboxes.map { .stored($0, byteCount: count) })
    }

    func seal() async throws -> SealedBatch { SealedBatch(sequence: 1, deliveries: 2) }
}

private struct NeverSettlingSink: MailboxSink {
    func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        _ = try await delivery.message.body.collect()
        return DeliveryResult(outcomes: delivery.mailboxes.map { .accepted($0) })
    }

    func seal() async throws -> SealedBatch { SealedBatch(sequence: 1, deliveries: 2) }
}

/// Counts every delivery since it was created into each batch.
private final class SealIgnoringSink: PerMailboxSink {
    private let inner = RecordingSink()
    private let total = Mutex(0)
    private let innerBatches = Mutex<[Int: SealedBatch]>([:])

    func deliver(_ delivery: MailboxDelivery) async throws -> MailboxOutcome {
        let outcome = try await inner.deliver(delivery)
        if outcome.status == .stored { total.withLock { $0 += 1 } }
        return outcome
    }

    func seal() async throws -> SealedBatch {
        let batch = try await inner.seal()
        innerBatches.withLock { $0[batch.sequence] = batch }
        return SealedBatch(sequence: batch.sequence, deliveries: total.withLock { $0 })
    }

    func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt {
        let innerBatch = innerBatches.withLock { $0.removeValue(forKey: batch.sequence) } ?? batch
        return try await inner.waitUntilDurable(innerBatch)
    }
}

/// Marks a message as present before its body is written, so a failed write leaves a phantom behind.
private final class HalfWritingSink: PerMailboxSink {
    private let seen = Mutex(Set<String>())
    private let pending = Mutex(0)

    func deliver(_ delivery: MailboxDelivery) async throws -> MailboxOutcome {
        guard seen.withLock({ $0.insert("\(delivery.mailbox)/\(delivery.message.messageID)").inserted }) else {
            return .duplicate(delivery.mailbox)
        }
        let bytes = try await delivery.message.body.collect()
        pending.withLock { $0 += 1 }
        return .stored(delivery.mailbox, byteCount: Int64(bytes.count))
    }

    func seal() async throws -> SealedBatch {
        SealedBatch(
            sequence: 1,
            deliveries: pending.withLock { count in
                defer { count = 0 }
                return count
            }
        )
    }
}
