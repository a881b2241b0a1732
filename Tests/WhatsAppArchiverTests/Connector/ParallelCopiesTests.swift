import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// `copiesInParallel` attempts an item's copies at the same time; the report must be exactly the one the
/// sequential run gives (same counts, failures and partials in the same order) and the sink must hold the same
/// messages.
struct ParallelCopiesTests {
    private static let people: [Party] = [
        SampleItems.alice, SampleItems.carol, SampleItems.bernd,
        Party(phone: "+4479460000", name: "Dave"),
        Party(phone: "+4479460001", name: "Erin", email: "erin@contoso.com"),
        Party(phone: "+4479460002", name: "Frank", email: "frank@contoso.com"),
    ]

    private static func items(seed: Int) -> [Item] {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<30).map { index in
            let sender = people[next(people.count)]
            let recipients = people.filter { $0 != sender && next(3) > 0 }
            return SampleItems.message(
                id: "p\(seed)-\(index)",
                offset: Double(index),
                from: sender,
                to: recipients,
                attachments: next(4) == 0 ? [SampleItems.missingAttachment(id: "a\(index)")] : []
            )
        }
    }

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
            mapper: StaticMapper(["+4479460000": MailboxAddress("dave@contoso.com")!]),
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        ).run()
    }

    @Test(arguments: 0..<12)
    func reportAndMessagesMatchTheSequentialRun(seed: Int) async throws {
        let items = Self.items(seed: seed)
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
            to: [SampleItems.carol, Self.people[4], Self.people[5]]
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
