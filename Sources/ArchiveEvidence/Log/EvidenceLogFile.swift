import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The file that holds one folder's evidence log, `archive-evidence.log` in the folder's directory: opened,
/// appended to with one `write` per commit and synced, and read back from its end.
package enum EvidenceLogFile {
    /// The log's file name inside a Maildir folder's directory (beside `cur/`, `new/` and `tmp/`, where mail
    /// servers look for nothing).
    package static let name = "archive-evidence.log"

    /// What the end of a log holds: the last head, and what follows it.
    package struct Tail {
        /// The tree as of the last head (empty when the log has none).
        package var frontier = MerkleFrontier()
        /// The last head, `nil` when the log has none.
        package var head: EvidenceLogHead?
        /// The intents written after the last head for a tree of exactly its size, in order.
        package var intents: [EvidenceLogEntry] = []
        /// Where the intents after the last head end: what follows (entries of an append that was cut short, a
        /// line without its line feed) was never part of a finished commit.
        package var cleanEnd: Int = 0
        /// The file's size.
        package var fileSize: Int = 0
    }

    /// Reads the end of the log at `path`, going back as far as the last head; an empty tail when the file does
    /// not exist.
    package static func readTail(_ path: String) throws -> Tail {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            if errno == ENOENT { return Tail() }
            throw POSIXFiles.failure("open the evidence log", path, errno)
        }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ArchiverError(.storageFailed, "The evidence log \(path) is not a regular file.", scope: .run)
        }
        let fileSize = Int(info.st_size)
        var chunk = 64 << 10
        while true {
            let start = max(0, fileSize - chunk)
            let bytes = try readRange(descriptor, from: start, count: fileSize - start, path: path)
            if let tail = try parseTail(bytes, start: start, fileSize: fileSize, path: path) { return tail }
            chunk *= 4
        }
    }

    /// The tail found in `bytes` (the file from `start`), or `nil` when no head is in them and the file goes on
    /// before `start`.
    private static func parseTail(_ bytes: [UInt8], start: Int, fileSize: Int, path: String) throws -> Tail? {
        var lines: [(offset: Int, end: Int)] = []
        var lineStart = 0
        if start > 0 {
            // The first bytes may be the end of a line that began before the chunk.
            guard let first = bytes.firstIndex(of: 0x0A) else { return nil }
            lineStart = first + 1
        }
        var index = lineStart
        while let newline = bytes[index...].firstIndex(of: 0x0A) {
            lines.append((lineStart, newline))
            lineStart = newline + 1
            index = lineStart
        }
        var tail = Tail()
        tail.fileSize = fileSize
        var afterHead = 0
        for position in lines.indices.reversed() {
            let line = bytes[lines[position].offset..<lines[position].end]
            if line.starts(with: Array("{\"head\":".utf8)) {
                guard case .head(let head, let frontierHashes)? = EvidenceLogRecord.parse(line),
                    let frontier = MerkleFrontier(size: head.size, hashes: frontierHashes), frontier.root == head.root
                else {
                    throw ArchiverError(
                        .storageFailed,
                        "The last head of the evidence log \(path) is damaged (byte \(start + lines[position].offset)): "
                            + "the log was altered. Run archive-verify, and restore the log from a backup.",
                        scope: .run
                    )
                }
                tail.frontier = frontier
                tail.head = head
                afterHead = position + 1
                break
            }
            if position == lines.startIndex && start > 0 { return nil }
        }
        tail.cleanEnd = afterHead > 0 ? start + lines[afterHead - 1].end + 1 : 0
        for line in lines[afterHead...] {
            guard case .intent(let size, let entry)? = EvidenceLogRecord.parse(bytes[line.offset..<line.end]) else {
                break
            }
            if size == tail.frontier.size { tail.intents.append(entry) }
            tail.cleanEnd = start + line.end + 1
        }
        if lines.isEmpty && start > 0 { return nil }
        return tail
    }

    private static func readRange(_ descriptor: Int32, from offset: Int, count: Int, path: String) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let read = bytes.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + done))
            }
            if read < 0 {
                if errno == EINTR { continue }
                throw POSIXFiles.failure("read the evidence log", path, errno)
            }
            if read == 0 { break }
            done += read
        }
        return Array(bytes[0..<done])
    }

    /// A log open for appending, from one commit's intents to its entries and head: one `open` per folder and
    /// commit instead of one per append and per sync.
    package struct OpenLog: Sendable {
        /// The descriptor, write-only.
        package var descriptor: Int32
        /// The log's path, for messages.
        package var path: String
        /// Whether the open created the file (its directory then needs a sync too).
        package var created: Bool
        /// Whether the log is on a memory file system (tmpfs), where nothing is synced: nothing there survives a
        /// restart, as the Maildir sink's own sync policy says.
        package var isInMemory: Bool
    }

    /// Opens the log at `path` for appending (creating it, `0600`), after cutting it back to `size` bytes when it
    /// is longer; throws when it is shorter (someone else changed it).
    package static func openForAppend(_ path: String, truncatingTo size: Int, isInMemory: Bool) throws -> OpenLog {
        var descriptor = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC)
        var created = false
        if descriptor < 0 && errno == ENOENT {
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            created = true
        }
        guard descriptor >= 0 else { throw POSIXFiles.failure("open the evidence log", path, errno) }
        do {
            var info = stat()
            guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
                throw ArchiverError(.storageFailed, "The evidence log \(path) is not a regular file.", scope: .run)
            }
            if Int(info.st_size) != size {
                guard Int(info.st_size) > size, ftruncate(descriptor, off_t(size)) == 0 else {
                    throw ArchiverError(
                        .storageFailed,
                        "The evidence log \(path) changed while the archiver held it (\(info.st_size) bytes, "
                            + "expected \(size)). Run archive-verify.",
                        scope: .run
                    )
                }
            }
        } catch {
            SystemError.closeIgnoringInterrupts(descriptor)
            throw error
        }
        return OpenLog(descriptor: descriptor, path: path, created: created, isInMemory: isInMemory)
    }

    /// Writes `bytes` into the open log at `offset` (where the log ends), unsynced: the caller makes it durable
    /// (``sync(_:root:wholeFileSystem:)``). With `tornAfter`, writes only that many bytes, then calls it (for crash
    /// tests).
    package static func write(
        _ bytes: [UInt8],
        to log: OpenLog,
        at offset: Int,
        tornAfter: (count: Int, fault: () throws -> Void)? = nil
    ) throws {
        var written = 0
        if let tornAfter {
            written = min(tornAfter.count, bytes.count)
            try writeAll(bytes[..<written], to: log, at: offset)
            try tornAfter.fault()
        }
        try writeAll(bytes[written...], to: log, at: offset + written)
    }

    private static func writeAll(_ bytes: ArraySlice<UInt8>, to log: OpenLog, at offset: Int) throws {
        try bytes.withUnsafeBytes { buffer in
            var done = 0
            while done < buffer.count {
                let count = pwrite(
                    log.descriptor,
                    buffer.baseAddress! + done,
                    buffer.count - done,
                    off_t(offset + done)
                )
                if count < 0 {
                    if errno == EINTR { continue }
                    throw POSIXFiles.failure("write", log.path, errno)
                }
                done += count
            }
        }
    }

    /// Makes logs written to durable, skipping those on a memory file system: one `syncfs` of the file system that
    /// holds `root` when `wholeFileSystem` and the system has it, else an `fsync` of each file (and of the
    /// directory of each one that was created).
    package static func sync(_ logs: [OpenLog], root: String, wholeFileSystem: Bool) throws {
        let kept = logs.filter { !$0.isInMemory }
        guard !kept.isEmpty else { return }
        if wholeFileSystem {
            let descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            guard descriptor >= 0 else { throw POSIXFiles.failure("open the Maildir root", root, errno) }
            defer { SystemError.closeIgnoringInterrupts(descriptor) }
            if try MaildirFileSystem.syncFileSystem(containing: descriptor, path: root) { return }
        }
        for log in kept {
            try MaildirFileSystemAccess.sync(log.descriptor, path: log.path)
            if log.created { try POSIXFiles.syncDirectory(containing: log.path) }
        }
    }

    /// Closes open logs.
    package static func close(_ logs: some Sequence<OpenLog>) {
        for log in logs { SystemError.closeIgnoringInterrupts(log.descriptor) }
    }
}

/// `fsync` with the retry on interrupts, and the full flush on Apple platforms.
package enum MaildirFileSystemAccess {
    package static func sync(_ descriptor: Int32, path: String) throws {
        #if canImport(Darwin)
        if fcntl(descriptor, F_FULLFSYNC) == 0 { return }
        #endif
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw POSIXFiles.failure("sync the evidence log", path, errno)
        }
    }
}
