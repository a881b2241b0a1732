import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// A converter whose message does not depend on the mailbox converts an item once, and a sink that accepts shared
/// deliveries stores that one message for every mailbox: the report and the stored messages must be exactly those
/// of the copy-per-mailbox run.
struct SharedDeliveryTests {
    /// Writes a short message without the mailbox in it, and counts its conversions.
    final class MailboxIndependentConverter: MessageConverter {
        let makesSameMessageForEveryMailbox: Bool
        private let inner = SummaryConverter()
        private let count = Mutex(0)
        /// Conversions whose body fails at its end with this code, as a reader that verifies at the end would.
        private let lateFailures = Mutex<[String: ArchiverError.Code]>([:])

        init(makesSameMessageForEveryMailbox: Bool) {
            self.makesSameMessageForEveryMailbox = makesSameMessageForEveryMailbox
        }

        var conversions: Int { count.withLock { $0 } }

        /// The next conversion of `itemID` makes a body that throws `code` after writing part of the message.
        func failLate(_ itemID: String, with code: ArchiverError.Code) {
            lateFailures.withLock { $0[itemID] = code }
        }

        func convert(_ request: ConversionRequest) async throws -> EmailMessage {
            count.withLock { $0 += 1 }
            var sameForAll = request
            sameForAll.mailbox = MailboxAddress("anyone@contoso.com")!
            let message = try await inner.convert(sameForAll)
            guard let code = lateFailures.withLock({ $0.removeValue(forKey: request.item.id) }) else {
                return message
            }
            return EmailMessage(
                messageID: message.messageID,
                date: message.date,
                body: EmailBody { writer in
                    try Array("Subject: half\r\n\r\nhalf a message".utf8).withUnsafeBytes { try writer.write($0) }
                    throw ArchiverError(code, "Scripted: the attachment's digest did not match at the end.")
                }
            )
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
    func reportAndMessagesMatchTheCopyPerMailboxRun(seed: Int) async throws {
        let items = FanOutItems.items(seed: seed, prefix: "s")
        let perMailboxConverter = MailboxIndependentConverter(makesSameMessageForEveryMailbox: false)
        let perMailboxSink = RecordingSink(acceptsSharedDeliveries: true)
        let perMailbox = try await Self.run(items, converter: perMailboxConverter, sink: perMailboxSink)
        let sharedConverter = MailboxIndependentConverter(makesSameMessageForEveryMailbox: true)
        let sharedSink = RecordingSink(acceptsSharedDeliveries: true)
        let shared = try await Self.run(items, converter: sharedConverter, sink: sharedSink)

        #expect(shared == perMailbox)
        #expect(Set(sharedSink.messages) == Set(perMailboxSink.messages))
        #expect(perMailboxConverter.conversions == perMailbox.itemsForImport - perMailbox.failed)
        let reached = items.filter { item in
            ([item.from] + item.to).contains { $0.email != nil || $0.phone == "+4479460000" }
        }
        #expect(sharedConverter.conversions == reached.count)
        #expect(sharedConverter.conversions < perMailboxConverter.conversions)
    }

    @Test func aSinkThatDoesNotAcceptSharedDeliveriesGetsOneMessagePerMailbox() async throws {
        let items = FanOutItems.items(seed: 3, prefix: "s")
        let converter = MailboxIndependentConverter(makesSameMessageForEveryMailbox: true)
        let sink = RecordingSink()
        let report = try await Self.run(items, converter: converter, sink: sink)
        #expect(converter.conversions == report.itemsForImport - report.failed)
        #expect(sink.messages.count == report.imported + report.partiallyImported)
    }

    @Test(arguments: [true, false], [ArchiverError.Code.attachmentIntegrity, .attachmentMissing])
    func anAttachmentProblemFoundWhileWritingIsConvertedAgainAsPartial(
        shared: Bool,
        code: ArchiverError.Code
    ) async throws {
        let item = SampleItems.message(
            id: "late-1",
            from: SampleItems.alice,
            to: [SampleItems.carol],
            attachments: [SampleItems.missingAttachment(id: "att-1")]
        )
        let converter = MailboxIndependentConverter(makesSameMessageForEveryMailbox: shared)
        converter.failLate("late-1", with: code)
        let sink = RecordingSink(acceptsSharedDeliveries: true)
        let report = try await Self.run([item], converter: converter, sink: sink)

        #expect(report.itemsForImport == 2)
        #expect(report.partiallyImported == 2)
        #expect(report.failed == 0)
        // Shared: the failed conversion and the retry. Per mailbox: those two for the first, one for the second.
        #expect(converter.conversions == (shared ? 2 : 3))
        #expect(sink.messages.count == 2)
        #expect(sink.messages.allSatisfy { !String(decoding: $0.bytes, as: UTF8.self).contains("half a message") })
    }

    @Test func aProblemThatPersistsAfterTheRetryFailsTheCopies() async throws {
        let item = SampleItems.message(id: "late-2", from: SampleItems.alice, to: [SampleItems.carol])
        let converter = MailboxIndependentConverter(makesSameMessageForEveryMailbox: true)
        let sink = RecordingSink(acceptsSharedDeliveries: true)
        let error = ArchiverError(.attachmentIntegrity, "Scripted: still corrupt.", scope: .item)
        sink.failDelivery(1, with: error)
        sink.failDelivery(3, with: error)
        let report = try await Self.run([item], converter: converter, sink: sink)
        #expect(report.failed == 2)
        #expect(report.failures.map(\.reason) == ["attachment_integrity", "attachment_integrity"])
        #expect(converter.conversions == 2)
        #expect(sink.messages.isEmpty)
    }

    /// A sink that answers a shared delivery with the wrong number of results.
    struct MiscountingSink: MailboxSink {
        var acceptsSharedDeliveries: Bool { true }
        func deliver(_ delivery: Delivery) async throws -> DeliveryResult { .duplicate }
        func deliver(_ delivery: SharedDelivery) async throws -> [Result<DeliveryResult, ArchiverError>] {
            [.success(.duplicate)]
        }
        func commit() async throws -> CommitReceipt { CommitReceipt(deliveries: 0) }
    }

    @Test func aSinkThatMiscountsASharedDeliveryStopsTheRun() async throws {
        let item = SampleItems.message(id: "count-1", from: SampleItems.alice, to: [SampleItems.carol])
        let converter = MailboxIndependentConverter(makesSameMessageForEveryMailbox: true)
        let error = await #expect(throws: ArchiverError.self) {
            _ = try await Self.run([item], converter: converter, sink: MiscountingSink())
        }
        #expect(error?.code == .protocolViolation)
        #expect(error?.scope == .run)
    }
}
