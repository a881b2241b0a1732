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
/// ``deliver(_:)-(Delivery)`` writes the message to `tmp/` with LF line endings (Dovecot's own format), sets its modification
/// time to the message's date (IMAP `INTERNALDATE`) and starts the kernel writing it back. A message that fits in
/// the sink's 64 KiB buffer is rendered by the caller and written by a thread of the sink's own, so that the file
/// system work overlaps the conversion of the next message; a failure there is thrown by the next delivery or
/// commit. ``commit()`` then syncs
/// the batch's files, renames them into `new/` without ever replacing a file, and syncs each `new/` directory
/// once: one batch of syncs instead of a full sync per message. A message that reaches several mailboxes
/// (``deliver(_:)-(SharedDelivery)``) is written once and hard-linked into the other folders' `tmp/`
/// (``Configuration/linksCopies``), so it costs one file however many mailboxes it reaches.
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

    private let hostToken: String
    private let state: Mutex<State>
    /// Creates, writes and links the files of small messages while the caller converts the next one.
    private let writeBehind = MaildirWriteBehind()

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
    public init(configuration: Configuration) throws {
        self.configuration = configuration
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
        writeBehind.stop()
        state.withLock { $0.close() }
    }

    /// Releases the root's lock and every descriptor. Deliveries not committed stay in `tmp/` and are removed by
    /// the next sink that opens their folder; later calls to this sink throw.
    public func close() {
        writeBehind.stop()
        state.withLock { $0.close() }
    }

    /// Stores the message in `tmp/`, or recognises it as already in the folder (or already in this batch).
    ///
    /// - Returns: ``DeliveryResult/delivered(byteCount:)`` with the message's size as the converter produced it,
    ///   or ``DeliveryResult/duplicate``.
    /// - Throws: ``ArchiverError/Code/deliveryRejected`` (item scope) for a mailbox that cannot be a directory
    ///   name; ``ArchiverError/Code/invalidConfiguration`` for a folder name that cannot be a Maildir++ folder;
    ///   ``ArchiverError/Code/storageFailed`` when the file system fails; whatever the message's body throws.
    public func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        // One mailbox is a shared delivery to a single mailbox: the same checks, file and cleanup.
        let results = try await deliver(
            SharedDelivery(
                mailboxes: [delivery.mailbox],
                folder: delivery.folder,
                message: delivery.message,
                item: delivery.item
            )
        )
        return try results[0].get()
    }

    /// `true`: a commit takes the deliveries made before it was called, and new deliveries wait for the next one.
    public var allowsDeliveriesDuringCommit: Bool { true }

    /// `true`: the sink stores a message for several mailboxes once, and links (or, where it cannot, copies) that
    /// file into the other mailboxes' folders.
    public var acceptsSharedDeliveries: Bool { true }

    /// Stores one message for the same folder of several mailboxes: written once to the first mailbox that does
    /// not hold it yet, then hard-linked into the others' `tmp/` (copied where a link is impossible or
    /// ``Configuration/linksCopies`` is off). Each copy is then committed exactly like a single delivery.
    ///
    /// - Returns: Per mailbox, ``DeliveryResult/delivered(byteCount:)``, ``DeliveryResult/duplicate``, or
    ///   ``ArchiverError/Code/deliveryRejected`` for a mailbox that cannot be a directory name.
    /// - Throws: As ``deliver(_:)-(Delivery)``; nothing is stored for any mailbox when it throws.
    public func deliver(_ delivery: SharedDelivery) async throws -> [Result<DeliveryResult, ArchiverError>] {
        let folder = try MaildirFolderName.directoryName(for: delivery.folder)
        var results = [Result<DeliveryResult, ArchiverError>](
            repeating: .success(.duplicate),
            count: delivery.mailboxes.count
        )
        var indices: [Int] = []
        var keys: [FolderKey] = []
        for (index, mailbox) in delivery.mailboxes.enumerated() {
            do {
                keys.append(FolderKey(mailbox: try Self.mailboxDirectoryName(mailbox.rawValue), folder: folder))
                indices.append(index)
            } catch let problem as ArchiverError {
                results[index] = .failure(problem)
            }
        }
        let digest = MessageIDDigest(messageID: delivery.message.messageID)
        let reserved = try reserve(digest, in: keys)
        var targets: [(index: Int, key: FolderKey, directories: MaildirFolderDirectories)] = []
        for (position, directories) in reserved.enumerated() {
            if let directories { targets.append((indices[position], keys[position], directories)) }
        }
        guard let first = targets.first else { return results }

        let name = MaildirFileName(
            seconds: Int64(delivery.message.date.timeIntervalSince1970.rounded(.down)),
            digest: digest,
            host: hostToken
        )
        let stored: StoredFile
        do {
            stored = try await storeTemporaryFile(
                delivery.message,
                name: name,
                in: first.directories,
                sharedWith: targets.dropFirst().map(\.directories)
            )
            try injectFault(.afterTemporaryWrite)
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
                isSyncedWithEarlierFile: position > 0,
                // Evidence log (#15): what the log records once the file is committed.
                logged: stored.sha256.map {
                    MaildirCommittedFile(
                        folderPath: target.key.mailbox + (target.key.folder.map { "/" + $0 } ?? ""),
                        messageID: delivery.message.messageID,
                        sha256: $0,
                        size: stored.storedByteCount,
                        fileName: stored.name
                    )
                }
            )
        }
        state.withLock { $0.batch.append(contentsOf: files) }
        for target in targets { results[target.index] = .success(.delivered(byteCount: stored.receivedByteCount)) }
        return results
    }

    /// Makes every delivery so far durable: syncs the batch's files, renames them into `new/`, syncs each `new/`
    /// directory once.
    ///
    /// - Throws: ``ArchiverError/Code/storageFailed`` (run scope). Files not yet renamed are removed from `tmp/`;
    ///   files already renamed are complete and synced, and a rerun recognises them.
    public func commit() async throws -> CommitReceipt {
        let batch = try state.withLock { state -> [PendingFile] in
            try state.checkOpen(configuration.root)
            defer { state.batch = [] }
            return state.batch
        }
        guard !batch.isEmpty else { return CommitReceipt(deliveries: 0) }
        var folders: [FolderKey: MaildirFolderDirectories] = [:]
        var folderOrder: [FolderKey] = []
        do {
            try writeBehind.drain()
            try state.withLock { state in
                for file in batch where folders[file.key] == nil {
                    folders[file.key] = try self.directories(for: file.key, in: &state)
                    folderOrder.append(file.key)
                }
            }
        } catch {
            discard(batch[...], folders)
            throw error
        }

        do {
            let anyDirectory = folders[folderOrder[0]]!.temporary
            if try
                !(configuration.syncsWholeFileSystem
                && MaildirFileSystem.syncFileSystem(containing: anyDirectory, path: configuration.root))
            {
                for file in batch where !file.isSyncedWithEarlierFile {
                    try Self.syncTemporaryFile(file, in: folders[file.key]!)
                }
            }
            #if canImport(Darwin)
            // fsync leaves the data in the drive's cache on Apple platforms: flush it once for the whole batch.
            try MaildirFileSystem.sync(folders[folderOrder[0]]!.temporary, path: configuration.root, fullFlush: true)
            #endif
            try injectFault(.afterSync)
            // Evidence log (#15): the files about to appear, recorded before the first rename.
            try configuration.commitLog?.prepare(batch.compactMap(\.logged))
        } catch let fault as InjectedFault {
            throw fault
        } catch {
            discard(batch[...], folders)
            throw error
        }

        var renamed = 0
        var logged: [MaildirCommittedFile] = []
        do {
            for file in batch {
                let directories = folders[file.key]!
                let moved = try MaildirFileSystem.renameWithoutReplacing(
                    file.temporaryName,
                    from: directories.temporary,
                    to: directories.new,
                    as: file.deliveredName,
                    path: directories.path + "/new/" + file.deliveredName
                )
                // Not moved: the very same file (same message, same sizes) is already in new/.
                if !moved { _ = unlinkat(directories.temporary, file.temporaryName, 0) }
                if moved, let entry = file.logged { logged.append(entry) }
                renamed += 1
                try injectFault(.afterRename(count: renamed))
            }
        } catch let fault as InjectedFault {
            throw fault
        } catch {
            record(batch[..<renamed])
            discard(batch[renamed...], folders)
            throw error
        }
        record(batch[...])

        let synced =
            try configuration.syncsWholeFileSystem
            && MaildirFileSystem.syncFileSystem(containing: folders[folderOrder[0]]!.new, path: configuration.root)
        for (index, key) in folderOrder.enumerated() where !synced {
            let directories = folders[key]!
            try MaildirFileSystem.sync(
                directories.new,
                path: directories.path + "/new",
                fullFlush: index == folderOrder.count - 1
            )
        }
        // Evidence log (#15): durable before the commit returns, and so before the checkpoint moves.
        if !logged.isEmpty { try configuration.commitLog?.complete(logged) }
        try injectFault(.afterDirectorySync)
        return CommitReceipt(deliveries: batch.count)
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

    // MARK: - Private

    /// Marks `digest` as pending in each folder that does not hold it yet; returns those folders' directories, and
    /// `nil` for each folder that holds it (a duplicate). Nothing stays marked when it throws.
    private func reserve(_ digest: MessageIDDigest, in keys: [FolderKey]) throws -> [MaildirFolderDirectories?] {
        try state.withLock { state in
            var reserved: [MaildirFolderDirectories?] = []
            reserved.reserveCapacity(keys.count)
            do {
                for key in keys {
                    let directories = try self.directories(for: key, in: &state)
                    // directories(for:in:) indexed the folder on its first use.
                    if state.folders[key]!.contains(digest) {
                        reserved.append(nil)
                    } else {
                        state.folders[key]!.pending.insert(digest)
                        reserved.append(directories)
                    }
                }
            } catch {
                for (key, directories) in zip(keys, reserved) where directories != nil {
                    state.folders[key]?.pending.remove(digest)
                }
                throw error
            }
            return reserved
        }
    }

    /// Forgets a reservation after a failed delivery.
    private func release(_ digest: MessageIDDigest, in keys: [FolderKey]) {
        state.withLock { state in
            for key in keys { _ = state.folders[key]?.pending.remove(digest) }
        }
    }

    /// Stores the message in `tmp/` of `directories` and puts the same file into `tmp/` of each of `others`.
    ///
    /// A message that fits in the writer's buffer (most of them) is only rendered here: creating, writing, dating
    /// and linking its files is queued for ``writeBehind``, which the next commit waits for. A larger one has
    /// spilled into its file while the body was written, and is finished here. Whatever fails removes what was made.
    private func storeTemporaryFile(
        _ message: EmailMessage,
        name: MaildirFileName,
        in directories: MaildirFolderDirectories,
        sharedWith others: [MaildirFolderDirectories]
    ) async throws -> StoredFile {
        let temporaryName = name.temporaryName
        let path = directories.path + "/tmp/" + temporaryName
        let writer = MaildirMessageWriter(path: path) {
            try Self.createTemporaryFile(temporaryName, in: directories.temporary, path: path)
        }
        if configuration.commitLog != nil { writer.storedBytesHasher = SHA256() }  // Evidence log (#15)
        let linksCopies = configuration.linksCopies
        let syncsCopies = !configuration.syncsWholeFileSystem
        let date = message.date
        let shareIntoOthers: @Sendable () throws -> Void = {
            for other in others {
                try Self.share(
                    temporaryName,
                    from: directories,
                    to: other,
                    date: date,
                    linking: linksCopies,
                    syncingCopies: syncsCopies
                )
            }
        }
        do {
            try await message.body.write(to: writer)
            try writer.finish()
            let stored = StoredFile(
                name: name.deliveredName(size: writer.storedByteCount, virtualSize: writer.virtualByteCount),
                receivedByteCount: writer.receivedByteCount,
                storedByteCount: writer.storedByteCount,
                sha256: writer.storedDigest
            )
            if let bytes = writer.inMemoryMessage {
                let owned = OwnedBytes(copying: bytes)
                try writeBehind.enqueue(byteCount: bytes.count) {
                    try Self.writeFile(owned, named: temporaryName, in: directories, date: date)
                    try shareIntoOthers()
                }
                return stored
            }
            try MaildirFileSystem.setModificationTime(writer.descriptor, to: date, path: path)
            MaildirFileSystem.startWriteback(writer.descriptor)
            let closed = SystemError.closeIgnoringInterrupts(writer.descriptor)
            writer.abandonDescriptor()
            guard closed == 0 || errno == EINTR else { throw POSIXFiles.failure("write", path, errno) }
            try shareIntoOthers()
            return stored
        } catch {
            if writer.descriptor >= 0 { SystemError.closeIgnoringInterrupts(writer.descriptor) }
            for folder in [directories] + others { _ = unlinkat(folder.temporary, temporaryName, 0) }
            throw error
        }
    }

    /// Creates `name` in `directories`' `tmp/` with `bytes`, dated `date`; removes it again when anything fails.
    private static func writeFile(
        _ bytes: OwnedBytes,
        named name: String,
        in directories: MaildirFolderDirectories,
        date: Date
    ) throws {
        let path = directories.path + "/tmp/" + name
        let descriptor = try createTemporaryFile(name, in: directories.temporary, path: path)
        do {
            try POSIXFiles.writeAll(descriptor, bytes.buffer, path: path)
            try MaildirFileSystem.setModificationTime(descriptor, to: date, path: path)
            MaildirFileSystem.startWriteback(descriptor)
        } catch {
            SystemError.closeIgnoringInterrupts(descriptor)
            _ = unlinkat(directories.temporary, name, 0)
            throw error
        }
        guard SystemError.closeIgnoringInterrupts(descriptor) == 0 || errno == EINTR else {
            let code = errno
            _ = unlinkat(directories.temporary, name, 0)
            throw POSIXFiles.failure("write", path, code)
        }
    }

    /// Puts the file `name` of `source`'s `tmp/` into `target`'s `tmp/` under the same name: a hard link when
    /// `linking` and the file system allow, else a copy (synced at once when `syncingCopies`, so that the commit
    /// can sync only the original).
    private static func share(
        _ name: String,
        from source: MaildirFolderDirectories,
        to target: MaildirFolderDirectories,
        date: Date,
        linking: Bool,
        syncingCopies: Bool
    ) throws {
        if linking {
            var linked = linkat(source.temporary, name, target.temporary, name, 0)
            if linked != 0 && errno == EEXIST {
                // Left by a delivery of this same message that failed before its cleanup could run.
                _ = unlinkat(target.temporary, name, 0)
                linked = linkat(source.temporary, name, target.temporary, name, 0)
            }
            if linked == 0 { return }
            let code = errno
            // Another file system, a link limit, or a file system without hard links: copy instead.
            guard code == EXDEV || code == EMLINK || code == EPERM || code == EOPNOTSUPP else {
                throw POSIXFiles.failure("link", target.path + "/tmp/" + name, code)
            }
        }
        try copyTemporaryFile(name, from: source, to: target, date: date, sync: syncingCopies)
    }

    private static func copyTemporaryFile(
        _ name: String,
        from source: MaildirFolderDirectories,
        to target: MaildirFolderDirectories,
        date: Date,
        sync: Bool
    ) throws {
        let sourcePath = source.path + "/tmp/" + name
        let path = target.path + "/tmp/" + name
        let input = openat(source.temporary, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw POSIXFiles.failure("open", sourcePath, errno) }
        defer { SystemError.closeIgnoringInterrupts(input) }
        var output: Int32 = -1
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        do {
            output = try createTemporaryFile(name, in: target.temporary, path: path)
            while true {
                let count = read(input, buffer.baseAddress, buffer.count)
                if count == 0 { break }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw POSIXFiles.failure("read", sourcePath, errno)
                }
                try POSIXFiles.writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), path: path)
            }
            try MaildirFileSystem.setModificationTime(output, to: date, path: path)
            if sync { try MaildirFileSystem.sync(output, path: path) }
            let closed = SystemError.closeIgnoringInterrupts(output)
            output = -1
            guard closed == 0 || errno == EINTR else { throw POSIXFiles.failure("write", path, errno) }
        } catch {
            if output >= 0 { SystemError.closeIgnoringInterrupts(output) }
            _ = unlinkat(target.temporary, name, 0)
            throw error
        }
    }

    private struct FolderKey: Hashable, Sendable {
        /// The mailbox's directory name below the root.
        var mailbox: String
        /// The folder's directory name below the mailbox, or `nil` for `INBOX`.
        var folder: String?
    }

    private struct PendingFile: Sendable {
        var key: FolderKey
        var digest: MessageIDDigest
        var temporaryName: String
        var deliveredName: String
        /// A hard link to the file of an earlier entry of the same batch (syncing that one syncs this one), or a
        /// copy of it that was synced when it was made.
        var isSyncedWithEarlierFile = false
        /// The file as the evidence log records it (#15); `nil` without a log.
        var logged: MaildirCommittedFile?
    }

    /// What ``writeTemporaryFile(_:name:in:)`` stored.
    private struct StoredFile {
        /// The name in `new/`, with the stored sizes.
        var name: String
        /// The message's size as the converter produced it (CRLF line endings).
        var receivedByteCount: Int64
        /// The file's size (LF line endings).
        var storedByteCount: Int64
        /// The SHA-256 of the file's bytes, when an evidence log asked for it (#15).
        var sha256: [UInt8]?
    }

    private struct State: ~Copyable {
        /// The root's descriptor, which holds the lock; -1 once closed.
        var root: Int32
        var folders: [FolderKey: MaildirFolderIndex] = [:]
        /// Open `tmp/` and `new/` descriptors of recently used folders, dropped wholesale when there are too many.
        var directories: [FolderKey: MaildirFolderDirectories] = [:]
        /// Files written to `tmp/` since the last commit, in delivery order.
        var batch: [PendingFile] = []

        init(root: Int32) {
            self.root = root
        }

        func checkOpen(_ path: String) throws {
            guard root >= 0 else {
                throw ArchiverError(
                    .storageFailed,
                    "The Maildir sink for \(path) is closed; open a new one to deliver again.",
                    scope: .run
                )
            }
        }

        mutating func close() {
            if root >= 0 { SystemError.closeIgnoringInterrupts(root) }
            root = -1
            directories = [:]
            folders = [:]
            batch = []
        }
    }

    private static let maximumCachedFolders = 64

    /// The folder's directories, opening (and on first use creating, indexing and cleaning) them when needed.
    private func directories(for key: FolderKey, in state: inout State) throws -> MaildirFolderDirectories {
        try state.checkOpen(configuration.root)
        if let cached = state.directories[key] { return cached }
        let isFirstUse = state.folders[key] == nil
        let (directories, stored) = try openFolder(key, root: state.root, index: isFirstUse)
        if let stored { state.folders[key] = stored }
        if state.directories.count >= Self.maximumCachedFolders { state.directories.removeAll(keepingCapacity: true) }
        state.directories[key] = directories
        return directories
    }

    /// Opens the folder's directories, creating whatever is missing of the mailbox and the folder. With `index`,
    /// also reads what `new/` and `cur/` hold and removes the sink's own leftovers from `tmp/`.
    private func openFolder(
        _ key: FolderKey,
        root: Int32,
        index: Bool
    ) throws -> (MaildirFolderDirectories, MaildirFolderIndex?) {
        var descriptors: [Int32] = []
        defer { for descriptor in descriptors { SystemError.closeIgnoringInterrupts(descriptor) } }
        func openDirectory(_ name: String, in parent: Int32, path: String) throws -> (Int32, Bool) {
            let (descriptor, created) = try MaildirFileSystem.openDirectory(name, in: parent, create: true, path: path)
            descriptors.append(descriptor)
            return (descriptor, created)
        }
        func openMaildir(_ name: String, in parent: Int32, path: String, isFolder: Bool) throws -> (Int32, Bool) {
            let (descriptor, created) = try openDirectory(name, in: parent, path: path)
            var createdInside = false
            for subdirectory in ["cur", "new", "tmp"] {
                createdInside =
                    try openDirectory(subdirectory, in: descriptor, path: path + "/" + subdirectory).1
                    || createdInside
            }
            if isFolder {
                let marker = path + "/maildirfolder"
                createdInside =
                    try MaildirFileSystem.createEmptyFile("maildirfolder", in: descriptor, path: marker)
                    || createdInside
            }
            if createdInside { try MaildirFileSystem.sync(descriptor, path: path) }
            return (descriptor, created)
        }

        let mailboxPath = configuration.root + "/" + key.mailbox
        let (mailbox, mailboxCreated) = try openMaildir(key.mailbox, in: root, path: mailboxPath, isFolder: false)
        if mailboxCreated { try MaildirFileSystem.sync(root, path: configuration.root) }
        var folder = mailbox
        var folderPath = mailboxPath
        if let folderName = key.folder {
            folderPath = mailboxPath + "/" + folderName
            let (descriptor, created) = try openMaildir(folderName, in: mailbox, path: folderPath, isFolder: true)
            folder = descriptor
            var mailboxChanged = created
            if index && configuration.subscribesToFolders {
                mailboxChanged =
                    try MaildirSubscriptions.subscribe(
                        String(folderName.dropFirst()),
                        mailbox: mailbox,
                        mailboxPath: mailboxPath
                    ) || mailboxChanged
            }
            if mailboxChanged { try MaildirFileSystem.sync(mailbox, path: mailboxPath) }
        }

        let temporary = try openDirectory("tmp", in: folder, path: folderPath + "/tmp").0
        let new = try openDirectory("new", in: folder, path: folderPath + "/new").0
        var stored: MaildirFolderIndex?
        if index {
            let current = try openDirectory("cur", in: folder, path: folderPath + "/cur").0
            stored = try MaildirFolderIndex(new: new, current: current, folderPath: folderPath)
            try MaildirFolderIndex.removeLeftovers(in: temporary, path: folderPath + "/tmp")
        }
        // The two descriptors now belong to the returned object.
        descriptors.removeAll { $0 == temporary || $0 == new }
        return (MaildirFolderDirectories(temporary: temporary, new: new, path: folderPath), stored)
    }

    private static func createTemporaryFile(_ name: String, in temporary: Int32, path: String) throws -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var descriptor = openat(temporary, name, flags, 0o600)
        if descriptor < 0 && errno == EEXIST {
            // Left by a delivery of this same message that failed before its cleanup could run.
            _ = unlinkat(temporary, name, 0)
            descriptor = openat(temporary, name, flags, 0o600)
        }
        guard descriptor >= 0 else { throw POSIXFiles.failure("create", path, errno) }
        guard fchmod(descriptor, 0o600) == 0 else {
            let code = errno
            SystemError.closeIgnoringInterrupts(descriptor)
            throw POSIXFiles.failure("set the permissions of", path, code)
        }
        return descriptor
    }

    private static func syncTemporaryFile(_ file: PendingFile, in directories: MaildirFolderDirectories) throws {
        let path = directories.path + "/tmp/" + file.temporaryName
        let descriptor = openat(directories.temporary, file.temporaryName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXFiles.failure("open", path, errno) }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        try MaildirFileSystem.sync(descriptor, path: path)
    }

    /// Marks files as stored in `new/`.
    private func record(_ files: ArraySlice<PendingFile>) {
        state.withLock { state in
            for file in files {
                state.folders[file.key]?.pending.remove(file.digest)
                state.folders[file.key]?.stored.insert(file.digest)
            }
        }
    }

    /// Removes files from `tmp/` and forgets them, after a failure.
    private func discard(_ files: ArraySlice<PendingFile>, _ folders: [FolderKey: MaildirFolderDirectories]) {
        for file in files {
            if let directories = folders[file.key] { _ = unlinkat(directories.temporary, file.temporaryName, 0) }
        }
        state.withLock { state in
            for file in files { state.folders[file.key]?.pending.remove(file.digest) }
        }
    }

    /// Calls the fault injection; when it throws, the sink dies as a process would: descriptors closed, the lock
    /// released, nothing cleaned up.
    private func injectFault(_ point: FaultPoint) throws {
        guard let faultInjection = configuration.faultInjection else { return }
        do {
            try faultInjection(point)
        } catch {
            // The queued writes were handed off before the fault point: a process dying here would have done them.
            writeBehind.stop()
            state.withLock { $0.close() }
            throw InjectedFault(point: point, underlying: SendableErrorBox(error))
        }
    }

    private static func mailboxDirectoryName(_ name: String) throws -> String {
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
