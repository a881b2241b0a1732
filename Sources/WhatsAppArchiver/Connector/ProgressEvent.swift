/// A snapshot of a run's progress, sent to the progress callback so that a tool can show a progress bar.
public struct ProgressEvent: Sendable, Hashable {
    /// What just happened.
    public var kind: Kind
    /// The running totals after it happened.
    public var counts: ProgressCounts
    /// The item it happened to, when it concerns one item.
    public var itemID: String?

    /// Creates an event.
    public init(kind: Kind, counts: ProgressCounts, itemID: String? = nil) {
        self.kind = kind
        self.counts = counts
        self.itemID = itemID
    }

    /// What a progress event reports. New kinds may be added; switch with a `default`.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// A short stable name.
        public var rawValue: String
        /// Creates a kind.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// A page was read from the source.
        public static let pageFetched = Kind(rawValue: "page_fetched")
        /// An item has been handled: delivered to every mailbox, or failed.
        public static let itemFinished = Kind(rawValue: "item_finished")
        /// The sink made the deliveries so far durable and the checkpoint moved.
        public static let committed = Kind(rawValue: "committed")
    }
}

/// Running totals of a run.
public struct ProgressCounts: Sendable, Hashable {
    /// Items (valid or invalid) read from the source so far.
    public var itemsRead: Int = 0
    /// Items the converter turned into a message (once per item, whatever the number of its mailboxes).
    public var converted: Int = 0
    /// Deliveries (item, mailbox) the sink stored.
    public var delivered: Int = 0
    /// Deliveries (item, mailbox) the sink already held.
    public var duplicates: Int = 0
    /// Items or deliveries that failed.
    public var failures: Int = 0
    /// Bytes the sink stored.
    public var bytes: Int64 = 0
    /// Deliveries made durable by commits.
    public var committed: Int = 0

    /// Creates zero counts.
    public init() {}
}
