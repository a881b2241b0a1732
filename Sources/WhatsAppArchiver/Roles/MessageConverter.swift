/// Turns one item, for one mailbox, into an email message.
///
/// The message's bytes are not produced by ``convert(_:)``: it returns an ``EmailMessage`` whose ``EmailBody``
/// writes them to the sink as a stream, so attachments of any size pass through in bounded memory. A converter
/// opens the item's attachments inside `convert` so that it knows which are missing or corrupt (and renders a
/// placeholder for those, reporting them in ``EmailMessage/partialReasons``) before the sink writes anything.
public protocol MessageConverter: Sendable {
    /// Converts one item for one mailbox.
    ///
    /// Throws an item-scoped ``ArchiverError`` (or any error that is not an `ArchiverError`) when this item cannot
    /// be converted; the `Connector` counts it as failed and goes on. A run-scoped `ArchiverError` stops the run.
    func convert(_ request: ConversionRequest) async throws -> EmailMessage

    /// Whether the message ``convert(_:)`` makes for an item is the same whichever of the item's mailboxes the
    /// request names (it may still depend on the mapping and on a quarantine reason).
    ///
    /// When it is, and the sink ``MailboxSink/acceptsSharedDeliveries``, the `Connector` converts an item once and
    /// hands that one message to the sink for all the item's mailboxes (``SharedDelivery``), instead of converting
    /// once per mailbox. The default is `false`.
    var makesSameMessageForEveryMailbox: Bool { get }
}

extension MessageConverter {
    /// `false`: by default the `Connector` converts an item once per mailbox.
    public var makesSameMessageForEveryMailbox: Bool { false }
}

/// What the `Connector` asks a ``MessageConverter`` to convert.
public struct ConversionRequest: Sendable {
    /// The item.
    public var item: Item
    /// The mailbox this copy is for.
    public var mailbox: MailboxAddress
    /// How every participant mapped, so that the converter can address them by their mailboxes.
    public var mapping: MappingResult
    /// Set when this copy goes to a quarantine mailbox because the item reached no mailbox: why.
    public var quarantineReason: String?

    /// Creates a request.
    public init(item: Item, mailbox: MailboxAddress, mapping: MappingResult, quarantineReason: String? = nil) {
        self.item = item
        self.mailbox = mailbox
        self.mapping = mapping
        self.quarantineReason = quarantineReason
    }
}
