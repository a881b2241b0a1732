#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Small, durable file-system operations on POSIX paths, shared by the file-backed stores.
///
/// Every file is created `0600` and every directory `0700`, whatever the process umask, because they hold
/// archived communications.
package enum POSIXFiles {
    /// Creates `path` as a directory with mode `0700` if it does not exist; fails if it exists and is not a
    /// directory, or is a symbolic link (unless `followingLinks`).
    package static func ensureDirectory(_ path: String, followingLinks: Bool = false) throws {
        if mkdir(path, 0o700) == 0 {
            _ = chmod(path, 0o700)  // the umask may have removed bits; never added any
            return
        }
        let code = errno
        guard code == EEXIST else { throw failure("create the directory", path, code) }
        var info = stat()
        guard (followingLinks ? stat(path, &info) : lstat(path, &info)) == 0 else {
            throw failure("inspect", path, errno)
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ArchiverError(
                .storageFailed,
                "\(path) exists but is not a directory (or is a symbolic link); refusing to use it."
            )
        }
    }

    /// Creates `path` and every missing parent directory with mode `0700`.
    ///
    /// The operator chose the parents, so a symbolic link among them (macOS's `/tmp`, a `/srv` moved to another
    /// volume) is followed; `path` itself must be a real directory.
    package static func ensureDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        let components = path.split(separator: "/")
        for (index, component) in components.enumerated() {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            try ensureDirectory(prefix, followingLinks: index < components.count - 1)
        }
    }

    /// Reads a whole small file; `nil` when it does not exist. Anything but a regular file is refused: a FIFO in
    /// its place would otherwise block the run forever, and a device would be read without end.
    package static func readFile(_ path: String) throws -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw failure("open", path, code)
        }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw failure("inspect", path, errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ArchiverError(
                .storageFailed,
                "\(path) is not a regular file (a directory, FIFO or device is in its place); refusing to read it. "
                    + "Move it away, then run again.",
                scope: .run
            )
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("read", path, errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    /// Replaces the file at `path` with `bytes` so that a crash at any instant leaves either the old or the new
    /// content: write a temporary file beside it, `fsync` it, rename it over the old one, `fsync` the directory.
    package static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw failure("create", temporary, errno) }
        do {
            _ = fchmod(descriptor, 0o600)
            try writeAll(descriptor, bytes, path: temporary)
            guard fsync(descriptor) == 0 else { throw failure("sync", temporary, errno) }
        } catch {
            SystemError.closeIgnoringInterrupts(descriptor)
            _ = unlink(temporary)
            throw error
        }
        SystemError.closeIgnoringInterrupts(descriptor)
        guard rename(temporary, path) == 0 else {
            let code = errno
            _ = unlink(temporary)
            throw failure("rename into place", path, code)
        }
        try syncDirectory(containing: path)
    }

    /// Writes every byte of `bytes` to `descriptor`, retrying short writes and interrupts.
    package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            try writeAll(descriptor, buffer, path: path)
        }
    }

    /// Writes every byte of `buffer` to `descriptor`, retrying short writes and interrupts.
    package static func writeAll(_ descriptor: Int32, _ buffer: UnsafeRawBufferPointer, path: String) throws {
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("write", path, errno)
            }
            offset += written
        }
    }

    /// `fsync`s the directory that contains `path`, making a rename or create in it durable.
    package static func syncDirectory(containing path: String) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        try syncDirectory(directory)
    }

    /// `fsync`s a directory.
    package static func syncDirectory(_ directory: String) throws {
        let descriptor = open(directory, O_RDONLY | O_CLOEXEC | O_DIRECTORY)
        guard descriptor >= 0 else { throw failure("open the directory", directory, errno) }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure("sync the directory", directory, errno) }
    }

    /// An ``ArchiverError`` for a failed system call, naming the operation, the path and the reason.
    package static func failure(_ operation: String, _ path: String, _ code: Int32) -> ArchiverError {
        var advice = ""
        switch code {
        case ENOSPC, EDQUOT: advice = " Free some space, then run again: nothing durable was lost."
        case EACCES, EPERM: advice = " Check the permissions of the directory."
        case EROFS: advice = " The file system is read-only."
        default: break
        }
        return ArchiverError(
            .storageFailed,
            "Cannot \(operation) \(path): \(SystemError.describe(code)).\(advice)",
            scope: .run
        )
    }
}
