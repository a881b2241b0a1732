import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// An attachment that opens but fails at the end of its stream (a digest checked at the end): the body throws an
/// ``AttachmentFailure`` and the message's fallback, built by the converter from what it holds, is the same message
/// with a placeholder for that attachment. The source is not asked again for the failed attachment.
struct EMLFallbackTests {
    /// Streams its bytes, then fails with `attachmentIntegrity` instead of ending; counts its opens.
    final class FailingAtTheEndReader: AttachmentReader {
        private var sent = false

        func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
            guard !sent else {
                throw ArchiverError(.attachmentIntegrity, "SHA-256 mismatch at the end of the stream.", scope: .item)
            }
            sent = true
            buffer[0] = 0x41
            return 1
        }

        func close() {}
    }

    static func item(opens: LockedBox<Int>) -> Item {
        var item = EMLFixtures.item(id: "wa-late", text: "see attached")
        item.attachments = [
            WhatsAppArchiver.Attachment(
                id: "att-late",
                fileName: "late.bin",
                size: 2,
                content: AttachmentContent {
                    opens.mutate { $0 += 1 }
                    return FailingAtTheEndReader()
                }
            ),
            SampleItems.attachment(id: "att-ok", fileName: "ok.txt", bytes: Array("fine".utf8)),
        ]
        return item
    }

    @Test func theBodyThrowsAnAttachmentFailureAndTheFallbackHasAPlaceholder() async throws {
        let opens = LockedBox(0)
        let message = try await EMLFixtures.converter().convert(EMLFixtures.request(Self.item(opens: opens)))
        #expect(message.partialReasons.isEmpty)
        var failure: AttachmentFailure?
        do {
            _ = try await message.body.collect()
        } catch let thrown as AttachmentFailure {
            failure = thrown
        }
        let thrown = try #require(failure)
        #expect(thrown.attachmentID == "att-late")
        #expect(thrown.reason.code == .attachmentIntegrity)
        #expect(thrown.reason.detail.contains("late.bin"))

        let fallback = try #require(message.replacing(thrown))
        #expect(fallback.messageID == message.messageID)
        #expect(fallback.partialReasons == [thrown.reason])
        let opensBefore = opens.value
        let bytes = try await fallback.body.collect()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(opens.value == opensBefore, "the fallback must not open the failed attachment again")
        #expect(text.contains("The attachment \"late.bin\""))
        #expect(text.contains("filename=\"ok.txt\""))
        #expect(EMLRules.violations(bytes) == [])
    }

    @Test func theConnectorStoresTheFallbackAsPartialWithoutConvertingTwice() async throws {
        let opens = LockedBox(0)
        let sink = RecordingSink()
        var configuration = Connector.Configuration()
        configuration.clock = FixedClock("2026-11-24T00:00:00Z")
        let item = Self.item(opens: opens)
        let report = try await Connector(
            source: InMemorySource(items: [item]),
            mapper: StaticMapper(),
            converter: try EMLFixtures.converter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        ).run(
            window: TimeWindow(
                from: item.capturedAt.addingTimeInterval(-60),
                until: item.capturedAt.addingTimeInterval(60)
            )
        )
        #expect(report.invariantHolds)
        #expect(report.failed == 0)
        #expect(report.partiallyImported == report.itemsForImport)
        #expect(report.partials.allSatisfy { $0.reason == "attachment_integrity" })
        // Once, by the converter: the first write streams that reader and fails; the fallback never opens it, and
        // the item is not converted again (which would open it once more).
        #expect(opens.value == 1)
        #expect(sink.messages.count == report.itemsForImport)
        #expect(
            sink.messages.allSatisfy {
                String(decoding: $0.bytes, as: UTF8.self).contains("The attachment \"late.bin\"")
            }
        )
    }
}
