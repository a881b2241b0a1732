import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// The EML converter inside the whole pipeline: every stored message obeys the byte rules, every copy of an item
/// has the same `Message-ID`, a second run adds nothing, and unavailable attachments count as partial imports.
struct EMLConnectorTests {
    @Test func everyKindThroughTheConnector() async throws {
        let items = EMLFixtures.all.map(\.request.item).enumerated().map { index, item in
            var item = item
            item.capturedAt = SampleItems.baseDate.addingTimeInterval(Double(index))
            return item
        }
        let sink = RecordingSink()
        let connector = Connector(
            source: InMemorySource(items: items),
            mapper: StaticMapper(),
            converter: try EMLConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore()
        )
        let window = try TimeWindow(
            from: SampleItems.baseDate.addingTimeInterval(-1),
            until: SampleItems.baseDate.addingTimeInterval(3600)
        )
        let first = try await connector.run(window: window)
        #expect(first.invariantHolds)
        #expect(first.failed == first.failures.count)
        // One item with a missing and a corrupt attachment, delivered to Alice and to Carol.
        #expect(first.partiallyImported == 2)
        #expect(Set(first.partials.map(\.itemID)) == ["wa-partial-1"])
        #expect(Set(first.partials.map(\.reason)) == ["attachment_integrity", "attachment_missing"])
        #expect(!sink.messages.isEmpty)
        for stored in sink.messages {
            #expect(EMLRules.violations(stored.bytes) == [], "\(stored.itemID) for \(stored.mailbox)")
            #expect(EMLRules.header("Message-ID", in: stored.bytes) == "<\(stored.messageID)>")
        }
        let byItem = Dictionary(grouping: sink.messages, by: \.itemID)
        for copies in byItem.values {
            #expect(Set(copies.map(\.messageID)).count == 1)
        }
        let second = try await connector.run(window: window)
        #expect(second.imported == 0 && second.partiallyImported == 0)
        #expect(second.skippedDuplicates == first.imported + first.partiallyImported)
    }
}
