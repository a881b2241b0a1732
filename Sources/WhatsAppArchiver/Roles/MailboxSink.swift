/// Where messages go: delivers a message into a folder of a mailbox, exactly once, and makes deliveries durable.
///
/// ## Contract
///
/// - ``deliver(_:)-(Delivery)`` stores the message or recognises it as already stored. A message whose
///   ``EmailMessage/messageID`` is already in the mailbox's folder, delivered in an earlier run or earlier in this
///   one, is a ``DeliveryStatus/duplicate``, never a second copy.
/// - A delivery need not be durable when `deliver` returns. ``commit()`` makes every delivery so far durable
///   before it returns; the `Connector` moves its checkpoint only after `commit` returns.
/// - A problem with this one message (a mailbox name the sink cannot store, say) is an item-scoped
///   ``ArchiverError``: the run goes on. Anything else (disk full, permission denied) stops the run and must leave
///   no partial message visible.
///
/// Check an implementation with `MailboxSinkConformance` from the `WhatsAppArchiverTesting` module.
public protocol MailboxSink: Sendable {
    /// Delivers one message.
    func deliver(_ delivery: Delivery) async throws -> DeliveryResult

    /// Makes every delivery so far durable, and returns when it is.
    func commit() async throws -> CommitReceipt

    /// Whether ``deliver(_:)-(Delivery)`` may be called while a ``commit()`` runs. The default is `false`.
    ///
    /// When it is `true`, a commit makes durable every delivery that returned before the commit was called;
    /// deliveries made while it runs wait for the next commit. The `Connector` then commits in the background
    /// while it goes on converting and delivering, and moves the checkpoint when the commit has returned.
    var allowsDeliveriesDuringCommit: Bool { get }

    /// Whether the sink implements ``deliver(_:)-(SharedDelivery)``: one message for several mailboxes, stored
    /// once where the sink can (a hard link, a single-instance store). The default is `false`.
    var acceptsSharedDeliveries: Bool { get }

    /// Delivers one message to the same folder of several mailboxes, with the guarantees of
    /// ``deliver(_:)-(Delivery)`` for each of them.
    ///
    /// Called by the `Connector` only when ``acceptsSharedDeliveries`` is `true`. The message's body may be
    /// written at most once: a sink that keeps one copy per mailbox copies what it stored.
    ///
    /// - Returns: One result per mailbox, in the order of ``SharedDelivery/mailboxes``: what was done for it, or
    ///   the item-scoped ``ArchiverError`` that refused that mailbox alone (a mailbox name the sink cannot store).
    /// - Throws: An item-scoped ``ArchiverError`` when the message could not be stored for any mailbox (its body
    ///   failed); any other error stops the run, as for ``deliver(_:)-(Delivery)``.
    func deliver(_ delivery: SharedDelivery) async throws -> [Result<DeliveryResult, ArchiverError>]
}

extension MailboxSink {
    /// `false`: by default the `Connector` waits for each commit before it delivers again.
    public var allowsDeliveriesDuringCommit: Bool { false }

    /// `false`: by default the `Connector` delivers a message per mailbox.
    public var acceptsSharedDeliveries: Bool { false }

    /// Refuses: a sink that does not set ``acceptsSharedDeliveries`` is never asked.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` (run scope).
    public func deliver(_ delivery: SharedDelivery) async throws -> [Result<DeliveryResult, ArchiverError>] {
        throw ArchiverError(
            .invalidConfiguration,
            "\(type(of: self)) does not accept shared deliveries (acceptsSharedDeliveries is false); deliver one "
                + "message per mailbox instead.",
            scope: .run
        )
    }
}

/// One message for one mailbox folder.
public struct Delivery {
    /// The mailbox.
    public var mailbox: MailboxAddress
    /// The folder inside the mailbox, for example `WhatsApp Archiver`.
    public var folder: String
    /// The message.
    public var message: EmailMessage
    /// The item the message was made from, for sinks that want its metadata.
    public var item: Item

    /// Creates a delivery.
    public init(mailbox: MailboxAddress, folder: String, message: EmailMessage, item: Item) {
        self.mailbox = mailbox
        self.folder = folder
        self.message = message
        self.item = item
    }
}

/// One message for the same folder of several mailboxes: an item whose message does not depend on the mailbox.
///
/// See ``MailboxSink/deliver(_:)-(SharedDelivery)``.
public struct SharedDelivery {
    /// The mailboxes, without repeats, in the order the results come back.
    public var mailboxes: [MailboxAddress]
    /// The folder inside each mailbox, for example `WhatsApp Archiver`.
    public var folder: String
    /// The message; its body may be written at most once.
    public var message: EmailMessage
    /// The item the message was made from, for sinks that want its metadata.
    public var item: Item

    /// Creates a shared delivery.
    public init(mailboxes: [MailboxAddress], folder: String, message: EmailMessage, item: Item) {
        self.mailboxes = mailboxes
        self.folder = folder
        self.message = message
        self.item = item
    }
}

/// What a sink did with a delivery.
public struct DeliveryResult: Sendable, Hashable {
    /// Whether the message was stored or already there.
    public var status: DeliveryStatus
    /// How many bytes were stored (0 for a duplicate).
    public var byteCount: Int64

    /// Creates a result.
    public init(status: DeliveryStatus, byteCount: Int64 = 0) {
        self.status = status
        self.byteCount = byteCount
    }

    /// The message was stored.
    public static func delivered(byteCount: Int64) -> DeliveryResult {
        DeliveryResult(status: .delivered, byteCount: byteCount)
    }

    /// The message was already in the folder.
    public static let duplicate = DeliveryResult(status: .duplicate, byteCount: 0)
}

/// Whether a message was stored or was already there.
public enum DeliveryStatus: Sendable, Hashable {
    /// The message was stored; it becomes durable at the next commit.
    case delivered
    /// A message with the same `Message-ID` is already in the folder; nothing was stored.
    case duplicate
}

/// What a commit made durable.
public struct CommitReceipt: Sendable, Hashable {
    /// How many deliveries became durable with this commit.
    public var deliveries: Int

    /// Creates a receipt.
    public init(deliveries: Int) {
        self.deliveries = deliveries
    }
}
