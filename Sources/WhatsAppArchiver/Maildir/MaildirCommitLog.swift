/// A durable record of what a ``MaildirSink`` commits, kept folder by folder: the hook an evidence log (the
/// `ArchiveEvidence` module's `EvidenceLog`) plugs into through ``MaildirSink/Configuration/commitLog``.
///
/// The sink calls it at three points, so that the record is never ahead of the folder and never behind the
/// checkpoint:
///
/// 1. ``recover(root:)`` once, when the sink opens and holds the root's lock: completes or discards what a commit
///    that was interrupted (a crash, a power cut) left half recorded.
/// 2. ``prepare(_:syncingFileSystem:)`` during each commit, once every file of the batch is written to `tmp/`
///    and before any is renamed into `new/`: records durably which files are about to appear.
/// 3. ``complete(_:syncingFileSystem:)`` once the renames and the directory syncs are done, before the commit
///    returns (and so before the connector moves the checkpoint): records durably the files that were stored.
///
/// `syncingFileSystem` says that the sink syncs whole file systems (``MaildirSink/Configuration/syncsWholeFileSystem``):
/// the log may then make its records durable with one `syncfs` instead of an `fsync` per file. Before the sink's
/// own sync of the batch, that one call also does most of the sink's work, so it costs almost nothing.
///
/// Whatever it throws stops the run, as a storage failure does.
public protocol MaildirCommitLog: Sendable {
    /// Completes or discards the records of a commit that never reached ``complete(_:syncingFileSystem:)``.
    func recover(root: String) throws
    /// Records durably that `files` are about to be renamed into their folders.
    func prepare(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws
    /// Records durably that `files` (those of the last prepare that were stored) are in their folders.
    func complete(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws
}

/// One file a ``MaildirSink`` commit puts into a folder: what a ``MaildirCommitLog`` records.
public struct MaildirCommittedFile: Sendable, Hashable {
    /// The folder's directory relative to the sink's root: `alice@contoso.com/.WhatsApp Archiver`, or the
    /// mailbox's directory alone for `INBOX`.
    public var folderPath: String
    /// The message's `Message-ID`, without angle brackets.
    public var messageID: String
    /// The SHA-256 of the bytes stored in the file (LF line endings), computed while they were written.
    public var sha256: [UInt8]
    /// The stored file's size in bytes.
    public var size: Int64
    /// The file's name in `new/`; mail clients keep everything before `:` when they move or flag it.
    public var fileName: String
    /// Whether the folder is on a file system that keeps its data only in memory (tmpfs), where the sink syncs
    /// nothing: nothing there survives a restart, so a log kept in the folder has nothing to gain from a sync either.
    public var folderIsInMemory: Bool

    /// A committed file.
    public init(
        folderPath: String,
        messageID: String,
        sha256: [UInt8],
        size: Int64,
        fileName: String,
        folderIsInMemory: Bool = false
    ) {
        self.folderPath = folderPath
        self.messageID = messageID
        self.sha256 = sha256
        self.size = size
        self.fileName = fileName
        self.folderIsInMemory = folderIsInMemory
    }
}
