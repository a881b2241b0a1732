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
    func commit(_ batch: [PendingFile]) throws -> CommitReceipt {
        try state.withLock { try $0.checkOpen(configuration.root) }
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
        } catch let fault as InjectedFault {
            throw fault
        } catch {
            discard(batch[...], folders)
            throw error
        }

        var renamed = 0
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
        try injectFault(.afterDirectorySync)
        return CommitReceipt(deliveries: batch.count)
    }

    struct PendingFile: Sendable {
        var key: FolderKey
        var digest: MessageIDDigest
        var temporaryName: String
        var deliveredName: String
        /// A hard link to the file of an earlier entry of the same batch (syncing that one syncs this one), or a
        /// copy of it that was synced when it was made.
        var isSyncedWithEarlierFile = false
    }

    static func syncTemporaryFile(_ file: PendingFile, in directories: MaildirFolderDirectories) throws {
        let path = directories.path + "/tmp/" + file.temporaryName
        let descriptor = openat(directories.temporary, file.temporaryName, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXFiles.failure("open", path, errno) }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        try MaildirFileSystem.sync(descriptor, path: path)
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
