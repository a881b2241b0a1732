import Foundation
import Synchronization
import WhatsAppArchiver

/// The tamper-evident, append-only log of every message a `MaildirSink` stores, one log per Maildir folder: the
/// `MaildirCommitLog` to put in `MaildirSink.Configuration.commitLog`.
///
/// ```swift
/// let log = EvidenceLog(configuration: .init(runID: "2026-12-04-daily"))
/// var configuration = MaildirSink.Configuration(root: "/srv/archive")
/// configuration.commitLog = log
/// // ... run the connector, then anchor log.heads outside the machine.
/// ```
///
/// Each folder's `archive-evidence.log` holds one entry per stored message (its `Message-ID`, the SHA-256 of the
/// stored bytes, their size, the time and the run) as the leaves of an RFC 9162 Merkle tree, and after each
/// commit a head: the tree's root, which commits to every entry before it. A commit first appends an intent per
/// file (before any rename), then, once the files are durable in the folder, the entries and the new head in one
/// `write` and one `fsync`. A crash leaves at worst intents and a cut-short append at the end: the next sink to open
/// the root cuts the unfinished append off, logs the intended files that reached the folder and forgets the rest,
/// which the rerun delivers (and logs) again.
public final class EvidenceLog: MaildirCommitLog, Sendable {
    /// How the log records.
    public struct Configuration: Sendable {
        /// Names the run in every entry and head it writes: a run report, a job id, a date.
        public var runID: String
        /// The time written into entries and heads.
        public var clock: @Sendable () -> Date = { Date() }
        /// Called at the log's own crash points; whatever it throws stops the commit there. For crash tests only.
        package var faultInjection: (@Sendable (FaultPoint) throws -> Void)?

        /// A configuration with a run id.
        public init(runID: String) {
            self.runID = runID
        }
    }

    /// The log's crash points, in the order a commit reaches them.
    package enum FaultPoint: Sendable, Hashable {
        /// Every folder's intents are durable; no file synced or renamed yet.
        case afterIntents
        /// Half of a folder's append (entries and head) is written, not synced.
        case tornAppend
        /// Every folder's append (entries and head) is durable.
        case afterAppend
    }

    /// The configuration the log was created with.
    public let configuration: Configuration
    private let state = Mutex(State())

    private struct State: Sendable {
        var root: String?
        /// The folders' trees and file sizes, read from each log's end on first use.
        var folders: [String: EvidenceLogFile.Tail] = [:]
        /// The heads this log wrote, by folder path.
        var written: [String: EvidenceLogHead] = [:]
    }

