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
        /// The logs a prepare opened, kept open for the complete of the same commit, by folder path.
        var open: [String: EvidenceLogFile.OpenLog] = [:]
    }

    /// A log that writes with `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    deinit {
        EvidenceLogFile.close(state.withLock { $0.open.values })
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
            // Synced whatever the file system: recovery runs once per run, and it needs no one to say where it is.
            let log = try EvidenceLogFile.openForAppend(path, truncatingTo: tail.cleanEnd, isInMemory: false)
            defer { EvidenceLogFile.close([log]) }
            try append(present, folder: folder, tail: tail, to: log, faults: false)
            try EvidenceLogFile.sync([log], root: root, wholeFileSystem: false)
        }
    }

    /// Appends an intent for each file, per folder, and makes the logs durable: one `syncfs` when
    /// `syncingFileSystem`, else an `fsync` per log; none for a folder on a memory file system. The logs stay open
    /// for the ``complete(_:syncingFileSystem:)`` that follows.
    public func prepare(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
        let time = RFC3339.format(configuration.clock())
        // What an earlier commit that failed between the two steps left open is reopened, so that the log's size
        // is checked again.
        EvidenceLogFile.close(
            state.withLock { state in
                defer { state.open = [:] }
                return state.open.values
            }
        )
        var opened: [EvidenceLogFile.OpenLog] = []
        do {
            for (folder, folderFiles) in grouped(files) {
                var tail = try self.tail(folder)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(folderFiles.count * 384)
                var intents: [EvidenceLogEntry] = []
                intents.reserveCapacity(folderFiles.count)
                for file in folderFiles {
                    let entry = self.entry(file, time: time)
                    intents.append(entry)
                    EvidenceLogRecord.intent(size: tail.frontier.size, entry).append(to: &bytes)
                }
                let log = try EvidenceLogFile.openForAppend(
                    try path(folder),
                    truncatingTo: tail.fileSize,
                    isInMemory: folderFiles[0].folderIsInMemory
                )
                opened.append(log)
                try EvidenceLogFile.write(bytes, to: log, at: tail.fileSize)
                tail.fileSize += bytes.count
                tail.cleanEnd = tail.fileSize
                tail.intents = intents
                state.withLock { $0.folders[folder] = tail }
            }
            try EvidenceLogFile.sync(opened, root: try root(), wholeFileSystem: syncingFileSystem)
        } catch {
            EvidenceLogFile.close(opened)
            throw error
        }
        // The created logs' directories are synced: what complete writes to them needs only their own sync.
        for index in opened.indices { opened[index].created = false }
        state.withLock { state in
            for log in opened { state.open[log.path] = log }
        }
        try configuration.faultInjection?(.afterIntents)
    }

    /// Appends the entries of the stored files and each folder's new head, per folder, and makes the logs
    /// durable: one `syncfs` when `syncingFileSystem`, else an `fsync` per log; none for a folder on a memory file
    /// system.
    public func complete(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
        let time = RFC3339.format(configuration.clock())
        let kept = state.withLock { state in
            defer { state.open = [:] }
            return state.open
        }
        var opened: [EvidenceLogFile.OpenLog] = []
        defer { EvidenceLogFile.close(Array(kept.values) + opened) }
        var written: [EvidenceLogFile.OpenLog] = []
        for (folder, folderFiles) in grouped(files) {
            let entries = folderFiles.map { entry($0, time: time) }
            let tail = try tail(folder)
            let path = try path(folder)
            let log: EvidenceLogFile.OpenLog
            if let open = kept[path] {
                log = open
            } else {
                log = try EvidenceLogFile.openForAppend(
                    path,
                    truncatingTo: tail.cleanEnd,
                    isInMemory: folderFiles[0].folderIsInMemory
                )
                opened.append(log)
            }
            try append(entries, folder: folder, tail: tail, to: log, faults: true)
            written.append(log)
        }
        try EvidenceLogFile.sync(written, root: try root(), wholeFileSystem: syncingFileSystem)
        try configuration.faultInjection?(.afterAppend)
    }

    // MARK: - Private

    /// Appends the entries and a new head to the folder's open log, unsynced.
    private func append(
        _ entries: [EvidenceLogEntry],
        folder: String,
        tail: EvidenceLogFile.Tail,
        to log: EvidenceLogFile.OpenLog,
        faults: Bool
    ) throws {
        var tail = tail
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * 384 + 512)
        for entry in entries {
            let start = bytes.count
            EvidenceLogRecord.entry(index: tail.frontier.size, entry).append(to: &bytes)
            tail.frontier.append(entry: bytes[start..<(bytes.count - 1)])
        }
        let head = EvidenceLogHead(
            size: tail.frontier.size,
            root: tail.frontier.root,
            time: RFC3339.format(configuration.clock()),
            run: configuration.runID
        )
        EvidenceLogRecord.head(head, frontier: tail.frontier.hashes).append(to: &bytes)
        let fault = faults ? configuration.faultInjection : nil
        try EvidenceLogFile.write(
            bytes,
            to: log,
            at: tail.cleanEnd,
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
