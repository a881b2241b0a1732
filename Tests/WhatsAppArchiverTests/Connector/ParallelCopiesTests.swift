import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// `copiesInParallel` attempts an item's copies at the same time; the report must be exactly the one the
/// sequential run gives (same counts, failures and partials in the same order) and the sink must hold the same
/// messages.
struct ParallelCopiesTests {
    private static func run(
        _ items: [Item],
        copiesInParallel: Int,
        sink: some MailboxSink
    ) async throws -> RunReport {
        var configuration = Connector.Configuration()
        configuration.clock = FixedClock("2026-11-24T00:00:00Z")
        configuration.commitEveryDeliveries = 7
        configuration.copiesInParallel = copiesInParallel
        return try await Connector(
            source: InMemorySource(items: items),
            mapper: FanOutItems.mapper,
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        ).run()
    }

    @Test(arguments: 0..<12)
    func reportAndMessagesMatchTheSequentialRun(seed: Int) async throws {
        let items = FanOutItems.items(seed: seed, prefix: "p")
        let sequentialSink = RecordingSink()
        let sequential = try await Self.run(items, copiesInParallel: 1, sink: sequentialSink)
        let parallelSink = RecordingSink()
        let parallel = try await Self.run(items, copiesInParallel: 4, sink: parallelSink)
        #expect(sequential.imported + sequential.partiallyImported > 30)
        #expect(parallel == sequential)
        #expect(Set(parallelSink.messages) == Set(sequentialSink.messages))
    }

    /// A sink that holds each delivery for a while and records how many were in flight at once.
    final class SlowSink: MailboxSink {
        private let inner = RecordingSink()
        private let inFlight = Mutex((now: 0, most: 0))

        var mostInFlight: Int { inFlight.withLock { $0.most } }

        func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
            inFlight.withLock {
                $0.now += 1
                $0.most = max($0.most, $0.now)
            }
            defer { inFlight.withLock { $0.now -= 1 } }
            try await Task.sleep(for: .milliseconds(20))
            return try await inner.deliver(delivery)
        }

        func commit() async throws -> CommitReceipt {
            try await inner.commit()
        }
    }

    @Test func copiesOfOneItemAreInFlightTogether() async throws {
        let item = SampleItems.message(
            id: "group-1",
            from: SampleItems.alice,
            to: [SampleItems.carol, FanOutItems.people[4], FanOutItems.people[5]]
        )
        let parallelSink = SlowSink()
        let report = try await Self.run([item], copiesInParallel: 4, sink: parallelSink)
        #expect(report.imported == 4)
        #expect(parallelSink.mostInFlight > 1)

        let sequentialSink = SlowSink()
        _ = try await Self.run([item], copiesInParallel: 1, sink: sequentialSink)
        #expect(sequentialSink.mostInFlight == 1)
    }
}
