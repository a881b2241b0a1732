/// Open descriptors of one folder's `tmp/` and `new/` directories, closed when the last user lets go.
///
/// Deliveries and commits hold a reference while they use the descriptors, so the sink can drop a folder from its
/// cache at any time without closing a descriptor under someone's feet.
package final class MaildirFolderDirectories: Sendable {
    /// The folder's `tmp/`.
    package let temporary: Int32
    /// The folder's `new/`.
    package let new: Int32
    /// The folder's path, for messages.
    package let path: String
    /// The folder's directory relative to the sink's root (`alice@contoso.com/.WhatsApp Archiver`), as a
    /// ``MaildirCommitLog`` names it: made once per folder, not per delivery.
    package let relativePath: String
    /// Whether the folder is on a file system that keeps its data only in memory (tmpfs): nothing written there
    /// survives a restart, so there is nothing to sync.
    package let isInMemory: Bool

    package init(temporary: Int32, new: Int32, path: String, relativePath: String, isInMemory: Bool = false) {
        self.temporary = temporary
        self.new = new
        self.path = path
        self.relativePath = relativePath
        self.isInMemory = isInMemory
    }

    deinit {
        SystemError.closeIgnoringInterrupts(temporary)
        SystemError.closeIgnoringInterrupts(new)
    }
}
