/// Turns one item into the email message that goes to every mailbox the item reaches.
///
/// The `Connector` calls ``convert(_:)`` once per item. The message's bytes are not produced by `convert`: it
/// returns an ``EmailMessage`` whose ``EmailBody`` writes them to the sink as a stream, so attachments of any size
/// pass through in bounded memory, and which the sink may write once per mailbox. A converter opens the item's
/// attachments inside `convert` so that it knows which are missing or corrupt (and renders a placeholder for those,
/// reporting them in ``EmailMessage/partialReasons``) before the sink writes anything.
///
/// An attachment can still fail later, while the body streams it (a reader that verifies its digest at the end).
/// The body then throws ``AttachmentFailure``, and the `Connector` stores ``EmailMessage/fallback``: the message
/// with a placeholder for that attachment, which the converter makes from what it already holds. The source is
/// never asked again.
public protocol MessageConverter: Sendable {
    /// Converts one item for all the mailboxes of the request.
    ///
    /// Throws an item-scoped ``ArchiverError`` (or any error that is not an `ArchiverError`) when this item cannot
    /// be converted; the `Connector` counts it as failed for every mailbox and goes on. A run-scoped
    /// `ArchiverError` stops the run.
    func convert(_ request: ConversionRequest) async throws -> EmailMessage
}

/// What the `Connector` asks a ``MessageConverter`` to convert: one item, and everything about where it goes.
public struct ConversionRequest: Sendable {
    /// The item.
    public var item: Item
    /// How every participant mapped, so that the converter can address them by their mailboxes.
    public var mapping: MappingResult
    /// Every mailbox the message goes to: the mapped ones, or the quarantine mailbox.
    public var mailboxes: [MailboxAddress]
    /// Set when the message goes to a quarantine mailbox because the item reached no mailbox: why.
    public var quarantineReason: String?

    /// Creates a request.
    public init(item: Item, mapping: MappingResult, mailboxes: [MailboxAddress], quarantineReason: String? = nil) {
        self.item = item
        self.mapping = mapping
        self.mailboxes = mailboxes
        self.quarantineReason = quarantineReason
    }
}
