// An integrator writes their own sink: this one prints each message instead of storing it.
import Foundation
import Synchronization
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// Prints one line per message. A real integration would POST `bytes` to its archive's API in `deliver` and
/// confirm durability in `commit`.
final class PrintingSink: MailboxSink {
    private let seen = Mutex(Set<String>())

    func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        let key = "\(delivery.mailbox)/\(delivery.folder)/\(delivery.message.messageID)"
        guard seen.withLock({ $0.insert(key).inserted }) else { return .duplicate }
        let bytes = try await delivery.message.body.collect(limit: 64 << 20)
        print("deliver \(delivery.item.id) to \(delivery.mailbox) [\(delivery.folder)]: \(bytes.count) bytes")
        return .delivered(byteCount: Int64(bytes.count))
    }

    func commit() async throws -> CommitReceipt {
        print("commit")
        return CommitReceipt(deliveries: 0)
    }
}

var configuration = Connector.Configuration()
configuration.clock = FixedClock("2026-11-24T00:00:00Z")
let connector = Connector(
    source: InMemorySource(items: [
        SampleItems.message(id: "wa-1", text: "Hello Carol"),
        SampleItems.message(id: "wa-2", offset: 30, from: SampleItems.carol, to: [SampleItems.alice], text: "Hi"),
    ]),
    mapper: StaticMapper(),
    converter: SummaryConverter(),
    sink: PrintingSink(),
    checkpoints: InMemoryCheckpointStore(),
    configuration: configuration
)
let report = try await connector.run()
print("imported \(report.imported), duplicates \(report.skippedDuplicates), failed \(report.failed)")
