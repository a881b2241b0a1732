import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Walks the Maildir tree a `MaildirSink` writes: `<root>/<mailbox>/` (`INBOX`) and its `.<folder>/`
/// directories, each with `cur/` and `new/`. Nothing here follows a symbolic link.
package enum MaildirTree {
    /// Every folder's directory relative to `root`, sorted: each mailbox directory (`INBOX`) and each of its
    /// Maildir++ folders; names starting with `.` at the root (the state directory) are skipped.
    package static func folders(root: String, mailboxes: Set<String>? = nil) throws -> [String] {
        var folders: [String] = []
        for mailbox in try directories(in: root) where !mailbox.hasPrefix(".") {
            if let mailboxes, !mailboxes.contains(mailbox) { continue }
            folders.append(mailbox)
            for folder in try directories(in: root + "/" + mailbox) where folder.hasPrefix(".") {
                folders.append(mailbox + "/" + folder)
            }
        }
        return folders.sorted()
    }

    /// The names of the directories in `path` (not symbolic links to directories), sorted; empty when `path` does
    /// not exist.
    package static func directories(in path: String) throws -> [String] {
        try entries(in: path).filter { isDirectory(path + "/" + $0) }
    }

    /// The names in a directory except `.` and `..`, sorted by their bytes; empty when it does not exist.
    package static func entries(in path: String) throws -> [String] {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ENOTDIR { return [] }
            throw POSIXFiles.failure("open the directory", path, errno)
        }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        var names: [[UInt8]] = []
        try MaildirFileSystem.forEachEntry(in: descriptor, path: path) { names.append(Array($0)) }
        return names.sorted { $0.lexicographicallyPrecedes($1) }.map { String(decoding: $0, as: UTF8.self) }
    }

    /// Whether `path` is a directory itself (not a symbolic link).
    package static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// Whether `path` is a regular file itself (not a symbolic link).
    package static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Whether the folder holds the file an intent names (in `new/`, or in `cur/` with any flags a client added)
    /// with exactly the intended bytes.
    package static func holds(_ entry: EvidenceLogEntry, folder: String) throws -> Bool {
        var candidates = [folder + "/new/" + entry.fileName]
        for name in try entries(in: folder + "/cur")
        where name == entry.fileName || name.hasPrefix(entry.fileName + ":") {
            candidates.append(folder + "/cur/" + name)
        }
        let hasher = FileHasher()
        for candidate in candidates where isRegularFile(candidate) {
            if let digest = try hasher.hash(candidate), digest.sha256 == entry.sha256 { return true }
        }
        return false
    }
}

/// Reads files through one reusable buffer and hashes them with SHA-256. Not shared between threads.
package final class FileHasher {
    private let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 64)

    package init() {}

    deinit { buffer.deallocate() }

    /// The file's SHA-256, size and header section (its first bytes, up to 16 KiB); `nil` when it has gone or is
    /// not a regular file.
    package func hash(_ path: String) throws -> (sha256: [UInt8], size: Int64, head: [UInt8])? {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT || errno == ELOOP { return nil }
            throw POSIXFiles.failure("read", path, errno)
        }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        var hasher = SHA256()
        var size: Int64 = 0
        var head: [UInt8] = []
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                // A directory in a message's place reads as EISDIR: not a message.
                if errno == EISDIR { return nil }
                throw POSIXFiles.failure("read", path, errno)
            }
            if count == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(chunk)
            if head.count < 16 << 10 { head += chunk.prefix(16 << 10 - head.count) }
            size += Int64(count)
        }
        return (hasher.finalize(), size, head)
    }
}
