import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// One fan-out path: an item is converted once, for all its mailboxes, and handed to the sink in one delivery. A
/// sink that stores once for all mailboxes and one that loops per mailbox must give the same report and messages;
/// a late attachment failure is answered with the message's fallback, never a second conversion.
struct FanOutTests {
    /// Counts its conversions; a scripted item's body fails on its attachment at the end, as a reader that
    /// verifies at the end would, with or without a fallback message.
    final class CountingConverter: MessageConverter {
        private let inner = SummaryConverter()
        private let count = Mutex(0)
        private let requests = Mutex<[ConversionRequest]>([])
        /// Items whose body throws an attachment failure, and whether their message has a fallback.
        private let lateFailures = Mutex<[String: Bool]>([:])

        var conversions: Int { count.withLock { $0 } }
        var seen: [ConversionRequest] { requests.withLock { $0 } }

        /// Every write of `itemID`'s body throws an ``AttachmentFailure`` after part of the message.
        func failLate(_ itemID: String, withFallback: Bool) {
            lateFailures.withLock { $0[itemID] = withFallback }
        }

        func convert(_ request: ConversionRequest) async throws -> EmailMessage {
            count.withLock { $0 += 1 }
            requests.withLock { $0.append(request) }
            let message = try await inner.convert(request)
            guard let withFallback = lateFailures.withLock({ $0[request.item.id] }) else { return message }
            let failure = AttachmentFailure(
                attachmentID: "att-1",
                reason: PartialReason(code: .attachmentIntegrity, detail: "attachment att-1: digest mismatch")
            )
            var failing = message
            failing.body = EmailBody { writer in
                try await writer.write(Array("Subject: half\r\n\r\nhalf a message".utf8))
                throw failure
            }
            if withFallback {
                failing.fallback = { @Sendable failure in
                    var fallback = message
                    fallback.partialReasons.append(failure.reason)
                    fallback.fallback = nil
                    return fallback
                }
            } else {
                failing.fallback = nil
            }
            return failing
        }
    }

    private static func run(
        _ items: [Item],
        converter: some MessageConverter,
        sink: some MailboxSink
    ) async throws -> RunReport {
        var configuration = Connector.Configuration()
        configuration.clock = FixedClock("2026-11-24T00:00:00Z")
        configuration.commitEveryDeliveries = 7
        return try await Connector(
            source: InMemorySource(items: items),
            mapper: FanOutItems.mapper,
            converter: converter,
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        ).run()
    }

    @Test(arguments: 0..<8)
    func aSinkForAllMailboxesAndALoopingSinkGiveTheSameRun(seed: Int) async throws {
        let items = FanOutItems.items(seed: seed, prefix: "s")
        let loopingConverter = CountingConverter()
        let loopingSink = RecordingSink()
        let looping = try await Self.run(items, converter: loopingConverter, sink: loopingSink)
        let allAtOnceSink = ActorSink()
        let allAtOnce = try await Self.run(items, converter: CountingConverter(), sink: allAtOnceSink)

        #expect(allAtOnce == looping)
        #expect(looping.imported + looping.partiallyImported > 30)
        #expect(await allAtOnceSink.durableMessages == Set(loopingSink.messages.map { "\($0.mailbox) \($0.itemID)" }))
        let reached = items.filter { item in
            ([item.from] + item.to).contains { $0.email != nil || $0.phone == "+4479460000" }
        }
        // Once per item that reaches a mailbox, told every mailbox at once.
        #expect(loopingConverter.conversions == reached.count)
        #expect(
            loopingConverter.seen.map(\.mailboxes.count).reduce(0, +) == looping.itemsForImport
                - (items.count - reached.count)
        )
    }

    @Test(arguments: [false, true])
    func aLateAttachmentFailureStoresTheFallbackWithoutConvertingAgain(accepting: Bool) async throws {
        let item = SampleItems.message(
            id: "late-1",
            from: SampleItems.alice,
            to: [SampleItems.carol],
            attachments: [SampleItems.attachment(id: "att-1", bytes: Array("attached".utf8))]
        )
        let converter = CountingConverter()
        converter.failLate("late-1", withFallback: true)
        let sink = RecordingSink(answersAccepted: accepting)
        let report = try await Self.run([item], converter: converter, sink: sink)

        #expect(report.itemsForImport == 2)
        #expect(report.partiallyImported == 2)
        #expect(report.failed == 0)
        #expect(report.partials.map(\.reason) == ["attachment_integrity", "attachment_integrity"])
        #expect(converter.conversions == 1)
        #expect(sink.messages.count == 2)
        #expect(sink.messages.allSatisfy { !String(decoding: $0.bytes, as: UTF8.self).contains("half a message") })
    }

    @Test func aLateAttachmentFailureWithoutAFallbackFailsTheDeliveries() async throws {
        let item = SampleItems.message(
            id: "late-2",
            from: SampleItems.alice,
            to: [SampleItems.carol],
            attachments: [SampleItems.attachment(id: "att-1", bytes: Array("attached".utf8))]
        )
        let converter = CountingConverter()
        converter.failLate("late-2", withFallback: false)
        let sink = RecordingSink()
        let report = try await Self.run([item], converter: converter, sink: sink)
        #expect(report.failed == 2)
        #expect(report.failures.map(\.reason) == ["attachment_integrity", "attachment_integrity"])
        #expect(converter.conversions == 1)
        #expect(sink.messages.isEmpty)
    }

    /// A sink that answers a delivery to two mailboxes with one outcome.
    struct MiscountingSink: MailboxSink {
        func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
            DeliveryResult(outcomes: [.duplicate(delivery.mailboxes[0])])
        }
        func seal() async throws -> SealedBatch { SealedBatch(sequence: 1, deliveries: 0) }
    }

    @Test func aSinkThatMiscountsItsOutcomesStopsTheRun() async throws {
        let item = SampleItems.message(id: "count-1", from: SampleItems.alice, to: [SampleItems.carol])
        let error = await #expect(throws: ArchiverError.self) {
            _ = try await Self.run([item], converter: CountingConverter(), sink: MiscountingSink())
        }
        #expect(error?.code == .protocolViolation)
        #expect(error?.scope == .run)
    }

    /// A sink that answers `.accepted` and never settles.
    struct ForgetfulAcceptingSink: MailboxSink {
        func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
            DeliveryResult(outcomes: delivery.mailboxes.map { .accepted($0) })
        }
        func seal() async throws -> SealedBatch { SealedBatch(sequence: 1, deliveries: 1) }
    }

    @Test func anAcceptedDeliveryThatNeverSettlesStopsTheRun() async throws {
        let item = SampleItems.message(id: "never-1", from: SampleItems.alice, to: [SampleItems.carol])
        let error = await #expect(throws: ArchiverError.self) {
            _ = try await Self.run([item], converter: CountingConverter(), sink: ForgetfulAcceptingSink())
        }
        #expect(error?.code == .protocolViolation)
    }
}
