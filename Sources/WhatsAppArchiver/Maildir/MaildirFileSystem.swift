import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The Maildir sink's file-system calls, all relative to directory descriptors.
///
/// Every path below the root is opened one component at a time with `O_NOFOLLOW`, so a symbolic link planted
/// anywhere inside the root is refused rather than followed, and a name can never climb out of its directory.
/// Directories are made `0700` and files `0600` with `fchmod`, whatever the umask.
package enum MaildirFileSystem {
    /// Opens the directory `name` inside `parent`, creating it `0700` when `create` is set and it does not exist.
    ///
    /// - Returns: The descriptor and whether this call created the directory (its parent then needs a sync).
    package static func openDirectory(
        _ name: String,
        in parent: Int32,
        create: Bool,
        path: String
    ) throws -> (descriptor: Int32, created: Bool) {
        var created = false
        while true {
            let descriptor = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if descriptor >= 0 {
                if created, fchmod(descriptor, 0o700) != 0 {
                    let code = errno
                    SystemError.closeIgnoringInterrupts(descriptor)
                    throw POSIXFiles.failure("set the permissions of", path, code)
                }
                return (descriptor, created)
            }
            let code = errno
            switch code {
            case EINTR:
                continue
            case ENOENT where create && !created:
                if mkdirat(parent, name, 0o700) == 0 {
                    created = true
                } else if errno != EEXIST {
                    throw POSIXFiles.failure("create the directory", path, errno)
                }
            case ELOOP, ENOTDIR, EMLINK:
                throw notADirectory(path)
            default:
                throw POSIXFiles.failure("open the directory", path, code)
            }
        }
    }

    /// Creates the empty file `name` (mode `0600`) inside `parent` unless it exists; returns whether it created it.
    package static func createEmptyFile(_ name: String, in parent: Int32, path: String) throws -> Bool {
        let descriptor = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw POSIXFiles.failure("create", path, code)
        }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        guard fchmod(descriptor, 0o600) == 0 else { throw POSIXFiles.failure("set the permissions of", path, errno) }
        return true
    }

    /// Makes a file's (or directory's) data and metadata durable.
    ///
    /// On Apple platforms `fsync` leaves the data in the drive's cache; `fullFlush` then also flushes that cache
    /// (`F_FULLFSYNC`, for everything written so far), which is costly, so a batch asks for it once. On Linux
    /// `fsync` already flushes the cache and `fullFlush` changes nothing.
    package static func sync(_ descriptor: Int32, path: String, fullFlush: Bool = false) throws {
        #if canImport(Darwin)
        if fullFlush, fcntl(descriptor, F_FULLFSYNC) == 0 { return }
        #endif
        while fsync(descriptor) != 0 {
            let code = errno
            if code == EINTR { continue }
            throw POSIXFiles.failure("sync", path, code)
        }
    }

    /// Whether the file system that holds `descriptor` keeps its data only in memory (Linux tmpfs or ramfs), where
    /// `fsync`, `syncfs` and write-back hints do nothing: nothing there survives a restart.
    package static func isMemoryFileSystem(_ descriptor: Int32) -> Bool {
        #if os(Linux)
        // Glibc's Swift module does not declare struct statfs; its first field is f_type, a long on every 64-bit
        // Linux, and the struct is under 128 bytes.
        guard let fstatfs = LinuxCalls.fstatfs else { return false }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        guard fstatfs(descriptor, buffer) == 0 else { return false }
        let type = UInt32(truncatingIfNeeded: buffer.load(as: Int.self))
        return type == 0x0102_1994 || type == 0x8584_58F6  // TMPFS_MAGIC, RAMFS_MAGIC
        #else
        return false
        #endif
    }

    /// Whether the process's umask leaves the owner's read and write bits alone, so that a file created with mode
    /// `0600` is exactly `0600` and needs no `fchmod`. Read from `/proc/self/status` (Linux); `false` where it
    /// cannot be read, so that every file is then set to `0600` explicitly. A umask can only remove bits: a file is
    /// never more open than `0600` either way.
    package static func umaskKeepsOwnerReadWrite() -> Bool {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return false }
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
            let mask = Int(line.dropFirst("Umask:".count).trimmingCharacters(in: .whitespaces), radix: 8)
        else { return false }
        return mask & 0o600 == 0
        #else
        return false
        #endif
    }

    /// Whether this system has `syncfs(2)` (Linux).
    package static var canSyncWholeFileSystem: Bool {
        #if os(Linux)
        LinuxCalls.syncfs != nil
        #else
        false
        #endif
    }

    /// Syncs the whole file system that holds `descriptor` with `syncfs(2)`; `false` where that call does not
    /// exist (the caller then syncs file by file).
    package static func syncFileSystem(containing descriptor: Int32, path: String) throws -> Bool {
        #if os(Linux)
        guard let syncfs = LinuxCalls.syncfs else { return false }
        guard syncfs(descriptor) == 0 else { throw POSIXFiles.failure("sync the file system of", path, errno) }
        return true
        #else
        return false
        #endif
    }

    /// Asks the kernel to start writing a file's dirty pages now, without waiting, so that the `fsync` at commit
    /// finds most of the work done. A hint: does nothing where `sync_file_range` is not available.
    package static func startWriteback(_ descriptor: Int32) {
        #if os(Linux)
        _ = LinuxCalls.syncFileRange?(descriptor, 0, 0, 2)  // SYNC_FILE_RANGE_WRITE
        #endif
    }

    /// Sets a file's modification time, which Maildir readers take as the message's arrival time (IMAP
    /// `INTERNALDATE`). The access time is set to now: tools that clean `tmp/` (Dovecot removes files there that
    /// have not been accessed for 36 hours) must not take a file waiting for its commit as abandoned.
    package static func setModificationTime(_ descriptor: Int32, to date: Date, path: String) throws {
        var times = [timespec(Date()), timespec(date)]
        guard futimens(descriptor, &times) == 0 else {
            throw POSIXFiles.failure("set the modification time of", path, errno)
        }
    }

    /// Moves `name` from one directory to another without ever replacing a file that is already there.
    ///
    /// - Returns: `false` when the target name exists (the source is then left in place).
    package static func renameWithoutReplacing(
        _ name: String,
        from source: Int32,
        to target: Int32,
        as newName: String,
        path: String
    ) throws -> Bool {
        #if os(Linux)
        if let renameat2 = LinuxCalls.renameat2 {
            if renameat2(source, name, target, newName, 1) == 0 { return true }  // RENAME_NOREPLACE
            let code = errno
            if code == EEXIST { return false }
            // EINVAL: this file system cannot refuse to replace; fall back to checking first.
            guard code == EINVAL || code == ENOSYS || code == EOPNOTSUPP else {
                throw POSIXFiles.failure("move into place", path, code)
            }
        }
        #endif
        var info = stat()
        if fstatat(target, newName, &info, AT_SYMLINK_NOFOLLOW) == 0 { return false }
        guard renameat(source, name, target, newName) == 0 else {
            throw POSIXFiles.failure("move into place", path, errno)
        }
        return true
    }

    /// Calls `body` with the name of every entry of a directory except `.` and `..`.
    package static func forEachEntry(
        in directory: Int32,
        path: String,
        _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) throws {
        let duplicate = dup(directory)
        guard duplicate >= 0, let stream = fdopendir(duplicate) else {
            let code = errno
            if duplicate >= 0 { SystemError.closeIgnoringInterrupts(duplicate) }
            throw POSIXFiles.failure("list the directory", path, code)
        }
        defer { closedir(stream) }
        rewinddir(stream)
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw POSIXFiles.failure("list the directory", path, errno) }
                return
            }
            try withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                try tuple.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: tuple.pointee)) {
                    let name = UnsafeBufferPointer(
                        start: $0,
                        count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
                    )
                    if name.count == 1 && name[0] == UInt8(ascii: ".") { return }
                    if name.count == 2 && name[0] == UInt8(ascii: ".") && name[1] == UInt8(ascii: ".") { return }
                    try body(name)
                }
            }
        }
    }

    /// The header section of the regular file `name` in `directory` (up to the first empty line, at most `limit`
    /// bytes); `nil` when it is not a regular file or has disappeared meanwhile.
    package static func readHeader(
        _ name: String,
        in directory: Int32,
        limit: Int = 64 << 10,
        path: String
    ) throws -> [UInt8]? {
        // O_NONBLOCK: a FIFO planted in the folder must not hang the sink.
        let descriptor = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT || code == ELOOP { return nil }
            throw POSIXFiles.failure("read", path, code)
        }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 8192)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXFiles.failure("read", path, errno)
            }
            if count == 0 { break }
            let searchFrom = max(0, bytes.count - 3)
            bytes += chunk[0..<count]
            if containsEmptyLine(bytes, from: searchFrom) { break }
        }
        return bytes
    }

    /// Takes an exclusive `flock` on a descriptor, trying for about a second; `false` when someone else holds it.
    package static func tryLock(_ descriptor: Int32, path: String) throws -> Bool {
        // A lock this process released can still be held for a moment by a child another thread is starting: the
        // child shares the descriptor from fork until exec closes it. So a held lock is tried again for a second
        // before it counts as another sink's; a real second sink holds it for its whole run.
        var attempts = 0
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            guard code == EWOULDBLOCK else { throw POSIXFiles.failure("lock", path, code) }
            attempts += 1
            if attempts > 100 { return false }
            usleep(10_000)
        }
        return true
    }

    /// The error for a path inside the root that is a symbolic link or not a directory.
    package static func notADirectory(_ path: String) -> ArchiverError {
        ArchiverError(
            .storageFailed,
            "\(path) is a symbolic link or not a directory. The Maildir sink never follows links inside its root; "
                + "replace it with a directory (or remove it) and run again.",
            scope: .run
        )
    }

    private static func containsEmptyLine(_ bytes: [UInt8], from start: Int) -> Bool {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 0x0A {
                if bytes[index + 1] == 0x0A { return true }
                if bytes[index + 1] == 0x0D, index + 2 < bytes.count, bytes[index + 2] == 0x0A { return true }
            }
            index += 1
        }
        return false
    }
}

extension timespec {
    fileprivate init(_ date: Date) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        let nanoseconds = Int((date.timeIntervalSince1970 - seconds) * 1_000_000_000)
        self.init(tv_sec: Int(seconds), tv_nsec: min(max(nanoseconds, 0), 999_999_999))
    }
}

#if os(Linux)
/// Linux calls that Glibc's Swift module does not declare (they need `_GNU_SOURCE`), looked up once at run time.
private enum LinuxCalls {
    typealias SyncFileRange = @convention(c) (Int32, Int64, Int64, UInt32) -> Int32
    typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32

    static let syncFileRange: SyncFileRange? = symbol("sync_file_range")
    static let renameat2: RenameAt2? = symbol("renameat2")
    static let syncfs: (@convention(c) (Int32) -> Int32)? = symbol("syncfs")
    static let fstatfs: (@convention(c) (Int32, UnsafeMutableRawPointer) -> Int32)? = symbol("fstatfs")

    private static func symbol<Function>(_ name: String) -> Function? {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(address, to: Function.self)
    }
}
#endif
