/// A ``MailboxSink`` that stores per mailbox: it implements one method, for one mailbox, and gets
/// ``MailboxSink/deliver(_:)`` as a loop over the delivery's mailboxes.
///
/// The loop writes the message (replaying its body) once per mailbox, in order. An item-scoped ``ArchiverError``
/// thrown for one mailbox becomes that mailbox's ``MailboxOutcome/Status/refused`` outcome. An ``AttachmentFailure``
/// makes it store the message's fallback for that mailbox and the ones after it; when the message has no fallback,
/// the failure is rethrown if nothing was stored yet, and refuses the remaining mailboxes otherwise.
public protocol PerMailboxSink: MailboxSink {
    /// Stores one message into `folder` of one mailbox, exactly once per (mailbox, Message-ID).
    ///
    /// - Returns: The mailbox's outcome.
    /// - Throws: ``AttachmentFailure`` (after discarding what was written); an item-scoped ``ArchiverError`` (this
    ///   mailbox refused); anything else stops the run.
    func deliver(_ delivery: MailboxDelivery) async throws -> MailboxOutcome
}

extension PerMailboxSink {
    /// Delivers the message to each mailbox in turn with ``deliver(_:)-(MailboxDelivery)``.
    public func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        var message = delivery.message
        var outcomes: [MailboxOutcome] = []
        outcomes.reserveCapacity(delivery.mailboxes.count)
        // Each fallback replaces one more attachment, so a converter's chain of fallbacks ends; the bound guards
        // against one that does not.
        var fallbacksLeft = delivery.item.attachments.count
        for mailbox in delivery.mailboxes {
            while true {
                do {
                    outcomes.append(
                        try await deliver(
                            MailboxDelivery(
                                mailbox: mailbox,
                                folder: delivery.folder,
                                message: message,
                                item: delivery.item
                            )
                        )
                    )
                } catch let failure as AttachmentFailure {
                    if fallbacksLeft > 0, let fallback = message.replacing(failure) {
                        fallbacksLeft -= 1
                        message = fallback
                        continue
                    }
                    guard !outcomes.isEmpty else { throw failure }
                    let problem = ArchiverError(
                        failure.reason.code,
                        "\(failure.reason.detail) (no fallback message to store instead)",
                        scope: .item
                    )
                    outcomes.append(.refused(mailbox, problem))
                } catch let problem as ArchiverError where problem.scope == .item {
                    outcomes.append(.refused(mailbox, problem))
                }
                break
            }
        }
        return DeliveryResult(outcomes: outcomes)
    }
}
