import WhatsAppArchiver

/// A sink that is an actor: it stores a message once for all the mailboxes of a delivery, keeps it in memory,
/// and makes its batches durable in two phases. With `answersAccepted` it answers every new delivery
/// ``MailboxOutcome/Status/accepted`` and says at the batch's wait that it was stored, as a network sink with
/// requests in flight does; it then stores a message's fallback itself after an ``AttachmentFailure``.
///
/// Written from public API only, as an integrator would; it must compile in Swift 6 mode with strict concurrency.
actor ActorSink: MailboxSink {
    /// One stored copy: a durable set survives "restarts" (a new actor over the same store).
    final class Store: @unchecked Sendable {
        // Guarded by the actor that uses it: a test opens one sink over a store at a time.
        var durable: [String: (itemID: String, partialReasons: [PartialReason], byteCount: Int64)] = [:]
    }

    let store: Store
    let answersAccepted: Bool
    private var pending:
        [String: (
            itemID: String, messageID: String, mailbox: MailboxAddress, partialReasons: [PartialReason],
            byteCount: Int64
        )] = [:]
    private var unsealed: [String] = []
    private var sealed: [Int: [String]] = [:]
    private var sealCount = 0

    init(store: Store = Store(), answersAccepted: Bool = false) {
        self.store = store
        self.answersAccepted = answersAccepted
    }

    /// `mailbox itemID` of every durable message.
    var durableMessages: Set<String> {
        Set(store.durable.map { key, value in "\(key.split(separator: "|")[0]) \(value.itemID)" })
    }

    func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        let keys = delivery.mailboxes.map { "\($0)|\(delivery.folder)|\(delivery.message.messageID)" }
        let fresh = keys.map { store.durable[$0] == nil && pending[$0] == nil }
        guard fresh.contains(true) else {
            return DeliveryResult(outcomes: delivery.mailboxes.map { .duplicate($0) })
        }
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
        var outcomes: [MailboxOutcome] = []
        for (index, mailbox) in delivery.mailboxes.enumerated() {
            // Checked again: another delivery may have stored the message while this one awaited its body.
            guard fresh[index], store.durable[keys[index]] == nil, pending[keys[index]] == nil else {
                outcomes.append(.duplicate(mailbox))
                continue
            }
            pending[keys[index]] = (
                delivery.item.id, message.messageID, mailbox, message.partialReasons, Int64(bytes.count)
            )
            unsealed.append(keys[index])
            outcomes.append(
                answersAccepted
                    ? .accepted(mailbox, partialReasons: message.partialReasons)
                    : .stored(mailbox, byteCount: Int64(bytes.count), partialReasons: message.partialReasons)
            )
        }
        return DeliveryResult(outcomes: outcomes)
    }

    func seal() async throws -> SealedBatch {
        sealCount += 1
        let batch = unsealed
        unsealed = []
        sealed[sealCount] = batch
        return SealedBatch(sequence: sealCount, deliveries: batch.count)
    }

    func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt {
        guard let keys = sealed.removeValue(forKey: batch.sequence) else {
            throw ArchiverError(.protocolViolation, "Batch \(batch.sequence) is unknown.", scope: .run)
        }
        var settled: [SettledDelivery] = []
        for key in keys {
            guard let stored = pending.removeValue(forKey: key) else { continue }
            store.durable[key] = (stored.itemID, stored.partialReasons, stored.byteCount)
            if answersAccepted {
                settled.append(
                    SettledDelivery(
                        itemID: stored.itemID,
                        messageID: stored.messageID,
                        outcome: .stored(
                            stored.mailbox,
                            byteCount: stored.byteCount,
                            partialReasons: stored.partialReasons
                        )
                    )
                )
            }
        }
        return CommitReceipt(deliveries: keys.count, settled: settled)
    }

    func close() async throws {
        pending = [:]
        unsealed = []
        sealed = [:]
    }
}
