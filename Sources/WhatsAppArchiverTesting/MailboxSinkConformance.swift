import Foundation
import WhatsAppArchiver

/// A conformance check that an integrator runs against their own ``MailboxSink``.
///
/// It needs no test framework: call ``run()`` from any test (Swift Testing, XCTest, or a plain executable) and
/// assert that the returned list is empty.
///
/// ```swift
/// let failures = await MailboxSinkConformance { try MySink(root: storage) }.run()
/// #expect(failures.isEmpty, "\(failures)")
/// ```
///
/// `makeSink` must return a new instance over the *same* storage each time it is called: one of the checks
/// reopens the sink to prove that committed deliveries survive a restart. The first instance may still be alive
/// then: a sink that holds an exclusive lock on its storage (as `MaildirSink` does) should close the previous
/// instance inside `makeSink`, as the end of the old process would.
public struct MailboxSinkConformance: Sendable {
    /// A check that the sink did not pass.
    public struct Failure: Sendable, Hashable, CustomStringConvertible {
        /// The name of the check.
        public var check: String
        /// What happened instead.
        public var detail: String
        /// `check: detail`.
        public var description: String { "\(check): \(detail)" }
    }

    private let makeSink: @Sendable () async throws -> any MailboxSink
    /// The folder the checks deliver into.
    public var folder: String = "WhatsApp Archiver"

    /// Creates a check over sinks made by `makeSink`.
    public init(makeSink: @escaping @Sendable () async throws -> any MailboxSink) {
        self.makeSink = makeSink
    }

    /// Runs every check and returns those that failed; empty when the sink conforms.
    public func run() async -> [Failure] {
        var failures: [Failure] = []
        func check(_ name: String, _ condition: Bool, _ detail: @autoclosure () -> String) {
            if !condition { failures.append(Failure(check: name, detail: detail())) }
        }
        let tag = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let first = MailboxAddress("conformance-a@example.com")!
        let second = MailboxAddress("conformance-b@example.com")!
        let item = SampleItems.message(id: "conformance-\(tag)")
        let messageID = "conformance.\(tag)@archiver.invalid"

        do {
            let sink = try await makeSink()
            let delivered = try await sink.deliver(delivery(first, messageID, item))
            check("first delivery is stored", delivered.status == .delivered, "got \(delivered.status)")
            let again = try await sink.deliver(delivery(first, messageID, item))
            check("same Message-ID before commit is a duplicate", again.status == .duplicate, "got \(again.status)")
            let other = try await sink.deliver(delivery(second, messageID, item))
            check("same Message-ID in another mailbox is stored", other.status == .delivered, "got \(other.status)")

            let receipt = try await sink.commit()
            check("commit counts the deliveries", receipt.deliveries == 2, "got \(receipt.deliveries), expected 2")
            let afterCommit = try await sink.deliver(delivery(first, messageID, item))
            check(
                "same Message-ID after commit is a duplicate",
                afterCommit.status == .duplicate,
                "got \(afterCommit.status)"
            )
            let empty = try await sink.commit()
            check("an empty commit succeeds with 0", empty.deliveries == 0, "got \(empty.deliveries)")

            let broken = "conformance.broken.\(tag)@archiver.invalid"
            var failedAsExpected = false
            do {
                _ = try await sink.deliver(delivery(first, broken, item, body: Self.failingBody))
            } catch {
                failedAsExpected = true
            }
            check("a body that fails while writing makes the delivery fail", failedAsExpected, "deliver returned")
            let retried = try await sink.deliver(delivery(first, broken, item))
            check(
                "a failed delivery leaves nothing behind: a retry is stored",
                retried.status == .delivered,
                "got \(retried.status)"
            )

            let large = "conformance.large.\(tag)@archiver.invalid"
            let largeResult = try await sink.deliver(delivery(first, large, item, body: Self.largeBody))
            check(
                "a large streamed message is stored whole",
                largeResult.status == .delivered
                    && (largeResult.byteCount == 0 || largeResult.byteCount == Self.largeSize),
                "got \(largeResult.status), \(largeResult.byteCount) bytes"
            )
            _ = try await sink.commit()

            if sink.acceptsSharedDeliveries {
                try await checkSharedDeliveries(sink, first, second, item, tag, check)
            }

            let reopened = try await makeSink()
            let afterRestart = try await reopened.deliver(delivery(first, messageID, item))
            check(
                "a committed delivery survives a restart: a new instance sees a duplicate",
                afterRestart.status == .duplicate,
                "got \(afterRestart.status)"
            )
            _ = try await reopened.commit()
        } catch {
            failures.append(Failure(check: "no unexpected error", detail: String(describing: error)))
        }
        return failures
    }

