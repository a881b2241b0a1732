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
/// reopens the sink to prove that durable deliveries survive a restart. The checks close the first instance
/// (``MailboxSink/close()``) before they open the second, as the end of the old process would.
///
/// A sink may answer ``MailboxOutcome/Status/stored`` or ``MailboxOutcome/Status/accepted``; an accepted delivery
/// must be settled, with its final outcome, by the receipt of the batch it belongs to.
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
        let recorder = Recorder()
        do {
            try await runChecks(recorder)
        } catch {
            recorder.failures.append(Failure(check: "no unexpected error", detail: String(describing: error)))
        }
        return recorder.failures
    }

    /// Collects failed checks.
    final class Recorder {
        var failures: [Failure] = []

        func check(_ name: String, _ condition: Bool, _ detail: @autoclosure () -> String) {
            if !condition { failures.append(Failure(check: name, detail: detail())) }
        }
    }

    private func runChecks(_ recorder: Recorder) async throws {
        let check = recorder.check
        let tag = UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let first = MailboxAddress("conformance-a@example.com")!
        let second = MailboxAddress("conformance-b@example.com")!
        let item = SampleItems.message(id: "conformance-\(tag)")
        let messageID = "conformance.\(tag)@archiver.invalid"
        let sink = try await makeSink()
        var session = Session(sink: sink, recorder: recorder)

        let delivered = try await session.deliver(delivery([first], messageID, item))
        check("first delivery is stored", delivered.isTaken([true]), "got \(delivered)")
        let again = try await session.deliver(delivery([first], messageID, item))
        check("same Message-ID before commit is a duplicate", again.statuses == [.duplicate], "got \(again)")
        let other = try await session.deliver(delivery([second], messageID, item))
        check("same Message-ID in another mailbox is stored", other.isTaken([true]), "got \(other)")

        let receipt = try await session.commit()
        check("commit counts the deliveries", receipt.deliveries == 2, "got \(receipt.deliveries), expected 2")
        check(
            "a commit settles every accepted delivery of its batch as stored",
            session.settledAsStored(),
            "unsettled or not stored: \(session.unsettled)"
        )
        let afterCommit = try await session.deliver(delivery([first], messageID, item))
        check("same Message-ID after commit is a duplicate", afterCommit.statuses == [.duplicate], "got \(afterCommit)")
        let empty = try await session.commit()
        check("an empty commit succeeds with 0", empty.deliveries == 0, "got \(empty.deliveries)")

        try await checkFailingBodies(&session, [first, second], item, tag)
        try await checkLargeAndPartial(&session, first, item, tag)
        try await checkSeveralMailboxes(&session, first, second, item, tag)
        try await checkTwoPhaseCommit(&session, first, item, tag)

        try await sink.close()
        let reopened = try await makeSink()
        var restarted = Session(sink: reopened, recorder: recorder)
        let afterRestart = try await restarted.deliver(delivery([first], messageID, item))
        check(
            "a committed delivery survives a restart: a new instance sees a duplicate",
            afterRestart.statuses == [.duplicate],
            "got \(afterRestart)"
        )
        let twoPhase = "conformance.two-phase-b.\(tag)@archiver.invalid"
        let sealedLater = try await restarted.deliver(delivery([first], twoPhase, item))
        check(
            "a delivery made after a seal belongs to a batch that survives a restart once waited for",
            sealedLater.statuses == [.duplicate],
            "got \(sealedLater)"
        )
        _ = try await restarted.commit()
        try await reopened.close()
    }

    /// A body that fails, with an error or an ``AttachmentFailure``, leaves nothing behind.
    private func checkFailingBodies(
        _ session: inout Session,
        _ mailboxes: [MailboxAddress],
        _ item: Item,
        _ tag: String
    ) async throws {
        let check = session.recorder.check
        let broken = "conformance.broken.\(tag)@archiver.invalid"
        let failedAsExpected = await session.fails(delivery([mailboxes[0]], broken, item, body: Self.failingBody))
        check(
            "a body that fails while writing makes the delivery fail (thrown, or refused for every mailbox)",
            failedAsExpected,
            "deliver stored it"
        )
        let retried = try await session.deliver(delivery([mailboxes[0]], broken, item))
        check("a failed delivery leaves nothing behind: a retry is stored", retried.isTaken([true]), "got \(retried)")

        let attachment = "conformance.attachment.\(tag)@archiver.invalid"
        let failure = AttachmentFailure(
            attachmentID: "att-conformance",
            reason: PartialReason(code: .attachmentIntegrity, detail: "attachment att-conformance: scripted")
        )
        var message = delivery(mailboxes, attachment, item, body: Self.body(failingWith: failure)).message
        message.fallback = { failure in
            EmailMessage(
                messageID: attachment,
                date: item.sentAt,
                partialReasons: [failure.reason],
                body: EmailBody(bytes: Array("Message-ID: <\(attachment)>\r\n\r\nplaceholder\r\n".utf8))
            )
        }
        let attempt = Delivery(mailboxes: mailboxes, folder: folder, message: message, item: item)
        do {
            let result = try await session.deliver(attempt)
            check(
                "an attachment failure is rethrown, or the fallback is stored in every mailbox as partial",
                result.isTaken([true, true]) && result.outcomes.allSatisfy { $0.partialReasons == [failure.reason] },
                "got \(result)"
            )
        } catch let thrown as AttachmentFailure {
            check("an attachment failure is rethrown unchanged", thrown == failure, "got \(thrown)")
            let fallback = try await session.deliver(
                Delivery(mailboxes: mailboxes, folder: folder, message: message.replacing(failure)!, item: item)
            )
            check(
                "after an attachment failure nothing is left behind: the fallback is stored in every mailbox",
                fallback.isTaken([true, true])
                    && fallback.outcomes.allSatisfy { $0.partialReasons == [failure.reason] },
                "got \(fallback)"
            )
        }
        _ = try await session.commit()
        check(
            "the final outcome of an accepted fallback keeps its partial reasons",
            session.settledAsStored(),
            "unsettled or not stored: \(session.unsettled)"
        )
    }

    /// A large message streams in whole; a partial message's reasons come back with its outcome.
    private func checkLargeAndPartial(
        _ session: inout Session,
        _ mailbox: MailboxAddress,
        _ item: Item,
        _ tag: String
    ) async throws {
        let check = session.recorder.check
        let large = "conformance.large.\(tag)@archiver.invalid"
        let largeResult = try await session.deliver(delivery([mailbox], large, item, body: Self.largeBody))
        let byteCount = largeResult.outcomes.first?.byteCount ?? -1
        check(
            "a large streamed message is stored whole",
            largeResult.isTaken([true]) && (byteCount == 0 || byteCount == Self.largeSize),
            "got \(largeResult)"
        )
        let partial = "conformance.partial.\(tag)@archiver.invalid"
        let reason = PartialReason(code: .attachmentMissing, detail: "attachment att-gone: gone")
        var message = delivery([mailbox], partial, item).message
        message.partialReasons = [reason]
        let partialResult = try await session.deliver(
            Delivery(mailboxes: [mailbox], folder: folder, message: message, item: item)
        )
        check(
            "an outcome carries the message's partial reasons",
            partialResult.outcomes.first?.partialReasons == [reason],
            "got \(partialResult)"
        )
        _ = try await session.commit()
        check("large and partial deliveries settle as stored", session.settledAsStored(), "\(session.unsettled)")
    }

    /// One delivery to several mailboxes: one outcome per mailbox, in order, duplicates per mailbox.
    private func checkSeveralMailboxes(
        _ session: inout Session,
        _ first: MailboxAddress,
        _ second: MailboxAddress,
        _ item: Item,
        _ tag: String
    ) async throws {
        let check = session.recorder.check
        let shared = "conformance.shared.\(tag)@archiver.invalid"
        let stored = try await session.deliver(delivery([first, second], shared, item))
        check("a delivery to two mailboxes is stored in both", stored.isTaken([true, true]), "got \(stored)")
        check(
            "outcomes come back in the order of the mailboxes",
            stored.outcomes.map(\.mailbox) == [first, second],
            "got \(stored.outcomes.map(\.mailbox))"
        )
        let again = try await session.deliver(delivery([second, first], shared, item))
        check(
            "a message already in both mailboxes is two duplicates, in mailbox order",
            again.statuses == [.duplicate, .duplicate] && again.outcomes.map(\.mailbox) == [second, first],
            "got \(again)"
        )
        let mixed = "conformance.shared-mixed.\(tag)@archiver.invalid"
        _ = try await session.deliver(delivery([first], mixed, item))
        let partly = try await session.deliver(delivery([first, second], mixed, item))
        check(
            "a delivery skips only the mailbox that holds the message",
            partly.statuses.first == .duplicate && partly.isTaken([false, true]),
            "got \(partly)"
        )
        let broken = "conformance.shared-broken.\(tag)@archiver.invalid"
        let failedAsExpected = await session.fails(delivery([first, second], broken, item, body: Self.failingBody))
        check(
            "a delivery to two mailboxes whose body fails fails for both (thrown, or refused for both)",
            failedAsExpected,
            "deliver stored it"
        )
        let retried = try await session.deliver(delivery([first, second], broken, item))
        check(
            "a failed delivery to two mailboxes leaves nothing behind: a retry is stored in both",
            retried.isTaken([true, true]),
            "got \(retried)"
        )
        let receipt = try await session.commit()
        check(
            "commit counts each mailbox of a delivery",
            receipt.deliveries == 6,
            "got \(receipt.deliveries), expected 6"
        )
        check("deliveries to two mailboxes settle as stored", session.settledAsStored(), "\(session.unsettled)")
    }

    /// Deliveries after a seal belong to the next batch; batches are waited for in order.
    private func checkTwoPhaseCommit(
        _ session: inout Session,
        _ mailbox: MailboxAddress,
        _ item: Item,
        _ tag: String
    ) async throws {
        let check = session.recorder.check
        let before = "conformance.two-phase-a.\(tag)@archiver.invalid"
        let after = "conformance.two-phase-b.\(tag)@archiver.invalid"
        _ = try await session.deliver(delivery([mailbox], before, item))
        let firstBatch = try await session.sink.seal()
        check("a seal counts the deliveries before it", firstBatch.deliveries == 1, "got \(firstBatch.deliveries)")
        _ = try await session.deliver(delivery([mailbox], after, item))
        let during = try await session.deliver(delivery([mailbox], before, item))
        check(
            "a message of a sealed batch not yet durable is a duplicate",
            during.statuses == [.duplicate],
            "got \(during)"
        )
        let secondBatch = try await session.sink.seal()
        check(
            "a delivery made after a seal belongs to the next batch",
            secondBatch.deliveries == 1 && secondBatch.sequence > firstBatch.sequence,
            "got \(firstBatch), then \(secondBatch)"
        )
        let firstReceipt = try await session.wait(firstBatch)
        let secondReceipt = try await session.wait(secondBatch)
        check(
            "each batch's receipt counts its own deliveries",
            firstReceipt.deliveries == 1 && secondReceipt.deliveries == 1,
            "got \(firstReceipt.deliveries) and \(secondReceipt.deliveries)"
        )
        check("both batches settle as stored", session.settledAsStored(), "\(session.unsettled)")
    }

    /// A sink in use, with the accepted deliveries it still owes a final outcome for.
    struct Session {
        let sink: any MailboxSink
        let recorder: Recorder
        /// Accepted deliveries not yet settled: (message id, mailbox).
        var unsettled: [String] = []
        /// Settled outcomes that were not stored.
        var settledOtherwise: [String] = []

        mutating func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
            let result = try await sink.deliver(delivery)
            for outcome in result.outcomes where outcome.status == .accepted {
                unsettled.append(delivery.message.messageID + " " + outcome.mailbox.rawValue)
            }
            return result
        }

        /// Whether the delivery fails: it throws, or every mailbox is refused.
        mutating func fails(_ delivery: Delivery) async -> Bool {
            guard let result = try? await deliver(delivery) else { return true }
            return result.outcomes.allSatisfy { $0.status == .refused }
        }

        mutating func commit() async throws -> CommitReceipt {
            try await wait(try await sink.seal())
        }

        mutating func wait(_ batch: SealedBatch) async throws -> CommitReceipt {
            let receipt = try await sink.waitUntilDurable(batch)
            for settled in receipt.settled {
                let key = settled.messageID + " " + settled.outcome.mailbox.rawValue
                guard let index = unsettled.firstIndex(of: key) else {
                    settledOtherwise.append("\(key) settled but never accepted")
                    continue
                }
                unsettled.remove(at: index)
                if settled.outcome.status != .stored { settledOtherwise.append("\(key): \(settled.outcome.status)") }
            }
            return receipt
        }

        /// Whether every accepted delivery so far settled, as stored.
        func settledAsStored() -> Bool {
            unsettled.isEmpty && settledOtherwise.isEmpty
        }
    }

    private func delivery(
        _ mailboxes: [MailboxAddress],
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
        return Delivery(mailboxes: mailboxes, folder: folder, message: message, item: item)
    }

    private static let largeSize: Int64 = 8 << 20

    private static var largeBody: EmailBody {
        EmailBody { writer in
            let header = Array("Subject: large\r\n\r\n".utf8)
            try await writer.write(header)
            let line = [UInt8](repeating: UInt8(ascii: "A"), count: 76) + [13, 10]
            var remaining = largeSize - Int64(header.count)
            while remaining > 0 {
                let count = Int(min(Int64(line.count), remaining))
                try await writer.write(Array(line[0..<count]))
                remaining -= Int64(count)
            }
        }
    }

    private static var failingBody: EmailBody {
        EmailBody { writer in
            try await writer.write(Array("Subject: broken\r\n\r\npartial".utf8))
            throw ArchiverError(.conversionFailed, "Scripted failure in the middle of a message body.")
        }
    }

    private static func body(failingWith failure: AttachmentFailure) -> EmailBody {
        EmailBody { writer in
            try await writer.write(Array("Subject: attachment\r\n\r\npartial".utf8))
            throw failure
        }
    }
}

extension DeliveryResult {
    /// The statuses, in mailbox order.
    fileprivate var statuses: [MailboxOutcome.Status] { outcomes.map(\.status) }

    /// Whether each mailbox's outcome is taken (stored or accepted) exactly where `taken` says.
    fileprivate func isTaken(_ taken: [Bool]) -> Bool {
        outcomes.count == taken.count
            && zip(outcomes, taken).allSatisfy { outcome, expected in
                (outcome.status == .stored || outcome.status == .accepted) == expected
            }
    }
}
