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

    package init(temporary: Int32, new: Int32, path: String) {
        self.temporary = temporary
        self.new = new
        self.path = path
    }

    deinit {
        SystemError.closeIgnoringInterrupts(temporary)
        SystemError.closeIgnoringInterrupts(new)
    }
}
