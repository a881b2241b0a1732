import Synchronization
import WhatsAppArchiver

/// A ``MailboxSink`` that keeps every message in memory, distinguishes durable from pending deliveries, and can be
/// told to fail or to lose what was not committed (a crash).
public final class RecordingSink: MailboxSink {
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
        var pendingOrder: [Key] = []
        var deliveries = 0
        var commits = 0
        var deliveryFailures: [Int: any Error & Sendable] = [:]
        var commitFailures: [Int: any Error & Sendable] = [:]
    }

    private let state = Mutex(State())

    /// Whether the sink takes ``SharedDelivery``s: one message for several mailboxes, recorded once per mailbox.
    public let acceptsSharedDeliveries: Bool

    /// Whether the `Connector` may deliver while a commit runs (it then commits in the background).
    public let allowsDeliveriesDuringCommit: Bool

    /// Creates an empty sink.
    ///
    /// - Parameters:
    ///   - acceptsSharedDeliveries: Whether the `Connector` may hand it one message for several mailboxes (as
    ///     `MaildirSink` does) instead of one message per mailbox. Off by default.
    ///   - allowsDeliveriesDuringCommit: Whether the `Connector` may commit in the background and go on
    ///     delivering (as with `MaildirSink`). Off by default.
    public init(acceptsSharedDeliveries: Bool = false, allowsDeliveriesDuringCommit: Bool = false) {
        self.acceptsSharedDeliveries = acceptsSharedDeliveries
        self.allowsDeliveriesDuringCommit = allowsDeliveriesDuringCommit
    }

    /// Makes delivery number `delivery` (counted from 1 over the sink's life) throw `error`.
    public func failDelivery(_ delivery: Int, with error: any Error & Sendable) {
        state.withLock { $0.deliveryFailures[delivery] = error }
    }

    /// Makes commit number `commit` (counted from 1 over the sink's life) throw `error`.
    public func failCommit(_ commit: Int, with error: any Error & Sendable) {
        state.withLock { $0.commitFailures[commit] = error }
    }

    /// Drops every delivery not yet committed, as a crash would.
    public func simulateCrash() {
        state.withLock {
            $0.pending = [:]
            $0.pendingOrder = []
        }
    }

    /// Every durable message, in delivery order.
    public var messages: [StoredMessage] {
        state.withLock { state in state.durableOrder.map { state.durable[$0]! } }
    }

    /// Deliveries stored but not yet committed.
    public var pendingCount: Int { state.withLock { $0.pending.count } }

    /// How many times ``commit()`` succeeded.
    public var commitCount: Int { state.withLock { $0.commits } }

    /// Stores the message unless one with the same `Message-ID` is in the folder.
    public func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        let key = Key(mailbox: delivery.mailbox, folder: delivery.folder, messageID: delivery.message.messageID)
        let (failure, isDuplicate): ((any Error & Sendable)?, Bool) = state.withLock {
            $0.deliveries += 1
            let failure = $0.deliveryFailures.removeValue(forKey: $0.deliveries)
            return (failure, $0.durable[key] != nil || $0.pending[key] != nil)
        }
        if let failure { throw failure }
        if isDuplicate { return .duplicate }
        let bytes = try await delivery.message.body.collect()
        let stored = StoredMessage(
            mailbox: delivery.mailbox,
            folder: delivery.folder,
            messageID: delivery.message.messageID,
            itemID: delivery.item.id,
            bytes: bytes
        )
        state.withLock {
            $0.pending[key] = stored
            $0.pendingOrder.append(key)
        }
        return .delivered(byteCount: Int64(bytes.count))
    }

    /// Stores the message once for every mailbox that does not hold its `Message-ID` in the folder.
    ///
    /// Each mailbox counts as one delivery for ``failDelivery(_:with:)``; a scripted failure of any of them makes
    /// the whole call throw, with nothing stored.
    public func deliver(_ delivery: SharedDelivery) async throws -> [Result<DeliveryResult, ArchiverError>] {
        let keys = delivery.mailboxes.map {
            Key(mailbox: $0, folder: delivery.folder, messageID: delivery.message.messageID)
        }
        let (failure, duplicates): ((any Error & Sendable)?, [Bool]) = state.withLock { state in
            var failure: (any Error & Sendable)?
            var duplicates: [Bool] = []
            for (index, key) in keys.enumerated() {
                state.deliveries += 1
                failure = failure ?? state.deliveryFailures.removeValue(forKey: state.deliveries)
                let earlier = keys[..<index].contains(key)
                duplicates.append(earlier || state.durable[key] != nil || state.pending[key] != nil)
            }
            return (failure, duplicates)
        }
        if let failure { throw failure }
        guard duplicates.contains(false) else { return keys.map { _ in .success(.duplicate) } }
        let bytes = try await delivery.message.body.collect()
        return state.withLock { state in
            zip(keys, duplicates).map { key, isDuplicate in
                if isDuplicate { return .success(.duplicate) }
                state.pending[key] = StoredMessage(
                    mailbox: key.mailbox,
                    folder: key.folder,
                    messageID: key.messageID,
                    itemID: delivery.item.id,
                    bytes: bytes
                )
                state.pendingOrder.append(key)
                return .success(.delivered(byteCount: Int64(bytes.count)))
            }
        }
    }

    /// Makes pending deliveries durable, or throws a scripted failure.
    public func commit() async throws -> CommitReceipt {
        try state.withLock {
            let number = $0.commits + 1
            if let failure = $0.commitFailures.removeValue(forKey: number) { throw failure }
            $0.commits = number
            let count = $0.pendingOrder.count
            for key in $0.pendingOrder {
                $0.durable[key] = $0.pending[key]
                $0.durableOrder.append(key)
            }
            $0.pending = [:]
            $0.pendingOrder = []
            return CommitReceipt(deliveries: count)
        }
    }
}
