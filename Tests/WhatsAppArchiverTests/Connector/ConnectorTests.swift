import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

private let alice = SampleItems.alice
private let bernd = SampleItems.bernd
private let carol = SampleItems.carol
private let aliceBox = MailboxAddress("alice@contoso.com")!
private let carolBox = MailboxAddress("carol@contoso.com")!

/// A connector over the test kit, with a clock at 2026-11-24T00:00:00Z so that the default first-run window
/// covers `SampleItems.baseDate` (2026-11-23T10:00:00Z).
private func makeConnector(
    source: any MessageSource,
    sink: RecordingSink = RecordingSink(),
    checkpoints: InMemoryCheckpointStore = InMemoryCheckpointStore(),
    mapper: any UserMapper = StaticMapper(),
    commitEvery: Int = 1000,
    pageSize: Int = 500
) -> Connector {
    var configuration = Connector.Configuration()
    configuration.clock = FixedClock("2026-11-24T00:00:00Z")
    configuration.commitEveryDeliveries = commitEvery
    configuration.pageSize = pageSize
    return Connector(
        source: source,
        mapper: mapper,
        converter: SummaryConverter(),
        sink: sink,
        checkpoints: checkpoints,
        configuration: configuration
    )
}

private let dayWindow = try! TimeWindow(
    from: RFC3339.parse("2026-11-23T00:00:00Z")!,
    until: RFC3339.parse("2026-11-24T00:00:00Z")!
)

struct ConnectorTests {
    @Test func fansOutToEveryMappedMailboxAndCountsEachPair() async throws {
        let items = [
            SampleItems.message(id: "direct", offset: 0, from: alice, to: [carol]),
            SampleItems.message(
                id: "group",
                offset: 10,
                from: bernd,
                to: [alice, carol],
                conversation: SampleItems.salesGroup
            ),
            SampleItems.message(id: "outside", offset: 20, from: bernd, to: []),
        ]
        let sink = RecordingSink()
        let report = try await makeConnector(source: InMemorySource(items: items), sink: sink).run(window: dayWindow)

        #expect(report.itemsFromSource == 3)
        #expect(report.itemsForImport == 5)  // direct ×2, group ×2, outside ×1 (unmapped)
        #expect(report.imported == 4)
        #expect(report.failed == 1)
        #expect(report.invariantHolds)
        #expect(report.failures.map(\.reason) == ["unmapped"])
        #expect(report.failures.first?.sourceUser == bernd.phone)
        #expect(report.failures.first?.mailbox == nil)
        let pairs = Set(sink.messages.map { "\($0.itemID)>\($0.mailbox)" })
        #expect(pairs == ["direct>\(aliceBox)", "direct>\(carolBox)", "group>\(aliceBox)", "group>\(carolBox)"])
        #expect(sink.messages.allSatisfy { $0.folder == "WhatsApp Archiver" })
    }

    @Test func aSecondRunOverTheSameWindowAddsNothing() async throws {
        let items = (0..<7).map { SampleItems.message(id: "m\($0)", offset: Double($0)) }
        let sink = RecordingSink()
        let checkpoints = InMemoryCheckpointStore()
        let first = try await makeConnector(source: InMemorySource(items: items), sink: sink, checkpoints: checkpoints)
            .run(window: dayWindow)
        let second = try await makeConnector(source: InMemorySource(items: items), sink: sink, checkpoints: checkpoints)
            .run(window: dayWindow)
        #expect(first.imported == 14)
        #expect(second.imported == 0)
        #expect(second.skippedDuplicates == 14)
        #expect(second.invariantHolds)
        #expect(sink.messages.count == 14)
    }

    @Test func anInvalidRecordIsOneFailureWithItsPositionAndReason() async throws {
        let invalid = InvalidRecord(
            itemID: "wa-bad",
            position: "items.jsonl line 3",
            reason: "missing required field \"sentAt\""
        )
        let source = InMemorySource(items: [SampleItems.message(id: "ok")], invalidRecords: [invalid])
        let report = try await makeConnector(source: source).run(window: dayWindow)
        #expect(report.itemsFromSource == 2)
        #expect(report.itemsForImport == 3)
        #expect(report.failed == 1)
        let failure = try #require(report.failures.first)
        #expect(failure.reason == "invalid_item")
        #expect(failure.itemID == "wa-bad")
        #expect(failure.detail == "items.jsonl line 3: missing required field \"sentAt\"")
        #expect(report.invariantHolds)
    }