    /// The checks for a sink that accepts ``SharedDelivery``s.
    private func checkSharedDeliveries(
        _ sink: any MailboxSink,
        _ first: MailboxAddress,
        _ second: MailboxAddress,
        _ item: Item,
        _ tag: String,
        _ check: (String, Bool, @autoclosure () -> String) -> Void
    ) async throws {
        func statuses(_ results: [Result<DeliveryResult, ArchiverError>]) -> [DeliveryStatus?] {
            results.map { try? $0.get().status }
        }
        let shared = "conformance.shared.\(tag)@archiver.invalid"
        let stored = try await sink.deliver(sharedDelivery([first, second], shared, item))
        check(
            "a shared delivery is stored in every mailbox",
            statuses(stored) == [.delivered, .delivered],
            "got \(stored)"
        )
        let again = try await sink.deliver(sharedDelivery([second, first], shared, item))
        check(
            "a shared delivery of a message already in both mailboxes is two duplicates, in mailbox order",
            statuses(again) == [.duplicate, .duplicate],
            "got \(again)"
        )
        let single = try await sink.deliver(delivery(second, shared, item))
        check(
            "a single delivery of a message a shared delivery stored is a duplicate",
            single.status == .duplicate,
            "got \(single.status)"
        )
        let mixed = "conformance.shared-mixed.\(tag)@archiver.invalid"
        _ = try await sink.deliver(delivery(first, mixed, item))
        let partly = try await sink.deliver(sharedDelivery([first, second], mixed, item))
        check(
            "a shared delivery skips only the mailbox that holds the message",
            statuses(partly) == [.duplicate, .delivered],
            "got \(partly)"
        )
        let broken = "conformance.shared-broken.\(tag)@archiver.invalid"
        var failedAsExpected = false
        do {
            _ = try await sink.deliver(sharedDelivery([first, second], broken, item, body: Self.failingBody))
        } catch {
            failedAsExpected = true
        }
        check("a shared delivery whose body fails throws", failedAsExpected, "deliver returned")
        let retried = try await sink.deliver(sharedDelivery([first, second], broken, item))
        check(
            "a failed shared delivery leaves nothing behind: a retry is stored in both mailboxes",
            statuses(retried) == [.delivered, .delivered],
            "got \(retried)"
        )
        let receipt = try await sink.commit()
        check(
            "commit counts each mailbox of a shared delivery",
            receipt.deliveries == 6,
            "got \(receipt.deliveries), expected 6"
        )
    }

    private func sharedDelivery(
        _ mailboxes: [MailboxAddress],
        _ messageID: String,
        _ item: Item,
        body: EmailBody? = nil
    ) -> SharedDelivery {
        let single = delivery(mailboxes[0], messageID, item, body: body)
        return SharedDelivery(mailboxes: mailboxes, folder: folder, message: single.message, item: item)
    }

    private func delivery(
        _ mailbox: MailboxAddress,
        _ messageID: String,
        _ item: Item,
        body: EmailBody? = nil
    ) -> Delivery {
        let text = "Message-ID: <\(messageID)>\r\nSubject: conformance\r\n\r\nconformance check\r\n"
        let message = EmailMessage(
            messageID: messageID,
            date: item.sentAt,
            body: body ?? EmailBody(bytes: Array(text.utf8))
        )
        return Delivery(mailbox: mailbox, folder: folder, message: message, item: item)
    }

    private static let largeSize: Int64 = 8 << 20

    private static var largeBody: EmailBody {
        EmailBody { writer in
            try Array("Subject: large\r\n\r\n".utf8).withUnsafeBytes { try writer.write($0) }
            let line = [UInt8](repeating: UInt8(ascii: "A"), count: 76) + [13, 10]
            let header = Int64("Subject: large\r\n\r\n".utf8.count)
            var remaining = largeSize - header
            while remaining > 0 {
                let count = Int(min(Int64(line.count), remaining))
                try line.withUnsafeBytes { try writer.write(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                remaining -= Int64(count)
            }
        }
    }

    private static var failingBody: EmailBody {
        EmailBody { writer in
            try Array("Subject: broken\r\n\r\npartial".utf8).withUnsafeBytes { try writer.write($0) }
            throw ArchiverError(.attachmentIntegrity, "Scripted failure in the middle of a message body.")
        }
    }
}
