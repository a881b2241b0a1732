import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension MaildirSink {
    /// Makes a sealed batch durable: syncs its files, renames them into `new/`, syncs each `new/` directory once.
    ///
    /// - Throws: ``ArchiverError/Code/storageFailed`` (run scope). Files not yet renamed are removed from `tmp/`;
    ///   files already renamed are complete and synced, and a rerun recognises them.
    ///
    /// Runs on the committer's thread: it blocks, first until the write-behind queue has written the batch's files
    /// (everything queued up to `ticket`, taken when the batch was sealed).
    func commit(_ batch: [PendingFile], writtenThrough ticket: Int) throws -> CommitReceipt {
        try state.withLock { try $0.checkOpen(configuration.root) }
        // Each file's folder is looked up once, here: the loops below index arrays instead of hashing a folder key
        // (two strings) per file and pass.
        var folders = CommitFolders(batch)
        // Per file, what the evidence log records of it; empty without a log.
        var intended: [MaildirCommittedFile?] = []
        do {
            try writeBehind.drain(through: ticket)
            try state.withLock { state in
                for key in folders.keys { folders.directories.append(try self.directories(for: key, in: &state)) }
            }
        } catch {
            discard(batch.indices, of: batch, folders)
            throw error
        }

        do {
            // Evidence log (#15): the files about to appear, recorded before the batch is synced and renamed.
            if let commitLog = configuration.commitLog {
                intended.reserveCapacity(batch.count)
                for index in batch.indices { intended.append(try batch[index].logged?.committedFile()) }
                try commitLog.prepare(intended.compactMap { $0 }, syncingFileSystem: syncPolicy.syncsWholeFileSystem)
            }
            try syncPolicy.makeFilesDurable(batch, in: folders, root: configuration.root)
            try injectFault(.afterSync)
        } catch let fault as InjectedFault {
            throw fault
        } catch {
            discard(batch.indices, of: batch, folders)
            throw error
        }

        var renamed = 0
        var logged: [MaildirCommittedFile] = []
        if configuration.commitLog != nil { logged.reserveCapacity(batch.count) }
        do {
            for index in batch.indices {
                let directories = folders.directories[folders.slots[index]]
                let temporaryName = batch[index].temporaryName
                let deliveredName = batch[index].deliveredName
                let moved = try MaildirFileSystem.renameWithoutReplacing(
                    temporaryName,
                    from: directories.temporary,
                    to: directories.new,
                    as: deliveredName,
                    path: directories.path + "/new/" + deliveredName
                )
                // Not moved: the very same file (same message, same sizes) is already in new/.
                if !moved { _ = unlinkat(directories.temporary, temporaryName, 0) }
                if moved, index < intended.count, let entry = intended[index] { logged.append(entry) }
                renamed += 1
                try injectFault(.afterRename(count: renamed))
            }
        } catch let fault as InjectedFault {
            throw fault
        } catch {
            record(0..<renamed, of: batch, folders)
            discard(renamed..<batch.count, of: batch, folders)
            throw error
        }
        record(batch.indices, of: batch, folders)

        try syncPolicy.makeRenamesDurable(folders.directories, root: configuration.root)
        // Evidence log (#15): durable before the commit returns, and so before the checkpoint moves.
        if !logged.isEmpty {
            try configuration.commitLog?.complete(logged, syncingFileSystem: syncPolicy.syncsWholeFileSystem)
        }
        try injectFault(.afterDirectorySync)
        return CommitReceipt(deliveries: batch.count)
    }

    /// The folders of a batch, in the order they first appear, and the folder of each file.
    struct CommitFolders {
        /// The folders' keys.
        var keys: [FolderKey] = []
        /// The folders' directories, by the position of their key; filled once they are open.
        var directories: [MaildirFolderDirectories] = []
        /// For each file of the batch, the position of its folder.
        var slots: [Int] = []

        init(_ batch: [PendingFile]) {
            var slotOfKey: [FolderKey: Int] = [:]
            slots.reserveCapacity(batch.count)
            for index in batch.indices {
                let key = batch[index].key
                if let slot = slotOfKey[key] {
                    slots.append(slot)
                } else {
                    slotOfKey[key] = keys.count
                    slots.append(keys.count)
                    keys.append(key)
                }
            }
        }

        /// The directories of file `index`'s folder, when they are open.
        func directories(ofFile index: Int) -> MaildirFolderDirectories? {
            let slot = slots[index]
            return slot < directories.count ? directories[slot] : nil
        }
    }

    struct PendingFile: Sendable {
        var key: FolderKey
        var digest: MessageIDDigest
        var temporaryName: String
        var deliveredName: String
        /// The file the message's body was written to; the message's other entries in the batch are hard links to
        /// it or copies of it, which ``MaildirSyncPolicy`` makes durable with it or when they are made.
        var isOriginal = true
        /// The file as the evidence log records it (#15); `nil` without a log.
        var logged: PendingLogEntry?
    }

    /// What a ``MaildirCommitLog`` records of a pending file, its digest possibly still being computed by the
    /// write-behind thread: complete once the commit has waited for that thread.
    struct PendingLogEntry: Sendable {
        /// The file as logged, but for its `sha256`, which `digest` gets.
        var file: MaildirCommittedFile
        var digest: MaildirStoredDigest

        /// The committed file, once the write-behind queue has run this file's job (the commit drains it first).
        ///
        /// - Throws: ``ArchiverError/Code/storageFailed`` (run scope) when the digest is missing: the job never ran,
        ///   which a drain that returned normally rules out; the batch is then discarded, never logged without it.
        func committedFile() throws -> MaildirCommittedFile {
            guard let sha256 = digest.digest else {
                throw ArchiverError(
                    .storageFailed,
                    "The stored bytes of \(file.folderPath)/tmp/\(file.fileName) were not hashed before their commit; "
                        + "the batch is discarded and delivered again by the next run.",
                    scope: .run
                )
            }
            var committed = file
            committed.sha256 = sha256
            return committed
        }
    }

    /// Marks files `indices` of `batch` as stored in `new/`: one lookup per folder, not per file.
    func record(_ indices: Range<Int>, of batch: [PendingFile], _ folders: CommitFolders) {
        guard !indices.isEmpty else { return }
        var digests = Array(repeating: [MessageIDDigest](), count: folders.keys.count)
        for index in indices { digests[folders.slots[index]].append(batch[index].digest) }
        state.withLock { state in
            for (slot, key) in folders.keys.enumerated() where !digests[slot].isEmpty {
                state.folders[key]?.markStored(digests[slot])
            }
        }
    }

    /// Removes files `indices` of `batch` from `tmp/` and forgets them, after a failure.
    func discard(_ indices: Range<Int>, of batch: [PendingFile], _ folders: CommitFolders) {
        for index in indices {
            if let directories = folders.directories(ofFile: index) {
                _ = unlinkat(directories.temporary, batch[index].temporaryName, 0)
            }
        }
        state.withLock { state in
            for index in indices {
                state.folders[folders.keys[folders.slots[index]]]?.pending.remove(batch[index].digest)
            }
        }
    }
}
