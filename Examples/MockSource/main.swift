// A test substitutes the source: the whole pipeline runs on items scripted in memory, with no TeleMessage account.
import Foundation
import WhatsAppArchiver
import WhatsAppArchiverTesting

let clock = FixedClock("2026-11-24T00:00:00Z")
let source = InMemorySource(items: [
    SampleItems.message(id: "wa-1", offset: 0, text: "Offer attached"),
    SampleItems.message(id: "wa-2", offset: 60, from: SampleItems.carol, to: [SampleItems.alice], text: "Thanks!"),
    SampleItems.message(
        id: "wa-3",
        offset: 120,
        to: [SampleItems.bernd, SampleItems.carol],
        conversation: SampleItems.salesGroup,
        text: "Group hello",
        attachments: [SampleItems.attachment(id: "att-1", fileName: "offer.pdf", bytes: Array("%PDF-1.7".utf8))]
    ),
    SampleItems.message(id: "wa-4", offset: 180, from: SampleItems.bernd, to: [], text: "Nobody maps me"),
])
let sink = RecordingSink()
var configuration = Connector.Configuration()
configuration.clock = clock
let connector = Connector(
    source: source,
    mapper: StaticMapper(),
    converter: try EMLConverter(),
    sink: sink,
    checkpoints: InMemoryCheckpointStore(),
    configuration: configuration
)

let report = try await connector.run()
for message in sink.messages {
    print("\(message.mailbox)\t\(message.itemID)\t\(message.bytes.count) bytes")
}
print(String(decoding: try report.jsonData(), as: UTF8.self), terminator: "")
