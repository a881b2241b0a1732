extension MaildirSink {
    /// How a ``MaildirSink`` stores messages.
    public struct Configuration: Sendable {
        /// The directory under which every mailbox's Maildir lives, as `<root>/<address in lower case>/`.
        ///
        /// Created `0700` (with its parents) when missing. Serve it with Dovecot's
        /// `mail_location = maildir:<root>/%Lu`.
        public var root: String
        /// The host name written into file names, as the Maildir specification asks; this machine's name by
        /// default. `/`, `:` and `,` are escaped and non-printable characters dropped.
        public var hostName: String?
        /// Whether a folder the sink creates is also added to the mailbox's `subscriptions` file, so that mail
        /// clients show it without further action. On by default.
        public var subscribesToFolders: Bool = true
        /// Whether a commit makes its batch durable with one `syncfs(2)` of the whole file system (twice: before
        /// and after the renames) instead of one `fsync` per file and per `new/` directory. Linux only: where
        /// `syncfs` does not exist (macOS) the sink syncs every file and directory on its own, copies included, as
        /// if this were off.
        ///
        /// Much faster when the file system holds little else (an archive volume): one journal commit and one
        /// device cache flush per commit instead of one per message. Slower when other programs keep a lot of
        /// unsynced data on it, which `syncfs` writes too. Needs Linux 5.8 or later, where `syncfs` reports
        /// write-back errors. Off by default.
        public var syncsWholeFileSystem: Bool = false
        /// Whether the copies of one message for several mailboxes (one ``Delivery``) are hard links to one
        /// file, as Dovecot's `maildir_copy_with_hardlinks` does, rather than separate files. On by default: one
        /// write and one inode per message however many mailboxes it reaches. Where a link is impossible (the
        /// mailboxes on different file systems) the sink copies the file instead.
        ///
        /// Each mailbox still has its own directory entry: moving, flagging or deleting the message in one mailbox
        /// leaves the others untouched. Turn it off when mailboxes will be given to different owners, or when a
        /// quota or backup tool must see separate files.
        public var linksCopies: Bool = true
        /// The log told of every commit, folder by folder: an evidence log (the `ArchiveEvidence` module's
        /// `EvidenceLog`) that records each stored message's `Message-ID` and the SHA-256 of its stored bytes in a
        /// tamper-evident structure. `nil` (the default): nothing is recorded and nothing is hashed.
        public var commitLog: (any MaildirCommitLog)?

        /// A configuration that stores under `root`.
        public init(root: String) {
            self.root = root
        }
    }
}
