import Dispatch
import Synchronization
import WhatsAppArchiver

/// The TeleMessage source: reads WhatsApp items captured by TeleMessage, over any ``TeleMessageTransport``.
///
/// ```swift
/// // A saved export (the directory binding):
/// let saved = try TeleMessageSource(exportDirectory: "export")
/// // A live account (the HTTP binding); the password is read from TELEMESSAGE_PASSWORD when signing in:
/// let live = try TeleMessageSource(
///     http: .init(baseURL: URL(string: "https://archive.example.com")!),
///     credentials: .environment(username: "ops@contoso.com"))
/// // Any other binding: TeleMessageSource(transport: myTransport)
/// ```
///
/// The source decodes every record with ``ItemDecoder``: an invalid record becomes an ``InvalidRecord`` with its
/// position and reason and the page goes on. An `id` seen before in the same run is collapsed into its first
/// occurrence. Each attachment's content fetches the bytes once and serves every later open (one per mailbox) from
/// the same file; the declared size is checked when the file arrives. An attachment of up to 1 MiB is fetched and
/// hashed ahead, in the background, as soon as its page is returned. A larger one is fetched on first open and its
/// SHA-256 computed on another thread while the first reader streams the file; that reader's last read throws
/// ``ArchiverError/Code/attachmentIntegrity`` if it does not match, and every later open of the attachment fails
/// with it. A missing attachment opens as ``ArchiverError/Code/attachmentMissing`` and a corrupt one as
/// ``ArchiverError/Code/attachmentIntegrity``, so the delivery is partial rather than failed. Temporary files are
/// deleted when the next page is fetched and when the run ends.
///
/// Over a saved export (the directory binding), the source reads and decodes the next page in a task of its own
/// while the connector converts the current one (the read-ahead), on the other core: decoding was about a tenth
/// of the connector's time on small items. A request for another page than the one read ahead cancels it and
/// reads what was asked; so does ``close()``. Nothing of a page read ahead is visible (no duplicate collapsed, no
/// attachment fetched) before the page is asked for. Over the network it reads only what is asked for: every
/// request counts against the server's limits, and a run that stops early would have asked for a page in vain.
public final class TeleMessageSource: MessageSource {
    /// How the source decodes records.
    public struct Configuration: Sendable {
        /// Limits for hostile records.
        public var decoder = ItemDecoder.Configuration()

        /// Creates the default configuration.
        public init() {}
    }

    /// Where the bytes come from.
    public let transport: any TeleMessageTransport
    private let decoder: ItemDecoder
    private let attachments: AttachmentCache
    private let seenItemIDs = Mutex(Set<String>())
    /// The page being read ahead, and the request it answers.
    private let readAhead = Mutex<(request: PageRequest, task: Task<DecodedPage, any Error>)?>(nil)
    /// Whether the transport reads local files, whose next page the source reads ahead.
    private let readsAhead: Bool

    /// Creates a source over `transport`.
    public convenience init(transport: any TeleMessageTransport, configuration: Configuration = Configuration()) {
        self.init(
            transport: transport,
            configuration: configuration,
            hashingQueue: DispatchQueue(label: "TeleMessage.AttachmentVerification", qos: .userInitiated)
        )
    }

    /// Creates a source whose attachment digests are computed on `hashingQueue`: tests hold it suspended to see a
    /// check still running.
    init(transport: any TeleMessageTransport, configuration: Configuration, hashingQueue: DispatchQueue) {
        self.transport = transport
        self.readsAhead = transport is ExportDirectoryTransport
        self.decoder = ItemDecoder(configuration: configuration.decoder)
        self.attachments = AttachmentCache(transport: transport, hashingQueue: hashingQueue)
    }

    /// Fetches, decodes and returns the next page of the window.
    public func fetchPage(_ request: PageRequest) async throws -> SourcePage {
        let page = try await decodedPage(request)
        await attachments.finishPrefetches()
        await attachments.discardAll()
        if request.cursor == nil {
            seenItemIDs.withLock { $0.removeAll() }
        }
        if readsAhead, let next = page.nextCursor {
            startReadAhead(PageRequest(window: request.window, cursor: next, limit: request.limit))
        }
        var items: [Item] = []
        var invalidRecords = page.invalidRecords
        items.reserveCapacity(page.outcomes.count)
        for outcome in page.outcomes {
            switch outcome {
            case .item(var item):
                // A server that returns an item outside the window breaks the contract; that item belongs to
                // another window, which will read it.
                guard request.window.contains(item.capturedAt), isFirstOccurrence(item.id) else { continue }
                for index in item.attachments.indices {
                    item.attachments[index].content = content(for: item.attachments[index])
                }
                items.append(item)
            case .invalid(let invalid):
                if let id = invalid.itemID, !isFirstOccurrence(id) { continue }
                invalidRecords.append(invalid)
            }
        }
        await attachments.prefetch(items.flatMap { $0.attachments.map(AttachmentCache.Key.init) })
        return SourcePage(items: items, invalidRecords: invalidRecords, nextCursor: page.nextCursor)
    }

    /// Deletes temporary attachment files, forgets the ids seen in the run, and closes the transport.
    public func close() async {
        await cancelReadAhead()
        await attachments.finishPrefetches()
        await attachments.discardAll()
        seenItemIDs.withLock { $0.removeAll() }
        await transport.close()
    }

    /// A page's records, decoded, before the window and duplicate checks.
    private struct DecodedPage: Sendable {
        var outcomes: [ItemDecoder.Outcome]
        var invalidRecords: [InvalidRecord]
        var nextCursor: SourceCursor?
    }

    /// The page for `request`: the one read ahead when it answers this request, else read now.
    private func decodedPage(_ request: PageRequest) async throws -> DecodedPage {
        let pending = readAhead.withLock { state in
            defer { state = nil }
            return state
        }
        if let pending {
            if pending.request == request {
                // The read-ahead runs in a task of its own: a cancelled caller stops it as it would stop the read.
                return try await withTaskCancellationHandler {
                    try await pending.task.value
                } onCancel: {
                    pending.task.cancel()
                }
            }
            pending.task.cancel()
            _ = try? await pending.task.value
        }
        return try await Self.readPage(request, transport: transport, decoder: decoder)
    }

    private func startReadAhead(_ request: PageRequest) {
        let transport = transport
        let decoder = decoder
        let task = Task { try await Self.readPage(request, transport: transport, decoder: decoder) }
        readAhead.withLock { $0 = (request, task) }
    }

    private func cancelReadAhead() async {
        let pending = readAhead.withLock { state in
            defer { state = nil }
            return state
        }
        guard let pending else { return }
        pending.task.cancel()
        _ = try? await pending.task.value
    }

    private static func readPage(
        _ request: PageRequest,
        transport: any TeleMessageTransport,
        decoder: ItemDecoder
    ) async throws -> DecodedPage {
        let page = try await transport.fetchRecords(request)
        return DecodedPage(
            outcomes: page.records.map { record in
                record.parsed.map { decoder.decode($0, position: record.position) }
                    ?? decoder.decode(record.json, position: record.position)
            },
            invalidRecords: page.invalidRecords,
            nextCursor: page.nextCursor
        )
    }

    private func isFirstOccurrence(_ id: String) -> Bool {
        seenItemIDs.withLock { $0.insert(id).inserted }
    }

    private func content(for attachment: Attachment) -> AttachmentContent {
        let key = AttachmentCache.Key(attachment)
        let cache = attachments
        return AttachmentContent { try await cache.open(key) }
    }
}
