/// Where messages go: stores one message into a folder of every mailbox of a delivery, exactly once, and makes
/// deliveries durable in two phases.
///
/// ## Contract
///
/// - ``deliver(_:)`` stores the message for each of the delivery's mailboxes, or recognises it as already there.
///   A message whose ``EmailMessage/messageID`` is already in a mailbox's folder, delivered in an earlier run or
///   earlier in this one, is ``MailboxOutcome/Status/duplicate`` there, never a second copy.
/// - A delivery need not be durable when `deliver` returns. ``seal()`` closes the batch of deliveries returned so
///   far and starts making it durable; ``waitUntilDurable(_:)`` returns when it is. The `Connector` moves its
///   checkpoint only over batches that were waited for. A sink that cannot overlap the two does all its work in
///   `seal`, and the default `waitUntilDurable` returns at once.
/// - A problem with this message in one mailbox (a mailbox name the sink cannot store) is that mailbox's
///   ``MailboxOutcome/Status/refused`` outcome; a problem with the message itself is an item-scoped
///   ``ArchiverError`` thrown by `deliver` (nothing stored). Anything else (disk full, permission denied) stops the
///   run and must leave no partial message visible.
/// - A body that throws ``AttachmentFailure`` is discarded and the failure rethrown unchanged; the caller then
///   delivers the message's fallback. A sink that answers ``MailboxOutcome/Status/accepted`` (its work still in
///   flight) handles such a failure itself by storing `message.replacing(failure)`.
///
/// A sink that stores per mailbox implements ``PerMailboxSink`` instead and gets `deliver` as a loop. Everything
/// that crosses into a sink is `Sendable`, so an actor can be a sink.
///
/// Check an implementation with `MailboxSinkConformance` from the `WhatsAppArchiverTesting` module.
public protocol MailboxSink: Sendable {
    /// Stores one message into `folder` of every mailbox of the delivery, exactly once per (mailbox, Message-ID).
    ///
    /// - Returns: One outcome per mailbox, in the order of ``Delivery/mailboxes``.
    /// - Throws: ``AttachmentFailure`` (nothing stored for any mailbox); an item-scoped ``ArchiverError`` (nothing
    ///   stored, the item fails); anything else stops the run.
    func deliver(_ delivery: Delivery) async throws -> DeliveryResult

    /// Phase one of a commit: closes the current batch (every delivery that returned before this call) and starts
    /// making it durable.
    ///
    /// Deliveries made after `seal` returns belong to the next batch. A sink that cannot overlap does all its work
    /// here.
    func seal() async throws -> SealedBatch

    /// Phase two: returns when every delivery of `batch` is durable, with the final outcome of every delivery that
    /// ``deliver(_:)`` returned as ``MailboxOutcome/Status/accepted``.
    ///
    /// Batches are waited for in the order they were sealed, each once. The default returns
    /// `CommitReceipt(deliveries: batch.deliveries)` at once: right for a sink whose `seal` does all the work.
    func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt

    /// Releases what the sink holds (locks, descriptors, connections).
    ///
    /// Called once by the sink's owner (the `Connector` never closes a sink); deliveries not sealed and waited for
    /// are not durable. The default does nothing.
    func close() async throws
}

extension MailboxSink {
    /// Returns a receipt for the whole batch at once: `seal` made it durable.
    public func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt {
        CommitReceipt(deliveries: batch.deliveries)
    }

    /// Does nothing: the sink holds nothing that must be released.
    public func close() async throws {}

    /// Makes every delivery so far durable: ``seal()``, then ``waitUntilDurable(_:)``.
    public func commit() async throws -> CommitReceipt {
        try await waitUntilDurable(try await seal())
    }
}
