import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``MailboxSink`` that stores each message as a file in a Maildir++ folder of the mailbox's Maildir, the layout
/// Dovecot, mutt and notmuch read.
///
/// ```swift
/// let sink = try MaildirSink(root: "/srv/archive")
/// // <root>/alice@contoso.com/.WhatsApp Archiver/{cur,new,tmp}, maildirfolder; <root>/alice@contoso.com/subscriptions
/// ```
///
/// ## Exactly once
///
/// The files are the record of what is delivered: every file name carries a digest of the message's `Message-ID`
/// (see `MaildirFileName`). The first delivery to a folder reads `new/` and `cur/` once into memory (for files
/// named by other programs, just their header's `Message-ID`); after that a duplicate check is a set lookup, so the
/// 100,000th delivery costs what the first did. Mail clients keep that part of the name when they move a message
/// to `cur/` or flag it, so it stays recognised. A crash at any instant leaves nothing that could disagree: a
/// message is either complete in `new/` or `cur/` (and a rerun sees it), or it is not there (and a rerun delivers
/// it).
///
/// ## Durable and fast
///
/// ``deliver(_:)`` writes the message to `tmp/` with LF line endings (Dovecot's own format), sets its modification
/// time to the message's date (IMAP `INTERNALDATE`) and starts the kernel writing it back. A message that fits in
/// the sink's 64 KiB buffer is rendered by the caller and written by a thread of the sink's own, so that the file
/// system work overlaps the conversion of the next message; a failure there is thrown by the next delivery or
/// commit. A message for several mailboxes is written once and hard-linked into the other folders' `tmp/`
/// (``Configuration/linksCopies``), so it costs one file however many mailboxes it reaches.
///
/// ``seal()`` closes the batch and starts its commit in the background: sync the batch's files, rename them into
/// `new/` without ever replacing a file, and sync each `new/` directory once (one batch of syncs instead of a full
/// sync per message). Deliveries go on meanwhile; ``waitUntilDurable(_:)`` returns when the commit has.
///
/// ## Safe
///
/// Only a valid lower-case address becomes a directory name, every directory below the root is opened one
/// component at a time without following symbolic links, directories are `0700` and files `0600` whatever the
/// umask, and `dovecot-*` files are never touched. The sink holds an exclusive lock on the root while it is open: a
/// second sink over the same root, in this process or another, fails instead of racing it. On the first delivery
/// to a folder, temporary files that an earlier, crashed run of the sink left in its `tmp/` are removed.
///
/// Errors that stop the run (disk full, permission denied, read-only file system, a symbolic link inside the
/// root) are ``ArchiverError/Code/storageFailed`` with the path; the batch's temporary files are removed and no
/// partial message is ever visible in `new/`.
public final class MaildirSink: MailboxSink, Sendable {
    /// The configuration the sink was opened with.
    public let configuration: Configuration

    let hostToken: String
    let state: Mutex<State>
    /// Decides, and does, what makes the files durable.
    let syncPolicy: MaildirSyncPolicy
    /// Test hooks: empty in production.
    let hooks: Hooks
    /// Whether a new file needs an `fchmod` to be exactly `0600`: only when the umask removes an owner bit.
    let setsFileModes: Bool
    /// Creates, writes and links the files of small messages while the caller converts the next one.
    let writeBehind = MaildirWriteBehind()
    /// Runs sealed batches' commits, in order, off the cooperative pool.
    let committer = MaildirCommitter()
    /// The folder name deliveries last went to and its directory name: a connector delivers every item into one
    /// folder, and checking and encoding the name on every delivery cost about 1% of the caller's time.
    let lastFolder = Mutex<(name: String, directory: String?)?>(nil)

    /// Opens the Maildir tree at `root` with the default configuration.
    ///
    /// - Throws: ``ArchiverError/Code/storageFailed`` when the root cannot be created or opened, or when another
    ///   sink holds it.
    public convenience init(root: String) throws {
        try self.init(configuration: Configuration(root: root))
    }

