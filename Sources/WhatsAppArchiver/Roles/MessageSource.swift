/// Where items come from: a role that returns the items of a time window one page at a time.
///
/// A source is asked for pages in order, each time with the cursor the previous page returned, until a page
/// returns no cursor. Pages hold items in ascending (`capturedAt`, `id`) order; the `Connector` relies on this to
/// move its checkpoint forward while a run is in progress.
///
/// A source reports records it cannot decode as ``InvalidRecord``s in the page rather than throwing: one bad
/// record never stops a run. It throws only when it cannot go on at all (unreachable after retries, credentials
/// rejected), with an ``ArchiverError`` whose scope is ``ArchiverError/Scope/run``.
///
/// Implementations must be `Sendable`; the `Connector` calls them from one task at a time.
public protocol MessageSource: Sendable {
    /// Returns the next page of the window.
    func fetchPage(_ request: PageRequest) async throws -> SourcePage

    /// Releases what the source holds for the run (temporary attachment files, connections).
    ///
    /// The `Connector` calls it once when a run ends, however it ends. The default does nothing.
    func close() async
}

extension MessageSource {
    /// Does nothing.
    public func close() async {}
}

/// What the `Connector` asks a ``MessageSource`` for.
public struct PageRequest: Sendable, Hashable {
    /// The window on `capturedAt`.
    public var window: TimeWindow
    /// The cursor the previous page returned; `nil` for the first page.
    public var cursor: SourceCursor?
    /// The most items the page may hold.
    public var limit: Int

    /// Creates a request.
    public init(window: TimeWindow, cursor: SourceCursor? = nil, limit: Int = 500) {
        self.window = window
        self.cursor = cursor
        self.limit = limit
    }
}

/// An opaque position in a source's item sequence.
public struct SourceCursor: Sendable, Hashable, CustomStringConvertible {
    /// The source's own representation of the position.
    public var rawValue: String

    /// Creates a cursor.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The raw value.
    public var description: String { rawValue }
}

/// One page of a source's items.
public struct SourcePage: Sendable {
    /// The decoded items, in ascending (`capturedAt`, `id`) order.
    public var items: [Item]
    /// Records of this page that could not be decoded.
    public var invalidRecords: [InvalidRecord]
    /// Where the next page starts; `nil` when this is the last page.
    public var nextCursor: SourceCursor?

    /// Creates a page.
    public init(items: [Item], invalidRecords: [InvalidRecord] = [], nextCursor: SourceCursor?) {
        self.items = items
        self.invalidRecords = invalidRecords
        self.nextCursor = nextCursor
    }
}

/// A record a source could not turn into an ``Item``: it is reported, never silently dropped.
public struct InvalidRecord: Sendable, Hashable {
    /// The record's `id`, when it could be read.
    public var itemID: String?
    /// Where the record is: for example `items.jsonl line 17` or `page 3, item 12`.
    public var position: String
    /// Why the record is invalid, for example `missing required field "sentAt"`.
    public var reason: String

    /// Creates an invalid-record report.
    public init(itemID: String? = nil, position: String, reason: String) {
        self.itemID = itemID
        self.position = position
        self.reason = reason
    }
}
