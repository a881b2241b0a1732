#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The one place that decides what makes a Maildir sink's files durable, and does it.
///
/// A commit makes a batch durable in two steps: the files, before they are renamed into `new/`, then the renames.
/// Either the whole file system is synced once per step (`syncfs`, when the configuration asks for it *and* this
/// system has it), or each inode is synced on its own: the file a message's body was written to is synced by the
/// commit; a hard link to it is the same inode; a copy (where a link was impossible) is another inode, so it is
/// synced when it is made. Deciding all three from one flag here is what keeps a copy from being counted as synced
/// with its original when neither `syncfs` nor its own `fsync` covered it. A folder on a memory file system
/// (tmpfs) keeps nothing across a restart, so nothing there is synced or hinted for write-back: durability is the
/// same (there is none to gain), and the calls are saved.
package struct MaildirSyncPolicy: Sendable {
    /// Whether each step syncs the whole file system (`syncfs`) instead of file by file.
    package let syncsWholeFileSystem: Bool
    /// Told the path of every file and directory synced on its own; for tests.
    private let observer: (@Sendable (String) -> Void)?

    /// The policy for `configuration` on a system that has (or, with `wholeFileSystemSyncAvailable`, is taken to
    /// have or not have) `syncfs`.
    package init(
        configuration: MaildirSink.Configuration,
        wholeFileSystemSyncAvailable: Bool = MaildirFileSystem.canSyncWholeFileSystem,
        observer: (@Sendable (String) -> Void)? = nil
    ) {
        self.syncsWholeFileSystem = configuration.syncsWholeFileSystem && wholeFileSystemSyncAvailable
        self.observer = observer
    }

    /// Whether a copy of a message's file made in `folder` is synced when it is made: whenever no `syncfs` will
    /// cover it, since the commit syncs only each message's original file.
    package func syncsCopiesWhenMade(in folder: MaildirFolderDirectories) -> Bool {
        !syncsWholeFileSystem && !folder.isInMemory
    }

    /// Whether to ask the kernel to start writing a new file in `folder` back at once, for the sync to come.
    package func startsWriteback(in folder: MaildirFolderDirectories) -> Bool {
        !folder.isInMemory
    }

    /// Syncs one open file or directory.
    package func sync(_ descriptor: Int32, path: String, fullFlush: Bool = false) throws {
        try MaildirFileSystem.sync(descriptor, path: path, fullFlush: fullFlush)
        observer?(path)
    }

    /// Step one: makes the batch's files in `tmp/` durable.
    func makeFilesDurable(
        _ batch: [MaildirSink.PendingFile],
        in folders: MaildirSink.CommitFolders,
        root: String
    ) throws {
        guard let kept = folders.directories.first(where: { !$0.isInMemory }) else { return }
        if syncsWholeFileSystem {
            try syncWholeFileSystem(kept.temporary, root: root)
        } else {
            for index in batch.indices where batch[index].isOriginal {
                let directories = folders.directories[folders.slots[index]]
                if directories.isInMemory { continue }
                let name = batch[index].temporaryName
                let path = directories.path + "/tmp/" + name
                let descriptor = openat(directories.temporary, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                guard descriptor >= 0 else { throw POSIXFiles.failure("open", path, errno) }
                defer { SystemError.closeIgnoringInterrupts(descriptor) }
                try sync(descriptor, path: path)
            }
        }
        #if canImport(Darwin)
        // fsync leaves the data in the drive's cache on Apple platforms: flush it once for the whole batch.
        try sync(folders.directories[0].temporary, path: root, fullFlush: true)
        #endif
    }

    /// Step two: makes the renames into the `new/` directories of `folders` durable.
    func makeRenamesDurable(_ folders: [MaildirFolderDirectories], root: String) throws {
        let folders = folders.filter { !$0.isInMemory }
        guard !folders.isEmpty else { return }
        guard !syncsWholeFileSystem else {
            try syncWholeFileSystem(folders[0].new, root: root)
            return
        }
        for (index, directories) in folders.enumerated() {
            try sync(directories.new, path: directories.path + "/new", fullFlush: index == folders.count - 1)
        }
    }

    private func syncWholeFileSystem(_ descriptor: Int32, root: String) throws {
        guard try MaildirFileSystem.syncFileSystem(containing: descriptor, path: root) else {
            // The policy only syncs the whole file system where syncfs exists; a system that lost it is an error,
            // never a reason to count unsynced files as durable.
            throw ArchiverError(
                .storageFailed,
                "Cannot sync the file system of \(root): syncfs is not available.",
                scope: .run
            )
        }
    }
}
