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
    struct FolderKey: Hashable, Sendable {
        /// The mailbox's directory name below the root.
        var mailbox: String
        /// The folder's directory name below the mailbox, or `nil` for `INBOX`.
        var folder: String?
    }

    struct State: ~Copyable {
        /// The root's descriptor, which holds the lock; -1 once closed.
        var root: Int32
        var folders: [FolderKey: MaildirFolderIndex] = [:]
        /// Open `tmp/` and `new/` descriptors of recently used folders, dropped wholesale when there are too many.
        var directories: [FolderKey: MaildirFolderDirectories] = [:]
        /// Files written to `tmp/` since the last seal, in delivery order.
        var batch: [PendingFile] = []
        /// Mailbox names already checked as directory names.
        var checkedMailboxes: Set<String> = []
        /// How many batches were sealed.
        var sealedCount = 0
        /// The commits of sealed batches not yet waited for, by sequence number.
        var commits: [Int: MaildirCommitter.Commit] = [:]

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
            commits = [:]
        }
    }

    static let maximumCachedFolders = 64

    /// The folder's directories, opening (and on first use creating, indexing and cleaning) them when needed.
    func directories(for key: FolderKey, in state: inout State) throws -> MaildirFolderDirectories {
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
    func openFolder(
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
        let isInMemory = hooks.memoryFileSystem ?? MaildirFileSystem.isMemoryFileSystem(temporary)
        return (
            MaildirFolderDirectories(
                temporary: temporary,
                new: new,
                path: folderPath,
                relativePath: key.mailbox + (key.folder.map { "/" + $0 } ?? ""),
                isInMemory: isInMemory
            ),
            stored
        )
    }

    /// Marks `digest` as pending in each folder that does not hold it yet; returns those folders' directories, and
    /// `nil` for each folder that holds it (a duplicate). Nothing stays marked when it throws.
    func reserve(_ digest: MessageIDDigest, in keys: [FolderKey]) throws -> [MaildirFolderDirectories?] {
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
    func release(_ digest: MessageIDDigest, in keys: [FolderKey]) {
        state.withLock { state in
            for key in keys { _ = state.folders[key]?.pending.remove(digest) }
        }
    }
}
