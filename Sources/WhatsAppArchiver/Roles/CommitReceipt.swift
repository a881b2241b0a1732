/// A batch of deliveries that ``MailboxSink/seal()`` closed: the handle to wait for it with.
public struct SealedBatch: Sendable, Hashable {
    /// The batch's number: 1, 2, 3… per sink, in the order of sealing.
    public var sequence: Int
    /// How many deliveries (stored and accepted outcomes) the batch holds.
    public var deliveries: Int

    /// Creates a handle.
    public init(sequence: Int, deliveries: Int) {
        self.sequence = sequence
        self.deliveries = deliveries
    }
}

/// What a batch came to once durable: ``MailboxSink/waitUntilDurable(_:)``'s answer.
public struct CommitReceipt: Sendable, Equatable {
    /// How many deliveries became durable with this batch.
    public var deliveries: Int
    /// The final outcomes of the batch's ``MailboxOutcome/Status/accepted`` deliveries.
    public var settled: [SettledDelivery]

    /// Creates a receipt.
    public init(deliveries: Int, settled: [SettledDelivery] = []) {
        self.deliveries = deliveries
        self.settled = settled
    }
}

/// The final outcome of a delivery that a sink first answered with ``MailboxOutcome/Status/accepted``.
public struct SettledDelivery: Sendable, Equatable {
    /// The id of the delivery's item.
    public var itemID: String
    /// The delivered message's `Message-ID`.
    public var messageID: String
    /// What became of it: ``MailboxOutcome/Status/stored``, ``MailboxOutcome/Status/duplicate`` or
    /// ``MailboxOutcome/Status/refused``; never ``MailboxOutcome/Status/accepted``.
    public var outcome: MailboxOutcome

    /// Creates a settled delivery.
    public init(itemID: String, messageID: String, outcome: MailboxOutcome) {
        self.itemID = itemID
        self.messageID = messageID
        self.outcome = outcome
    }
}