    @Test func anUnknownKindIsArchivedWithItsRawJSON() async throws {
        var poll = SampleItems.message(id: "poll-1", kind: ItemKind(rawValue: "poll"))
        poll.rawJSON = #"{"id":"poll-1","kind":"poll","question":"Lunch?"}"#
        let converter = CapturingConverter()
        var configuration = Connector.Configuration()
        configuration.clock = FixedClock("2026-11-24T00:00:00Z")
        let connector = Connector(
            source: InMemorySource(items: [poll]),
            mapper: StaticMapper(),
            converter: converter,
            sink: RecordingSink(),
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        )
        let report = try await connector.run(window: dayWindow)
        #expect(report.imported == 2)
        let seen = converter.items
        // Converted once, for both its mailboxes.
        #expect(seen.count == 1)
        #expect(seen.allSatisfy { $0.kind.rawValue == "poll" && !$0.kind.isKnown })
        #expect(seen.first?.rawJSON == poll.rawJSON)
    }

    @Test func aMissingAttachmentMakesEachDeliveryPartial() async throws {
        let item = SampleItems.message(id: "with-files", attachments: [SampleItems.missingAttachment(id: "att-9")])
        let report = try await makeConnector(source: InMemorySource(items: [item])).run(window: dayWindow)
        #expect(report.partiallyImported == 2)
        #expect(report.imported == 0)
        #expect(report.partials.map(\.reason) == ["attachment_missing", "attachment_missing"])
        #expect(Set(report.partials.map(\.mailbox)) == [aliceBox, carolBox])
        #expect(report.invariantHolds)
    }

    @Test func aRepeatedItemIDIsOneItem() async throws {
        let page1 = SourcePage(items: [SampleItems.message(id: "same", offset: 0)], nextCursor: nil)
        let page2 = SourcePage(items: [SampleItems.message(id: "same", offset: 0)], nextCursor: nil)
        let report = try await makeConnector(source: InMemorySource(pages: [page1, page2])).run(window: dayWindow)
        #expect(report.itemsFromSource == 1)
        #expect(report.itemsForImport == 2)
        #expect(report.invariantHolds)
    }

    @Test func anItemScopedSinkErrorFailsThatDeliveryOnly() async throws {
        let sink = RecordingSink()
        sink.failDelivery(1, with: ArchiverError(.deliveryRejected, "mailbox name not storable"))
        let items = [SampleItems.message(id: "a", offset: 0), SampleItems.message(id: "b", offset: 1)]
        let report = try await makeConnector(source: InMemorySource(items: items), sink: sink).run(window: dayWindow)
        #expect(report.failed == 1)
        #expect(report.imported == 3)
        #expect(report.failures.first?.reason == "delivery_rejected")
        #expect(report.failures.first?.mailbox == aliceBox)
        #expect(report.invariantHolds)
    }

    @Test func aQuarantineCopyKeepsTheItemButItStillCountsAsUnmapped() async throws {
        let quarantine = MailboxAddress("quarantine@contoso.com")!
        let sink = RecordingSink()
        let item = SampleItems.message(id: "lost", from: bernd, to: [])
        let report = try await makeConnector(
            source: InMemorySource(items: [item]),
            sink: sink,
            mapper: StaticMapper(quarantine: quarantine)
        ).run(window: dayWindow)
        #expect(report.failed == 1)
        #expect(report.failures.first?.reason == "unmapped")
        #expect(report.failures.first?.detail?.contains("quarantine@contoso.com") == true)
        #expect(sink.messages.map(\.mailbox) == [quarantine])
        #expect(report.invariantHolds)
    }
}

/// Records every item it is asked to convert, and converts with `SummaryConverter`.
private final class CapturingConverter: MessageConverter {
    private let seen = LockedBox<[Item]>([])
    var items: [Item] { seen.value }

    func convert(_ request: ConversionRequest) async throws -> EmailMessage {
        seen.mutate { $0.append(request.item) }
        return try await SummaryConverter().convert(request)
    }
}
