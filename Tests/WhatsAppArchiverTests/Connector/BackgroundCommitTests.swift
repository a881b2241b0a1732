import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// With a sink that allows deliveries during a commit, the connector commits in the background: deliveries go on
/// while the sink makes the previous batch durable, and the checkpoint still moves only over durable items.
struct BackgroundCommitTests {
    /// A recording sink whose first commit returns only once the connector has delivered the next batch too
    /// (or after ten seconds): a connector that waited for the commit before delivering again would never get there.
    final class SlowCommitSink: MailboxSink {
        let inner = RecordingSink(allowsDeliveriesDuringCommit: true)
        private let state = Mutex((deliveries: 0, commits: 0, commitsAtOnce: 0, mostAtOnce: 0))
        private let firstCommitSawTheNextBatch = Mutex(false)
        let nextBatchEndsAt: Int

        init(nextBatchEndsAt: Int) {
            self.nextBatchEndsAt = nextBatchEndsAt
        }

        var allowsDeliveriesDuringCommit: Bool { true }
        var deliveredTheNextBatchDuringTheFirstCommit: Bool { firstCommitSawTheNextBatch.withLock { $0 } }
        var mostCommitsAtOnce: Int { state.withLock { $0.mostAtOnce } }

        func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
            state.withLock { $0.deliveries += 1 }
            return try await inner.deliver(delivery)
        }

        func commit() async throws -> CommitReceipt {
            let number = state.withLock {
                $0.commits += 1
                $0.commitsAtOnce += 1
                $0.mostAtOnce = max($0.mostAtOnce, $0.commitsAtOnce)
                return $0.commits
            }
            defer { state.withLock { $0.commitsAtOnce -= 1 } }
            if number == 1 {
                for _ in 0..<10_000 where state.withLock({ $0.deliveries }) < nextBatchEndsAt {
                    try await Task.sleep(for: .milliseconds(1))
                }
                firstCommitSawTheNextBatch.withLock { $0 = state.withLock { $0.deliveries } >= nextBatchEndsAt }
            }
            return try await inner.commit()
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