    /// A log that writes with `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// The newest head of every folder this log appended to, by folder path (relative to the root), in path
    /// order: what the run report carries and an operator anchors.
    public var heads: [(folderPath: String, head: EvidenceLogHead)] {
        state.withLock { $0.written.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// Finds every folder log under `root` whose last commit was interrupted, and finishes it: the intended files
    /// that are in the folder with the intended bytes are logged, the others forgotten.
    public func recover(root: String) throws {
        state.withLock { $0.root = root }
        for folder in try MaildirTree.folders(root: root) {
            let path = root + "/" + folder + "/" + EvidenceLogFile.name
            let tail = try EvidenceLogFile.readTail(path)
            guard tail.cleanEnd < tail.fileSize || !tail.intents.isEmpty else { continue }
            let present = try tail.intents.filter { try MaildirTree.holds($0, folder: root + "/" + folder) }
            let created = try append(present, folder: folder, tail: tail, faults: false)
            try EvidenceLogFile.sync([(path, created)], root: root, wholeFileSystem: false)
        }
    }

    /// Appends an intent for each file, per folder, and makes the logs durable: one `syncfs` when
    /// `syncingFileSystem`, else an `fsync` per log.
    public func prepare(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
        let time = RFC3339.format(configuration.clock())
        var written: [(path: String, created: Bool)] = []
        for (folder, folderFiles) in grouped(files) {
            var tail = try self.tail(folder)
            var bytes: [UInt8] = []
            var intents: [EvidenceLogEntry] = []
            for file in folderFiles {
                let entry = self.entry(file, time: time)
                intents.append(entry)
                bytes += EvidenceLogRecord.intent(size: tail.frontier.size, entry).line
            }
            let path = try path(folder)
            let created = try EvidenceLogFile.append(bytes, to: path, truncatingTo: tail.fileSize, sync: false)
            written.append((path, created))
            tail.fileSize += bytes.count
            tail.cleanEnd = tail.fileSize
            tail.intents = intents
            state.withLock { $0.folders[folder] = tail }
        }
        try EvidenceLogFile.sync(written, root: try root(), wholeFileSystem: syncingFileSystem)
        try configuration.faultInjection?(.afterIntents)
    }

    /// Appends the entries of the stored files and each folder's new head, per folder, and makes the logs
    /// durable: one `syncfs` when `syncingFileSystem`, else an `fsync` per log.
    public func complete(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
        let time = RFC3339.format(configuration.clock())
        var written: [(path: String, created: Bool)] = []
        for (folder, folderFiles) in grouped(files) {
            let entries = folderFiles.map { entry($0, time: time) }
            written.append(
                (try path(folder), try append(entries, folder: folder, tail: try tail(folder), faults: true))
            )
        }
        try EvidenceLogFile.sync(written, root: try root(), wholeFileSystem: syncingFileSystem)
        try configuration.faultInjection?(.afterAppend)
    }

    // MARK: - Private

    /// Appends the entries and a new head to the folder's log, unsynced; returns whether the log was created.
    private func append(
        _ entries: [EvidenceLogEntry],
        folder: String,
        tail: EvidenceLogFile.Tail,
        faults: Bool
    ) throws -> Bool {
        var tail = tail
        var bytes: [UInt8] = []
        for entry in entries {
            let line = EvidenceLogRecord.entry(index: tail.frontier.size, entry).line
            tail.frontier.append(entry: line.dropLast())
            bytes += line
        }
        let head = EvidenceLogHead(
            size: tail.frontier.size,
            root: tail.frontier.root,
            time: RFC3339.format(configuration.clock()),
            run: configuration.runID
        )
        bytes += EvidenceLogRecord.head(head, frontier: tail.frontier.hashes).line
        let path = try path(folder)
        let fault = faults ? configuration.faultInjection : nil
        let created = try EvidenceLogFile.append(
            bytes,
            to: path,
            truncatingTo: tail.cleanEnd,
            sync: false,
            tornAfter: fault.map { fault in (bytes.count / 2, { try fault(.tornAppend) }) }
        )
        tail.fileSize = tail.cleanEnd + bytes.count
        tail.cleanEnd = tail.fileSize
        tail.intents = []
        tail.head = head
        state.withLock {
            $0.folders[folder] = tail
            $0.written[folder] = head
        }
        return created
    }

    private func tail(_ folder: String) throws -> EvidenceLogFile.Tail {
        if let tail = state.withLock({ $0.folders[folder] }) { return tail }
        let tail = try EvidenceLogFile.readTail(try path(folder))
        state.withLock { $0.folders[folder] = tail }
        return tail
    }

    private func path(_ folder: String) throws -> String {
        try root() + "/" + folder + "/" + EvidenceLogFile.name
    }

    private func root() throws -> String {
        guard let root = state.withLock({ $0.root }) else {
            throw ArchiverError(
                .invalidConfiguration,
                "The evidence log was used before a Maildir sink opened it: give it to one sink's configuration.",
                scope: .run
            )
        }
        return root
    }

    private func entry(_ file: MaildirCommittedFile, time: String) -> EvidenceLogEntry {
        EvidenceLogEntry(
            messageID: file.messageID,
            sha256: file.sha256,
            size: file.size,
            time: time,
            run: configuration.runID,
            fileName: file.fileName
        )
    }

    /// The files by folder, folders in the order they first appear.
    private func grouped(_ files: [MaildirCommittedFile]) -> [(String, [MaildirCommittedFile])] {
        var order: [String] = []
        var byFolder: [String: [MaildirCommittedFile]] = [:]
        for file in files {
            if byFolder[file.folderPath] == nil { order.append(file.folderPath) }
            byFolder[file.folderPath, default: []].append(file)
        }
        return order.map { ($0, byFolder[$0]!) }
    }
}
