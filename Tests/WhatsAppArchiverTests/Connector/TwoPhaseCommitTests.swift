import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// The connector seals a batch and waits for it only at the next commit point: deliveries go on while the sink
/// makes the previous batch durable, and the checkpoint still moves only over durable items.
struct TwoPhaseCommitTests {
    /// A recording sink whose first batch becomes durable only once the connector has delivered the next batch too
    /// (or after ten seconds): a connector that waited for a batch before delivering again would never get there.
    final class SlowCommitSink: MailboxSink {
        let inner = RecordingSink()
        private let state = Mutex((deliveries: 0, waits: 0, waitsAtOnce: 0, mostAtOnce: 0))
        private let firstCommitSawTheNextBatch = Mutex(false)
        let nextBatchEndsAt: Int

        init(nextBatchEndsAt: Int) {
            self.nextBatchEndsAt = nextBatchEndsAt
        }

        var deliveredTheNextBatchDuringTheFirstCommit: Bool { firstCommitSawTheNextBatch.withLock { $0 } }
        var mostCommitsAtOnce: Int { state.withLock { $0.mostAtOnce } }

        func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
            state.withLock { $0.deliveries += delivery.mailboxes.count }
            return try await inner.deliver(delivery)
        }

        func seal() async throws -> SealedBatch {
            try await inner.seal()
        }

        func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt {
            let number = state.withLock {
                $0.waits += 1
                $0.waitsAtOnce += 1
                $0.mostAtOnce = max($0.mostAtOnce, $0.waitsAtOnce)
                return $0.waits
            }
            defer { state.withLock { $0.waitsAtOnce -= 1 } }
            if number == 1 {
                for _ in 0..<10_000 where state.withLock({ $0.deliveries }) < nextBatchEndsAt {
                    try await Task.sleep(for: .milliseconds(1))
                }
                firstCommitSawTheNextBatch.withLock { $0 = state.withLock { $0.deliveries } >= nextBatchEndsAt }
            }
            return try await inner.waitUntilDurable(batch)
        }
    }

    /// Checks, at every save, that each item captured before the new position is durable in the sink.
    final class CheckingCheckpointStore: CheckpointStore {
        let sink: RecordingSink
        let items: [Item]
        private let saved = Mutex<[Checkpoint]>([])
        private let violations = Mutex<[String]>([])

        init(sink: RecordingSink, items: [Item]) {
            self.sink = sink
            self.items = items
        }

        var history: [Checkpoint] { saved.withLock { $0 } }
        var problems: [String] { violations.withLock { $0 } }

        func load() async throws -> Checkpoint? { saved.withLock { $0.last } }

        func save(_ checkpoint: Checkpoint) async throws {
            let durable = Set(sink.messages.map(\.itemID))
            for item in items where item.capturedAt < checkpoint.position && !durable.contains(item.id) {
                violations.withLock { $0.append("\(item.id) before \(checkpoint.position) is not durable") }
            }
            saved.withLock { $0.append(checkpoint) }
        }
    }

    @Test func deliveriesGoOnDuringACommitAndTheCheckpointCoversOnlyDurableItems() async throws {
        let items = (0..<120).map { SampleItems.message(id: String(format: "bg-%03d", $0), offset: Double($0) * 60) }
        let sink = SlowCommitSink(nextBatchEndsAt: 20)
        let checkpoints = CheckingCheckpointStore(sink: sink.inner, items: items)
        var configuration = Connector.Configuration()
        configuration.clock = FixedClock("2026-11-24T00:00:00Z")
        configuration.commitEveryDeliveries = 10
        let report = try await Connector(
            source: InMemorySource(items: items),
            mapper: StaticMapper(),
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: checkpoints,
            configuration: configuration
        ).run(
            window: TimeWindow(
                from: RFC3339.parse("2026-11-23T00:00:00Z")!,
                until: RFC3339.parse("2026-11-24T00:00:00Z")!
            )
        )

        #expect(report.imported == 240)
        #expect(sink.inner.messages.count == 240)
        #expect(sink.inner.pendingCount == 0)
        #expect(sink.deliveredTheNextBatchDuringTheFirstCommit)
        #expect(sink.mostCommitsAtOnce == 1)
        #expect(checkpoints.problems.isEmpty, "\(checkpoints.problems)")
        #expect(checkpoints.history.count > 10)
        #expect(checkpoints.history.map(\.position) == checkpoints.history.map(\.position).sorted())
        #expect(checkpoints.history.last?.position == RFC3339.parse("2026-11-24T00:00:00Z"))
    }
}
