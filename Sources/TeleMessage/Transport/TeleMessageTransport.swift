import WhatsAppArchiver

/// Where a ``TeleMessageSource`` gets its bytes: item records and attachment files.
///
/// The transport knows a binding (HTTP, a saved export directory, or anything an integrator plugs in); the source
/// knows the format. A transport returns records as raw JSON text, selected by the request's window on
/// `capturedAt`, and makes attachment bytes available as local files. It does not decode items: the source does,
/// with ``ItemDecoder``, so every transport reports bad records the same way.
///
/// A transport retries transient failures itself and throws an ``ArchiverError`` of scope
/// ``ArchiverError/Scope/run`` only when it cannot go on.
public protocol TeleMessageTransport: Sendable {
    /// Returns the next page of item records whose `capturedAt` lies in `request.window`, in export order.
    ///
    /// Records the transport cannot even frame (a line longer than the limit) are returned as invalid records.
    func fetchRecords(_ request: PageRequest) async throws -> TeleMessageRecordPage

    /// Makes the bytes of attachment `id` available as a local file.
    ///
    /// - Parameters:
    ///   - id: The attachment's id, already checked by ``WhatsAppArchiver/Attachment/isValidID(_:)``.
    ///   - declaredSize: The size the item declares: a transport stops reading well past it, so a hostile server
    ///     cannot fill the disk.
    /// - Throws: ``ArchiverError/Code/attachmentMissing`` when the attachment is gone; a run-scoped error when the
    ///   transport cannot reach it after its retries.
    func fetchAttachment(id: String, declaredSize: Int64) async throws -> TeleMessageAttachmentFile

    /// Releases what the transport holds (temporary directory, connections).
    func close() async
}

extension TeleMessageTransport {
    /// Does nothing.
    public func close() async {}
}

/// One item record as a transport read it, not yet decoded.
public struct TeleMessageRecord: Sendable, Hashable {
    /// The record's JSON text.
    public var json: [UInt8]
    /// Where the record is, for reports: `items.jsonl line 17`, `page 3 item 12`.
    public var position: String
    /// The parsed text, when a built-in transport already parsed it (the directory binding reads `capturedAt`
    /// to select the window): saves parsing twice. Checked to be UTF-8 and within the decoder's limits.
    let parsed: JSONDocument?

    /// Creates a record.
    public init(json: [UInt8], position: String) {
        self.json = json
        self.position = position
        self.parsed = nil
    }

    init(parsed: JSONDocument, position: String) {
        self.json = parsed.bytes
        self.position = position
        self.parsed = parsed
    }

    /// Whether two records have the same text and position.
    public static func == (lhs: TeleMessageRecord, rhs: TeleMessageRecord) -> Bool {
        lhs.json == rhs.json && lhs.position == rhs.position
    }

    /// Hashes the text and position.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(json)
        hasher.combine(position)
    }
}

/// One page of records from a ``TeleMessageTransport``.
public struct TeleMessageRecordPage: Sendable {
    /// The records, in export order.
    public var records: [TeleMessageRecord]
    /// Records the transport could not frame.
    public var invalidRecords: [InvalidRecord]
    /// Where the next page starts; `nil` after the last page.
    public var nextCursor: SourceCursor?

    /// Creates a page.
    public init(records: [TeleMessageRecord], invalidRecords: [InvalidRecord] = [], nextCursor: SourceCursor?) {
        self.records = records
        self.invalidRecords = invalidRecords
        self.nextCursor = nextCursor
    }
}

/// An attachment's bytes as a local file.
public struct TeleMessageAttachmentFile: Sendable, Hashable {
    /// The file's path.
    public var path: String
    /// Whether the file is a download the source must delete when it no longer needs it.
    public var isTemporary: Bool

    /// Creates a file reference.
    public init(path: String, isTemporary: Bool) {
        self.path = path
        self.isTemporary = isTemporary
    }
}
