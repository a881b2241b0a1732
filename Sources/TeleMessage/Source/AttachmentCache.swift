import Dispatch
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The attachment files of the current page: fetched once from the transport, checked once against the declared
/// size and SHA-256, then served to every mailbox an item fans out to.
///
/// The size is checked when the file arrives (`fstat`), so a truncated or padded file fails at its first open. A
/// file larger than ``inlineCheckLimit`` has its digest computed by an ``AttachmentVerification`` on a queue of its
/// own while the first reader streams the file, and that reader's last read waits for it: verifying first and
/// encoding after would read a 1 GiB file twice, one pass after the other. Smaller files are hashed at open. A failure that concerns the attachment (gone, corrupt) is remembered, so a
/// fan-out to ten mailboxes asks the server once and every open after a failed check fails at once, which makes
/// the converter render a placeholder. Temporary files are deleted by ``discardAll()``, which the source calls
/// before each page and when the run ends: readers already open keep working, since an unlinked file lives until
/// its last descriptor closes.
actor AttachmentCache {
    struct Key: Hashable {
        var id: String
        var size: Int64
        var sha256: String?

        /// The key of what `attachment` declares.
        init(_ attachment: Attachment) {
            self.init(id: attachment.id, size: attachment.size, sha256: attachment.sha256)
        }

        init(id: String, size: Int64, sha256: String?) {
            self.id = id
            self.size = size
            self.sha256 = sha256
        }
    }

    /// A fetched file whose size matched, with its digest check (running or settled).
    struct Fetched: Sendable {
        var file: TeleMessageAttachmentFile
        var verification: AttachmentVerification
    }

    private enum Entry {
        case loading(Task<Fetched, any Error>)
        case ready(Fetched)
        case failed(ArchiverError)
    }

    private let transport: any TeleMessageTransport
    /// A serial queue for the digests: attachments are streamed one after another, so hashing them in the order they
    /// were opened keeps one core for the converter.
    private let hashingQueue: DispatchQueue
    /// The fetches ``prefetch(_:)`` started and ``finishPrefetches()`` has not yet waited for.
    private var prefetches: [(key: Key, task: Task<Fetched, any Error>)] = []
    private var entries: [Key: Entry] = [:]
    /// Files up to this size are hashed at their first open, before it returns: a millisecond or two of hashing
    /// costs less than a thread hop, and a corrupt small file then fails at open like a missing one.
    static let inlineCheckLimit: Int64 = 1 << 20
    private var generation = 0

    init(transport: any TeleMessageTransport, hashingQueue: DispatchQueue) {
        self.transport = transport
        self.hashingQueue = hashingQueue
    }

    /// A new reader of the attachment for `key`, fetching the file and starting its check on first use.
    ///
    /// - Throws: ``ArchiverError/Code/attachmentMissing`` or ``ArchiverError/Code/attachmentIntegrity`` when the
    ///   attachment cannot be provided (including a digest found wrong by an earlier reader); a run-scoped error
    ///   when the source cannot be reached.
    func open(_ key: Key) async throws -> sending any AttachmentReader {
        // `fetched(for:)` returns with the entry current, and nothing below suspends: the cache still holds its
        // interest in the check when the reader takes one, and the file has not been discarded.
        let fetched = try await fetched(for: key)
        if case .failed(let error) = fetched.verification.outcome {
            // Remembered, so every later open fails here and the converter renders a placeholder; the corrupt
            // download goes now rather than with the page.
            entries[key] = .failed(error)
            Self.discard(fetched)
            throw error
        }
        return VerifyingAttachmentReader(
            file: try FileAttachmentReader(path: fetched.file.path),
            verification: fetched.verification,
            id: key.id,
            declaredSize: key.size
        )
    }

    /// Starts fetching and checking the small attachments (up to ``inlineCheckLimit``) of a page, one after
    /// another in the background, so that the converter finds them checked when it opens them instead of hashing
    /// them on its own path. Larger ones are left to their first open, which hashes them beside the stream.
    func prefetch(_ keys: [Key]) {
        let transport = transport
        let queue = hashingQueue
        var previous: Task<Fetched, any Error>?
        for key in keys where key.size <= Self.inlineCheckLimit && entries[key] == nil {
            // One at a time, in the page's order: the order in which the converter will want them.
            let before = previous
            let task = Task {
                _ = await before?.result
                return try await Self.fetchAndStartCheck(key, transport: transport, queue: queue)
            }
            entries[key] = .loading(task)
            prefetches.append((key, task))
            previous = task
        }
    }

    /// Waits for the prefetches started so far and records their outcomes, so that ``discardAll()`` finds their
    /// files (instead of leaving downloads that land after the source was closed).
    func finishPrefetches() async {
        let started = prefetches
        prefetches = []
        for (key, task) in started {
            let result = await task.result
            guard case .loading(let current) = entries[key], current == task else { continue }
            switch result {
            case .success(let fetched): entries[key] = .ready(fetched)
            case .failure(let error as ArchiverError) where error.scope == .item: entries[key] = .failed(error)
            case .failure: entries[key] = nil
            }
        }
    }

    /// Deletes every temporary file, forgets every entry, and stops the checks that no open reader waits for.
    func discardAll() {
        generation += 1
        for entry in entries.values {
            switch entry {
            case .ready(let fetched):
                Self.discard(fetched)
            case .loading(let task):
                // Still downloading: its file belongs to nobody once it lands. Discarded here, once, whoever else
                // is waiting for the task.
                Task { if let fetched = try? await task.value { Self.discard(fetched) } }
            case .failed:
                break
            }
        }
        entries.removeAll()
    }

    /// The entry for `key`, fetched and its check started on first use. On return the entry is `.ready` with the
    /// value returned.
    private func fetched(for key: Key) async throws -> Fetched {
        let task: Task<Fetched, any Error>
        switch entries[key] {
        case .ready(let fetched): return fetched
        case .failed(let error): throw error
        case .loading(let loading): task = loading
        case nil:
            let transport = transport
            let queue = hashingQueue
            task = Task { try await Self.fetchAndStartCheck(key, transport: transport, queue: queue) }
            entries[key] = .loading(task)
        }
        let started = generation
        let result = await task.result
        guard started == generation else {
            throw ArchiverError(.attachmentMissing, "Attachment \(key.id) was discarded while being fetched.")
        }
        // Every open waiting for the task resumes here, in any order: the first one records the outcome.
        let isCurrent: Bool
        if case .loading(let current) = entries[key] { isCurrent = current == task } else { isCurrent = false }
        switch result {
        case .success(let fetched):
            if isCurrent { entries[key] = .ready(fetched) }
            switch entries[key] {
            case .ready(let current) where current.verification === fetched.verification: return fetched
            case .failed(let error): throw error
            default: return try await self.fetched(for: key)
            }
        case .failure(let error as ArchiverError) where error.scope == .item:
            if isCurrent { entries[key] = .failed(error) }
            throw error
        case .failure(let error):
            // Not about this attachment (the source is down): forget it, so a later open tries again.
            if isCurrent { entries[key] = nil }
            throw error
        }
    }

    private static func discard(_ fetched: Fetched) {
        if fetched.file.isTemporary { _ = unlink(fetched.file.path) }
        fetched.verification.release()
    }

    /// Fetches the file, checks its size, and starts hashing it on a descriptor of the check's own.
    private static func fetchAndStartCheck(
        _ key: Key,
        transport: any TeleMessageTransport,
        queue: DispatchQueue
    ) async throws -> Fetched {
        let file = try await transport.fetchAttachment(id: key.id, declaredSize: key.size)
        do {
            let descriptor = try openChecked(file.path, key)
            guard let expected = key.sha256 else {
                SystemError.closeIgnoringInterrupts(descriptor)
                return Fetched(file: file, verification: .passed())
            }
            if key.size <= inlineCheckLimit {
                return Fetched(
                    file: file,
                    verification: try AttachmentVerification.checkNow(
                        hashing: descriptor,
                        id: key.id,
                        declaredSize: key.size,
                        expectedDigest: expected
                    )
                )
            }
            let verification = AttachmentVerification.start(
                hashing: descriptor,
                id: key.id,
                declaredSize: key.size,
                expectedDigest: expected,
                on: queue
            )
            return Fetched(file: file, verification: verification)
        } catch {
            if file.isTemporary { _ = unlink(file.path) }
            throw error
        }
    }

    /// Opens `path` and compares its size with the declared one.
    private static func openChecked(_ path: String, _ key: Key) throws -> Int32 {
        #if canImport(Darwin)
        let descriptor = Darwin.open(path, O_RDONLY | O_CLOEXEC)
        #elseif canImport(Musl)
        let descriptor = Musl.open(path, O_RDONLY | O_CLOEXEC)
        #else
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        #endif
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT {
                throw ArchiverError(
                    .attachmentMissing,
                    "Attachment \(key.id) disappeared after it was fetched: \(path)"
                )
            }
            throw POSIXFiles.failure("open the attachment file", path, code)
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let code = errno
            SystemError.closeIgnoringInterrupts(descriptor)
            throw POSIXFiles.failure("inspect the attachment file", path, code)
        }
        guard Int64(info.st_size) == key.size else {
            SystemError.closeIgnoringInterrupts(descriptor)
            throw AttachmentVerification.sizeMismatch(id: key.id, actual: Int64(info.st_size), declared: key.size)
        }
        return descriptor
    }
}