    /// Opens the Maildir tree at `configuration.root`, creating the root if it does not exist.
    ///
    /// - Throws: ``ArchiverError/Code/storageFailed`` when the root cannot be created or opened, or when another
    ///   sink holds it.
    public convenience init(configuration: Configuration) throws {
        try self.init(configuration: configuration, hooks: Hooks())
    }

    /// Opens the Maildir tree with test hooks: fault injection, a system taken to lack `syncfs`, an observer of
    /// every sync.
    package init(configuration: Configuration, hooks: Hooks) throws {
        self.configuration = configuration
        self.hooks = hooks
        self.setsFileModes = !MaildirFileSystem.umaskKeepsOwnerReadWrite()
        self.syncPolicy = MaildirSyncPolicy(
            configuration: configuration,
            wholeFileSystemSyncAvailable: hooks.wholeFileSystemSyncAvailable
                ?? MaildirFileSystem.canSyncWholeFileSystem,
            observer: hooks.synced
        )
        self.hostToken = MaildirFileName.hostToken(configuration.hostName)
        let root = configuration.root
        var descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor < 0 && errno == ENOENT {
            try POSIXFiles.ensureDirectories(root)
            descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        guard descriptor >= 0 else { throw POSIXFiles.failure("open the Maildir root", root, errno) }
        do {
            guard try MaildirFileSystem.tryLock(descriptor, path: root) else {
                throw ArchiverError(
                    .storageFailed,
                    "Another Maildir sink, in this process or another, is delivering into \(root). Run one archiver "
                        + "per Maildir root at a time; run again when the other one has finished.",
                    scope: .run
                )
            }
            // Evidence log (#15): finish what an interrupted commit left half recorded, under the root's lock.
            try configuration.commitLog?.recover(root: root)
        } catch {
            SystemError.closeIgnoringInterrupts(descriptor)
            throw error
        }
        self.state = Mutex(State(root: descriptor))
    }

    deinit {
        writeBehind.requestStop()
        committer.requestStop()
        state.withLock { $0.close() }
    }

    /// Releases the root's lock and every descriptor, once the queued writes and commits have run. Deliveries not
    /// made durable stay in `tmp/` and are removed by the next sink that opens their folder; later calls to this
    /// sink throw.
    public func close() async throws {
        await writeBehind.stop()
        await committer.stop()
        state.withLock { $0.close() }
    }

    /// ``close()`` for callers that cannot await (a lock held by a test): the threads end on their own once their
    /// queues are empty.
    package func closeNow() {
        writeBehind.requestStop()
        committer.requestStop()
        state.withLock { $0.close() }
    }

    /// Stores the message for every mailbox of the delivery: written once to `tmp/` of the first mailbox that does
    /// not hold it yet, then hard-linked into the others' `tmp/` (copied where a link is impossible or
    /// ``Configuration/linksCopies`` is off). A mailbox whose folder holds the message already (or holds it in
    /// this batch) is a duplicate.
    ///
    /// - Returns: Per mailbox, ``MailboxOutcome/Status/stored`` with the message's size as the converter produced
    ///   it, ``MailboxOutcome/Status/duplicate``, or ``MailboxOutcome/Status/refused`` with
    ///   ``ArchiverError/Code/deliveryRejected`` for a mailbox that cannot be a directory name.
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` for a folder name that cannot be a Maildir++ folder;
    ///   ``ArchiverError/Code/storageFailed`` when the file system fails; whatever the message's body throws
    ///   (``AttachmentFailure`` among them), unchanged. Nothing is stored for any mailbox when it throws.
    public func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        let folder = try folderDirectoryName(delivery.folder)
        let message = delivery.message
        var outcomes = delivery.mailboxes.map { MailboxOutcome.duplicate($0) }
        var indices: [Int] = []
        var keys: [FolderKey] = []
        indices.reserveCapacity(delivery.mailboxes.count)
        keys.reserveCapacity(delivery.mailboxes.count)
        for (index, mailbox) in delivery.mailboxes.enumerated() {
            // A MailboxAddress is lower case, has no "/" and no leading dot by construction, so it is always a
            // directory name (MaildirSafetyTests checks this for hostile names); the check stays as a defence, but
            // once per mailbox and sink, not on every delivery.
            if let problem = Self.mailboxRefusal(mailbox, in: state) {
                outcomes[index] = .refused(mailbox, problem)
                continue
            }
            keys.append(FolderKey(mailbox: mailbox.rawValue, folder: folder))
            indices.append(index)
        }
        let digest = MessageIDDigest(messageID: message.messageID)
        let reserved = try reserve(digest, in: keys)
        var targets: [(index: Int, key: FolderKey, directories: MaildirFolderDirectories)] = []
        for (position, directories) in reserved.enumerated() {
            if let directories { targets.append((indices[position], keys[position], directories)) }
        }
        guard let first = targets.first else { return DeliveryResult(outcomes: outcomes) }

        let name = MaildirFileName(
            seconds: Int64(message.date.timeIntervalSince1970.rounded(.down)),
            digest: digest,
            host: hostToken
        )
        let stored: StoredFile
        do {
            stored = try await storeTemporaryFile(
                message,
                name: name,
                in: first.directories,
                sharedWith: targets.dropFirst().map(\.directories)
            )
            try await injectFaultDuringDelivery(.afterTemporaryWrite)
        } catch let fault as InjectedFault {
            throw fault
        } catch {
            release(digest, in: targets.map(\.key))
            throw error
        }
        let files = targets.enumerated().map { position, target in
            PendingFile(
                key: target.key,
                digest: digest,
                temporaryName: name.temporaryName,
                deliveredName: stored.name,
                isOriginal: position == 0,
                // Evidence log (#15): what the log records once the file is committed.
                logged: stored.sha256.map {
                    PendingLogEntry(
                        file: MaildirCommittedFile(
                            folderPath: target.directories.relativePath,
                            messageID: message.messageID,
                            sha256: [],
                            size: stored.storedByteCount,
                            fileName: stored.name,
                            folderIsInMemory: target.directories.isInMemory
                        ),
                        digest: $0
                    )
                }
            )
        }
        state.withLock { $0.batch.append(contentsOf: files) }
        for target in targets {
            outcomes[target.index] = .stored(
                delivery.mailboxes[target.index],
                byteCount: stored.receivedByteCount,
                partialReasons: message.partialReasons
            )
        }
        return DeliveryResult(outcomes: outcomes)
    }

    /// Closes the batch of deliveries returned so far and starts its commit on the sink's commit thread, after
    /// the commit of the batch sealed before it.
    ///
    /// - Throws: ``ArchiverError/Code/storageFailed`` (run scope) when the sink is closed.
    public func seal() async throws -> SealedBatch {
        try state.withLock { state in
            try state.checkOpen(configuration.root)
            let batch = state.batch
            state.batch = []
            state.sealedCount += 1
            let sealed = SealedBatch(sequence: state.sealedCount, deliveries: batch.count)
            guard !batch.isEmpty else { return sealed }
            // The commit waits for the write-behind queue up to here: this batch's files, not the next one's.
            let ticket = writeBehind.ticket
            state.commits[sealed.sequence] = committer.submit { try self.commit(batch, writtenThrough: ticket) }
            return sealed
        }
    }

    /// Returns when the batch's commit has: its files are complete in `new/` and synced.
    ///
    /// - Throws: ``ArchiverError/Code/storageFailed`` (run scope). Files not yet renamed are removed from `tmp/`;
    ///   files already renamed are complete and synced, and a rerun recognises them.
    public func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt {
        guard batch.deliveries > 0 else { return CommitReceipt(deliveries: 0) }
        let commit = state.withLock { $0.commits.removeValue(forKey: batch.sequence) }
        guard let commit else {
            throw ArchiverError(
                .protocolViolation,
                "Batch \(batch.sequence) of the Maildir sink for \(configuration.root) was never sealed or was "
                    + "already waited for.",
                scope: .run
            )
        }
        return try await commit.value
    }

    /// Why `name` cannot be a mailbox directory, or `nil` when it can: it must be a valid lower-case address and a
    /// single path component that does not start with a dot.
    package static func problem(withMailboxDirectoryName name: String) -> String? {
        if let problem = MailboxAddress.problem(with: name) { return problem }
        guard name.utf8.allSatisfy({ !($0 >= 0x41 && $0 <= 0x5A) }) else { return "the address is not in lower case" }
        guard !name.hasPrefix("."), !name.utf8.contains(UInt8(ascii: "/")), !name.utf8.contains(0) else {
            return "the address is not a single path component"
        }
        return nil
    }

    /// Calls the fault injection; when it throws, the sink dies as a process would: descriptors closed, the lock
    /// released, nothing cleaned up. On the commit thread, where nothing more is queued for the batch.
    func injectFault(_ point: FaultPoint) throws {
        guard let faultInjection = hooks.faultInjection else { return }
        do {
            try faultInjection(point)
        } catch {
            writeBehind.requestStop()
            committer.requestStop()
            state.withLock { $0.close() }
            throw InjectedFault(point: point, underlying: SendableErrorBox(error))
        }
    }

    /// ``injectFault(_:)`` during a delivery: the writes queued before the fault point were handed off, and a
    /// process dying here would have done them, so they run before the fault is thrown.
    func injectFaultDuringDelivery(_ point: FaultPoint) async throws {
        guard let faultInjection = hooks.faultInjection else { return }
        do {
            try faultInjection(point)
        } catch {
            await writeBehind.stop()
            committer.requestStop()
            state.withLock { $0.close() }
            throw InjectedFault(point: point, underlying: SendableErrorBox(error))
        }
    }

    /// The directory name of the folder `name` (`nil` for `INBOX`), remembered for the next delivery.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` for a name that cannot be a Maildir++ folder.
    func folderDirectoryName(_ name: String) throws -> String? {
        if let last = lastFolder.withLock({ $0 }), last.name == name { return last.directory }
        let directory = try MaildirFolderName.directoryName(for: name)
        lastFolder.withLock { $0 = (name, directory) }
        return directory
    }

    /// Why `mailbox` cannot be a Maildir, or `nil`; looked up in the set of mailboxes already checked first.
    static func mailboxRefusal(_ mailbox: MailboxAddress, in state: borrowing Mutex<State>) -> ArchiverError? {
        if state.withLock({ $0.checkedMailboxes.contains(mailbox.rawValue) }) { return nil }
        do {
            _ = try mailboxDirectoryName(mailbox.rawValue)
        } catch let problem as ArchiverError {
            return problem
        } catch {
            return ArchiverError(.deliveryRejected, String(describing: error), scope: .item)
        }
        state.withLock { _ = $0.checkedMailboxes.insert(mailbox.rawValue) }
        return nil
    }

    static func mailboxDirectoryName(_ name: String) throws -> String {
        if let problem = problem(withMailboxDirectoryName: name) {
            throw ArchiverError(
                .deliveryRejected,
                "The mailbox \"\(name)\" cannot be stored as a Maildir: \(problem). Correct the mapping.",
                scope: .item
            )
        }
        return name
    }
}

extension MaildirSink {
    /// Why `name` cannot be the folder a sink delivers into (``Delivery/folder``), or `nil` when it can: for checking
    /// a folder name given by an operator before opening anything.
    public static func problem(withFolderName name: String) -> String? {
        MaildirFolderName.problem(with: name)
    }
}
