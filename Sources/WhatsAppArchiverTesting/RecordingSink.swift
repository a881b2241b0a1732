import Synchronization
import WhatsAppArchiver

/// A ``MailboxSink`` that keeps every message in memory, distinguishes durable from pending deliveries, and can be
/// told to fail, to answer ``MailboxOutcome/Status/accepted`` and settle at the commit (as a network sink with
/// requests in flight does), or to lose what was not committed (a crash).
///
/// It stores per mailbox (``PerMailboxSink``): its ``MailboxSink/deliver(_:)`` is the protocol's default loop.
public final class RecordingSink: PerMailboxSink {
    /// A message the sink holds.
    public struct StoredMessage: Sendable, Hashable {
        /// The mailbox it was delivered to.
        public var mailbox: MailboxAddress
        /// The folder it was delivered to.
        public var folder: String
        /// Its `Message-ID`.
        public var messageID: String
        /// The id of the item it was made from.
        public var itemID: String
        /// Its bytes, as the converter wrote them.
        public var bytes: [UInt8]
        /// Why the stored message is incomplete.
        public var partialReasons: [PartialReason]
    }

    private struct Key: Hashable {
        var mailbox: MailboxAddress
        var folder: String
        var messageID: String
    }

    private struct State {
        var durable: [Key: StoredMessage] = [:]
        var durableOrder: [Key] = []
        var pending: [Key: StoredMessage] = [:]
        /// Deliveries since the last seal, in order.
        var unsealed: [Key] = []
        /// Sealed batches not yet waited for, by sequence number.
        var sealed: [Int: [Key]] = [:]
        var sealCount = 0
        var deliveries = 0
        var commits = 0
        var deliveryFailures: [Int: any Error & Sendable] = [:]
        var commitFailures: [Int: any Error & Sendable] = [:]
    }

    private let state = Mutex(State())

    /// Whether deliveries are answered ``MailboxOutcome/Status/accepted`` and settled by the receipt of their batch.
    public let answersAccepted: Bool

    /// Creates an empty sink.
    ///
    /// - Parameter answersAccepted: Whether to answer each delivery ``MailboxOutcome/Status/accepted`` and say in
    ///   the ``CommitReceipt`` that it was stored, instead of answering ``MailboxOutcome/Status/stored`` at once.
    ///   Off by default.
    public init(answersAccepted: Bool = false) {
        self.answersAccepted = answersAccepted
    }

    /// Makes delivery number `delivery` (counted from 1 over the sink's life, one per mailbox) throw `error`.
    public func failDelivery(_ delivery: Int, with error: any Error & Sendable) {
        state.withLock { $0.deliveryFailures[delivery] = error }
    }

    /// Makes commit number `commit` (counted from 1 over the sink's life: the waits for non-empty batches) throw
    /// `error`.
    public func failCommit(_ commit: Int, with error: any Error & Sendable) {
        state.withLock { $0.commitFailures[commit] = error }
    }

    /// Drops every delivery not yet made durable, sealed or not, as a crash would.
    public func simulateCrash() {
        state.withLock {
            $0.pending = [:]
            $0.unsealed = []
            $0.sealed = [:]
        }
    }

    /// Every durable message, in delivery order.
    public var messages: [StoredMessage] {
        state.withLock { state in state.durableOrder.map { state.durable[$0]! } }
    }

    /// Deliveries stored but not yet durable.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    /// How many times a non-empty batch became durable.
    public var commitCount: Int { state.withLock { $0.commits } }

    /// Stores the message unless one with the same `Message-ID` is in the folder (durable or pending).
    ///
    /// When the body throws ``AttachmentFailure``, a sink that answers accepted stores the message's fallback
    /// itself, as the contract asks of it; otherwise the failure is rethrown, nothing stored.
    public func deliver(_ delivery: MailboxDelivery) async throws -> MailboxOutcome {
        let key = Key(mailbox: delivery.mailbox, folder: delivery.folder, messageID: delivery.message.messageID)
        let (failure, isDuplicate): ((any Error & Sendable)?, Bool) = state.withLock {
            $0.deliveries += 1
            let failure = $0.deliveryFailures.removeValue(forKey: $0.deliveries)
            return (failure, $0.durable[key] != nil || $0.pending[key] != nil)
        }
        if let failure { throw failure }
        if isDuplicate { return .duplicate(delivery.mailbox) }
        var message = delivery.message
        var bytes: [UInt8]
        while true {
            do {
                bytes = try await message.body.collect()
                break
            } catch let failure as AttachmentFailure where answersAccepted {
                guard let fallback = message.replacing(failure) else { throw failure }
                message = fallback
            }
        }
        let stored = StoredMessage(
            mailbox: delivery.mailbox,
            folder: delivery.folder,
            messageID: message.messageID,
            itemID: delivery.item.id,
            bytes: bytes,
            partialReasons: message.partialReasons
        )
        state.withLock {
            $0.pending[key] = stored
            $0.unsealed.append(key)
        }
        return answersAccepted
            ? .accepted(delivery.mailbox, partialReasons: message.partialReasons)
            : .stored(delivery.mailbox, byteCount: Int64(bytes.count), partialReasons: message.partialReasons)
    }

    /// Closes the batch of deliveries so far.
    public func seal() async throws -> SealedBatch {
        state.withLock { state in
            state.sealCount += 1
            let batch = state.unsealed
            state.unsealed = []
            if !batch.isEmpty { state.sealed[state.sealCount] = batch }
            return SealedBatch(sequence: state.sealCount, deliveries: batch.count)
        }
    }

    /// Makes the batch's deliveries durable, or throws a scripted failure; settles the accepted ones as stored.
    public func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt {
        try state.withLock { state in
            guard let keys = state.sealed[batch.sequence] else {
                if batch.deliveries == 0 { return CommitReceipt(deliveries: 0) }
                throw ArchiverError(
                    .protocolViolation,
                    "Batch \(batch.sequence) was never sealed, was lost in a crash, or was already waited for.",
                    scope: .run
                )
            }
            let number = state.commits + 1
            if let failure = state.commitFailures.removeValue(forKey: number) { throw failure }
            state.commits = number
            state.sealed[batch.sequence] = nil
            var settled: [SettledDelivery] = []
            for key in keys {
                guard let stored = state.pending.removeValue(forKey: key) else { continue }
                state.durable[key] = stored
                state.durableOrder.append(key)
                if answersAccepted {
                    settled.append(
                        SettledDelivery(
                            itemID: stored.itemID,
                            messageID: stored.messageID,
                            outcome: .stored(
                                stored.mailbox,
                                byteCount: Int64(stored.bytes.count),
                                partialReasons: stored.partialReasons
                            )
                        )
                    )
                }
            }
            return CommitReceipt(deliveries: keys.count, settled: settled)
        }
    }
}
