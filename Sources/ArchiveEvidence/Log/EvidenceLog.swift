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
        /// The logs a prepare opened, kept open for the complete of the same commit, with the intents written to
        /// them.
        var intents = EvidenceLogIntents()
    }

    /// A log that writes with `configuration`.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    deinit {
        EvidenceLogFile.close(state.withLock { $0.intents.folders.map(\.log) })
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
    /// for the ``complete(_:syncingFileSystem:)`` that follows, with the intents, whose parts its entries reuse.
    public func prepare(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
        let lines = EvidenceLogLines(time: RFC3339.format(configuration.clock()), run: configuration.runID)
        // What an earlier commit that failed between the two steps left open is reopened, so that the log's size
        // is checked again.
        EvidenceLogFile.close(
            state.withLock { state in
                defer { state.intents = EvidenceLogIntents() }
                return state.intents.folders.map(\.log)
            }
        )
        var intents = EvidenceLogIntents(files: files)
        do {
            for (folder, positions) in Self.grouped(files) {
                var tail = try self.tail(folder)
                var bytes: [UInt8] = []
                bytes.reserveCapacity(positions.count * 384)
                for position in positions {
                    let parts = lines.appendIntent(size: tail.frontier.size, files, at: position, to: &bytes)
                    intents.record(position, folder: intents.folders.count, parts: parts)
                }
                let log = try EvidenceLogFile.openForAppend(
                    try path(folder),
                    truncatingTo: tail.fileSize,
                    isInMemory: files[positions[0]].folderIsInMemory
                )
                intents.folders.append(EvidenceLogIntents.Folder(path: folder, log: log, bytes: bytes))
                try EvidenceLogFile.write(bytes, to: log, at: tail.fileSize)
                tail.fileSize += bytes.count
                tail.cleanEnd = tail.fileSize
                // The intents are kept as lines, for the complete; only recovery needs them as entries, and it
                // reads them back from the file.
                tail.intents = []
                state.withLock { $0.folders[folder] = tail }
            }
            try EvidenceLogFile.sync(intents.folders.map(\.log), root: try root(), wholeFileSystem: syncingFileSystem)
        } catch {
            EvidenceLogFile.close(intents.folders.map(\.log))
            throw error
        }
        // The created logs' directories are synced: what complete writes to them needs only their own sync.
        for index in intents.folders.indices { intents.folders[index].log.created = false }
        state.withLock { $0.intents = intents }
        try configuration.faultInjection?(.afterIntents)
    }

    /// Appends the entries of the stored files and each folder's new head, per folder, and makes the logs
    /// durable: one `syncfs` when `syncingFileSystem`, else an `fsync` per log; none for a folder on a memory file
    /// system.
    public func complete(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
        let lines = EvidenceLogLines(time: RFC3339.format(configuration.clock()), run: configuration.runID)
        let intents = state.withLock { state in
            defer { state.intents = EvidenceLogIntents() }
            return state.intents
        }
        var opened: [EvidenceLogFile.OpenLog] = []
        defer { EvidenceLogFile.close(intents.folders.map(\.log) + opened) }
        var written: [EvidenceLogFile.OpenLog] = []
        for group in intents.grouped(files) {
            let tail = try tail(group.folder)
            let log: EvidenceLogFile.OpenLog
            if let prepared = group.preparedFolder {
                log = intents.folders[prepared].log
            } else {
                log = try EvidenceLogFile.openForAppend(
                    try path(group.folder),
                    truncatingTo: tail.cleanEnd,
                    isInMemory: files[group.positions[0]].folderIsInMemory
                )
                opened.append(log)
            }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(group.positions.count * 384 + Self.headCapacity)
            var lineEnds: [Int] = []
            lineEnds.reserveCapacity(group.positions.count)
            lines.appendEntries(
                files,
                group,
                firstIndex: tail.frontier.size,
                intents: intents,
                to: &bytes,
                lineEnds: &lineEnds
            )
            try append(&bytes, lineEnds: lineEnds, folder: group.folder, tail: tail, to: log, faults: true)
            written.append(log)
        }
        try EvidenceLogFile.sync(written, root: try root(), wholeFileSystem: syncingFileSystem)
        try configuration.faultInjection?(.afterAppend)
    }

    // MARK: - Private

    /// Room for a head line: its fields and up to 63 frontier hashes of 67 bytes (quotes and comma included).
    private static let headCapacity = 4_608

    /// Appends entries to the folder's open log, as recovery logs them: each with its own time and run.
    private func append(
        _ entries: [EvidenceLogEntry],
        folder: String,
        tail: EvidenceLogFile.Tail,
        to log: EvidenceLogFile.OpenLog,
        faults: Bool
    ) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entries.count * 384 + Self.headCapacity)
        var lineEnds: [Int] = []
        for (offset, entry) in entries.enumerated() {
            EvidenceLogRecord.entry(index: tail.frontier.size + offset, entry).append(to: &bytes)
            lineEnds.append(bytes.count - 1)
        }
        try append(&bytes, lineEnds: lineEnds, folder: folder, tail: tail, to: log, faults: faults)
    }

    /// Appends the entry lines `bytes` (each ending at its entry in `lineEnds`, where its line feed is) and a new
    /// head (added to `bytes`) to the folder's open log, unsynced.
    private func append(
        _ bytes: inout [UInt8],
        lineEnds: [Int],
        folder: String,
        tail: EvidenceLogFile.Tail,
        to log: EvidenceLogFile.OpenLog,
        faults: Bool
    ) throws {
        var tail = tail
        bytes.withUnsafeBytes { lines in
            var start = 0
            for end in lineEnds {
                // The leaf is the line without its line feed, hashed where it lies.
                tail.frontier.append(leaf: MerkleDigest.leaf(UnsafeRawBufferPointer(rebasing: lines[start..<end])))
                start = end + 1
            }
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

    /// The positions of the files in `files` by folder, folders in the order they first appear: positions rather
    /// than copies of the files, each of which would retain four strings and an array.
    private static func grouped(_ files: [MaildirCommittedFile]) -> [(folder: String, positions: [Int])] {
        var groups: [(folder: String, positions: [Int])] = []
        var slots: [String: Int] = [:]
        var slot = -1
        for position in files.indices {
            let folder = files[position].folderPath
            // A file for the same folder as the one before it needs no lookup.
            if slot < 0 || groups[slot].folder != folder {
                if let known = slots[folder] {
                    slot = known
                } else {
                    slot = groups.count
                    slots[folder] = slot
                    groups.append((folder, []))
                }
            }
            groups[slot].positions.append(position)
        }
        return groups
    }
}
