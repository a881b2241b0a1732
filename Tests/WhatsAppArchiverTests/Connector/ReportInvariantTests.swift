import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

private let people: [(party: Party, mailbox: String?)] = [
    (SampleItems.alice, "alice@contoso.com"),
    (SampleItems.carol, "carol@contoso.com"),
    (SampleItems.bernd, nil),
    (Party(phone: "+4479460000", name: "Dave"), "dave@contoso.com"),  // by the table only
    (Party(phone: "+3361234567", name: "Eve", email: "not an address"), nil),
]

struct ReportInvariantTests {
    /// Random runs: random items, participants, duplicates, invalid records, missing attachments, rejected
    /// deliveries, page and commit sizes. The report's counts must match an independent tally, and the invariant
    /// must hold.
    @Test(arguments: 0..<60)
    func countsMatchAnIndependentTallyOnRandomRuns(seed: Int) async throws {
        var random = SeededRandomNumberGenerator(seed: UInt64(seed))
        let itemCount = Int.random(in: 0...40, using: &random)
        var items: [Item] = []
        var expectedMailboxes: [String: Set<String>] = [:]
        // Delivery order: items in order, each to its sender's then its recipients' mailboxes.
        var deliverySequence: [(item: String, missing: Bool)] = []
        for index in 0..<itemCount {
            let sender = people.randomElement(using: &random)!
            let recipients = people.filter { $0.party != sender.party && Bool.random(using: &random) }
            let missing = Int.random(in: 0..<5, using: &random) == 0
            let id = "r\(seed)-\(index)"
            items.append(
                SampleItems.message(
                    id: id,
                    offset: Double(index),
                    from: sender.party,
                    to: recipients.map(\.party),
                    attachments: missing ? [SampleItems.missingAttachment(id: "a\(index)")] : []
                )
            )
            expectedMailboxes[id] = Set(([sender] + recipients).compactMap(\.mailbox))
            deliverySequence += expectedMailboxes[id]!.map { _ in (id, missing) }
        }
        // Repeats of earlier ids, as overlapping pages deliver them.
        let repeats =
            itemCount == 0
            ? [] : (0..<Int.random(in: 0...5, using: &random)).map { _ in items.randomElement(using: &random)! }
        let invalid = (0..<Int.random(in: 0...3, using: &random)).map {
            InvalidRecord(itemID: "bad-\($0)", position: "line \($0)", reason: "missing required field \"id\"")
        }
        let pageSize = Int.random(in: 1...12, using: &random)
        var pages: [SourcePage] = []
        let all = items + repeats
        for start in stride(from: 0, to: max(all.count, 1), by: pageSize) {
            let slice = all.isEmpty ? [] : Array(all[start..<min(start + pageSize, all.count)])
            pages.append(SourcePage(items: slice, invalidRecords: start == 0 ? invalid : [], nextCursor: nil))
        }

        let totalDeliveries = expectedMailboxes.values.reduce(0) { $0 + $1.count }
        let sink = RecordingSink()
        var rejected = Set<Int>()
        for _ in 0..<Int.random(in: 0...3, using: &random) where totalDeliveries > 0 {
            rejected.insert(Int.random(in: 1...totalDeliveries, using: &random))
        }
        for number in rejected {
            sink.failDelivery(number, with: ArchiverError(.deliveryRejected, "scripted rejection"))
        }

        var configuration = Connector.Configuration()
        configuration.clock = FixedClock("2026-11-24T00:00:00Z")
        configuration.commitEveryDeliveries = Int.random(in: 1...20, using: &random)
        let mapper = StaticMapper(["+4479460000": MailboxAddress("dave@contoso.com")!])
        let report = try await Connector(
            source: InMemorySource(pages: pages),
            mapper: mapper,
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        ).run()

        let unmapped = expectedMailboxes.values.filter(\.isEmpty).count
        let delivered = deliverySequence.enumerated().filter { !rejected.contains($0.offset + 1) }.map(\.element)
        #expect(report.invariantHolds)
        #expect(report.itemsFromSource == itemCount + invalid.count)
        #expect(report.itemsForImport == totalDeliveries + unmapped + invalid.count)
        #expect(report.failed == unmapped + invalid.count + rejected.count)
        #expect(report.imported == delivered.filter { !$0.missing }.count)
        #expect(report.partiallyImported == delivered.filter(\.missing).count)
        #expect(report.skippedDuplicates == 0)
        #expect(sink.messages.count == totalDeliveries - rejected.count)
        #expect(report.failures.filter { $0.reason == "unmapped" }.count == unmapped)
        #expect(report.failures.filter { $0.reason == "invalid_item" }.count == invalid.count)
    }
}
