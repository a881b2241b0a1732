import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

struct MailboxSinkConformanceTests {
    @Test func theRecordingSinkConforms() async {
        let storage = RecordingSink()
        let failures = await MailboxSinkConformance { storage }.run()
        #expect(failures.isEmpty, "\(failures)")
    }

    /// The check must catch a sink that never recognises a duplicate and forgets everything on restart.
    @Test func aSinkWithoutDeduplicationFails() async {
        let failures = await MailboxSinkConformance { ForgetfulSink() }.run()
        let names = Set(failures.map(\.check))
        #expect(names.contains("same Message-ID before commit is a duplicate"))
        #expect(names.contains("same Message-ID after commit is a duplicate"))
        #expect(names.contains("a committed delivery survives a restart: a new instance sees a duplicate"))
    }

    /// A sink that keeps a half-written message as delivered is caught by the retry check.
    @Test func aSinkThatKeepsHalfWrittenMessagesFails() async {
        let shared = HalfWritingSink()
        let failures = await MailboxSinkConformance { shared }.run()
        #expect(failures.map(\.check).contains("a failed delivery leaves nothing behind: a retry is stored"))
    }
}

private struct ForgetfulSink: MailboxSink {
    func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        .delivered(byteCount: Int64(try await delivery.message.body.collect().count))
    }

    func commit() async throws -> CommitReceipt { CommitReceipt(deliveries: 2) }
}

/// Marks a message as present before its body is written, so a failed write leaves a phantom behind.
private final class HalfWritingSink: MailboxSink {
    private let seen = Mutex(Set<String>())
    private let pending = Mutex(0)

    func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        guard seen.withLock({ $0.insert("\(delivery.mailbox)/\(delivery.message.messageID)").inserted }) else {
            return .duplicate
        }
        let bytes = try await delivery.message.body.collect()
        pending.withLock { $0 += 1 }
        return .delivered(byteCount: Int64(bytes.count))
    }

    func commit() async throws -> CommitReceipt {
        CommitReceipt(
            deliveries: pending.withLock { count in
                defer { count = 0 }
                return count
            }
        )
    }
}
