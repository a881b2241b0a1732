/// What a run did, with the counts of Microsoft 365's connector log.
///
/// The counts obey one invariant, checked by ``invariantHolds``:
/// `itemsForImport == imported + partiallyImported + skippedDuplicates + failed`.
///
/// - ``itemsFromSource``: distinct items read in the window, invalid ones included.
/// - ``itemsForImport``: one per (item, mailbox) pair, and one for each item that reaches no mailbox (invalid or
///   unmapped).
///
/// The JSON form (``jsonData()``) is the report that `archive-daily --report` writes.
public struct RunReport: Sendable, Hashable {
    /// The window the run read.
    public var window: TimeWindow
    /// Distinct items read in the window, invalid ones included.
    public var itemsFromSource: Int = 0
    /// One per (item, mailbox) pair, plus one per item that reaches no mailbox.
    public var itemsForImport: Int = 0
    /// Deliveries stored complete.
    public var imported: Int = 0
    /// Deliveries stored with something missing (an attachment the source could not provide).
    public var partiallyImported: Int = 0
    /// Deliveries the sink already held.
    public var skippedDuplicates: Int = 0
    /// Items or deliveries that could not be imported: invalid, unmapped, or refused by the converter or sink.
    public var failed: Int = 0
    /// One entry per failure, in the order they happened.
    public var failures: [Failure] = []
    /// One entry per reason a delivery was partial.
    public var partials: [Partial] = []

    /// Creates an empty report for `window`.
    public init(window: TimeWindow) {
        self.window = window
    }

    /// Whether `itemsForImport == imported + partiallyImported + skippedDuplicates + failed`.
    public var invariantHolds: Bool {
        itemsForImport == imported + partiallyImported + skippedDuplicates + failed
    }

    /// An item or delivery that could not be imported.
    public struct Failure: Sendable, Hashable {
        /// The item's id; `nil` when an invalid record had none that could be read.
        public var itemID: String?
        /// The sender's phone number, when known.
        public var sourceUser: String?
        /// The mailbox the failed delivery was for; `nil` when the item reached no mailbox.
        public var mailbox: MailboxAddress?
        /// Why: ``ArchiverError/Code/unmapped``, ``ArchiverError/Code/invalidItem``,
        /// ``ArchiverError/Code/conversionFailed``, ``ArchiverError/Code/deliveryRejected``, ...; the JSON report
        /// writes its raw value (`unmapped`, `invalid_item`, ...).
        public var reason: ArchiverError.Code
        /// What exactly went wrong and where, for a person.
        public var detail: String?

        /// Creates a failure entry.
        public init(
            itemID: String?,
            sourceUser: String?,
            mailbox: MailboxAddress?,
            reason: ArchiverError.Code,
            detail: String? = nil
        ) {
            self.itemID = itemID
            self.sourceUser = sourceUser
            self.mailbox = mailbox
            self.reason = reason
            self.detail = detail
        }
    }

    /// A delivery that was stored with something missing.
    public struct Partial: Sendable, Hashable {
        /// The item's id.
        public var itemID: String
        /// The mailbox the delivery went to.
        public var mailbox: MailboxAddress
        /// Why: ``ArchiverError/Code/attachmentMissing``, ``ArchiverError/Code/attachmentIntegrity``, ...; the
        /// JSON report writes its raw value.
        public var reason: ArchiverError.Code
        /// What is missing, for a person.
        public var detail: String?

        /// Creates a partial entry.
        public init(itemID: String, mailbox: MailboxAddress, reason: ArchiverError.Code, detail: String? = nil) {
            self.itemID = itemID
            self.mailbox = mailbox
            self.reason = reason
            self.detail = detail
        }
    }
}
