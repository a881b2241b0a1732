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
        var folders: [FolderKey: MaildirFolderDirectories] = [:]
        var folderOrder: [FolderKey] = []
        do {
            try writeBehind.drain(through: ticket)
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
            // Evidence log (#15): the files about to appear, recorded before the batch is synced and renamed.
            try configuration.commitLog?.prepare(
                try batch.compactMap { try $0.logged?.committedFile() },
                syncingFileSystem: syncPolicy.syncsWholeFileSystem
            )
            try syncPolicy.makeFilesDurable(
                batch,
                in: folders,
                anyFolder: folders[folderOrder[0]]!,
                root: configuration.root
            )
            try injectFault(.afterSync)
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
                if moved, let entry = try file.logged?.committedFile() { logged.append(entry) }
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

        try syncPolicy.makeRenamesDurable(folderOrder.map { folders[$0]! }, root: configuration.root)
        // Evidence log (#15): durable before the commit returns, and so before the checkpoint moves.
        if !logged.isEmpty {
            try configuration.commitLog?.complete(logged, syncingFileSystem: syncPolicy.syncsWholeFileSystem)
        }
        try injectFault(.afterDirectorySync)
        return CommitReceipt(deliveries: batch.count)
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
        var folderPath: String
        var messageID: String
        var sha256: MaildirStoredDigest
        var size: Int64
        var fileName: String
        var folderIsInMemory: Bool

        /// The committed file, once the write-behind queue has run this file's job (the commit drains it first).
        ///
        /// - Throws: ``ArchiverError/Code/storageFailed`` (run scope) when the digest is missing: the job never ran,
        ///   which a drain that returned normally rules out; the batch is then discarded, never logged without it.
        func committedFile() throws -> MaildirCommittedFile {
            guard let digest = sha256.digest else {
                throw ArchiverError(
                    .storageFailed,
                    "The stored bytes of \(folderPath)/tmp/\(fileName) were not hashed before their commit; the "
                        + "batch is discarded and delivered again by the next run.",
                    scope: .run
                )
            }
            return MaildirCommittedFile(
                folderPath: folderPath,
                messageID: messageID,
                sha256: digest,
                size: size,
                fileName: fileName,
                folderIsInMemory: folderIsInMemory
            )
        }
    }

    /// Marks files as stored in `new/`.
    func record(_ files: ArraySlice<PendingFile>) {
        state.withLock { state in
            for file in files {
                state.folders[file.key]?.pending.remove(file.digest)
                state.folders[file.key]?.stored.insert(file.digest)
            }
        }
    }

    /// Removes files from `tmp/` and forgets them, after a failure.
    func discard(_ files: ArraySlice<PendingFile>, _ folders: [FolderKey: MaildirFolderDirectories]) {
        for file in files {
            if let directories = folders[file.key] { _ = unlinkat(directories.temporary, file.temporaryName, 0) }
        }
        state.withLock { state in
            for file in files { state.folders[file.key]?.pending.remove(file.digest) }
        }
    }
}
