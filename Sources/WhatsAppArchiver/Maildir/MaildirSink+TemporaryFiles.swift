import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension MaildirSink {
    /// What ``writeTemporaryFile(_:name:in:)`` stored.
    struct StoredFile {
        /// The name in `new/`, with the stored sizes.
        var name: String
        /// The message's size as the converter produced it (CRLF line endings).
        var receivedByteCount: Int64
        /// The file's size (LF line endings).
        var storedByteCount: Int64
        /// The SHA-256 of the file's bytes, when an evidence log asked for it (#15); set by the write-behind job
        /// for a message kept in memory.
        var sha256: MaildirStoredDigest?
    }

    /// Stores the message in `tmp/` of `directories` and puts the same file into `tmp/` of each of `others`.
    ///
    /// A message that fits in the writer's buffer (most of them) is only rendered here: creating, writing, dating
    /// and linking its files is queued for ``writeBehind``, which the next commit waits for. A larger one has
    /// spilled into its file while the body was written, and is finished here. Whatever fails removes what was made.
    func storeTemporaryFile(
        _ message: EmailMessage,
        name: MaildirFileName,
        in directories: MaildirFolderDirectories,
        sharedWith others: [MaildirFolderDirectories]
    ) async throws -> StoredFile {
        let temporaryName = name.temporaryName
        let path = directories.path + "/tmp/" + temporaryName
        let setsMode = setsFileModes
        let writer = MaildirMessageWriter(path: path) {
            try Self.createTemporaryFile(temporaryName, in: directories.temporary, path: path, setsMode: setsMode)
        }
        let logsDigest = configuration.commitLog != nil  // Evidence log (#15)
        if logsDigest { writer.storedBytesHasher = SHA256() }
        let linksCopies = configuration.linksCopies
        let policy = syncPolicy
        let date = message.date
        let shareIntoOthers: @Sendable () throws -> Void = {
            for other in others {
                try Self.share(
                    temporaryName,
                    from: directories,
                    to: other,
                    date: date,
                    linking: linksCopies,
                    policy: policy,
                    setsMode: setsMode
                )
            }
        }
        do {
            // The body finishes the writer: what is still buffered is written, or kept in memory.
            var output = writer
            try await message.body.write(to: &output)
            let stored = StoredFile(
                name: name.deliveredName(size: writer.storedByteCount, virtualSize: writer.virtualByteCount),
                receivedByteCount: writer.receivedByteCount,
                storedByteCount: writer.storedByteCount,
                sha256: writer.storedDigest.map(MaildirStoredDigest.init) ?? (logsDigest ? MaildirStoredDigest() : nil)
            )
            if let bytes = writer.inMemoryMessage {
                let owned = OwnedBytes(copying: bytes)
                let digest = stored.sha256
                try await writeBehind.enqueue(byteCount: bytes.count) {
                    if let digest {
                        var hasher = SHA256()
                        hasher.update(owned.buffer)
                        digest.set(hasher.finalize())
                    }
                    try Self.writeFile(
                        owned,
                        named: temporaryName,
                        in: directories,
                        date: date,
                        setsMode: setsMode,
                        writeback: policy.startsWriteback(in: directories)
                    )
                    try shareIntoOthers()
                }
                return stored
            }
            try MaildirFileSystem.setModificationTime(writer.descriptor, to: date, path: path)
            if policy.startsWriteback(in: directories) { MaildirFileSystem.startWriteback(writer.descriptor) }
            let closed = SystemError.closeIgnoringInterrupts(writer.descriptor)
            writer.abandonDescriptor()
            guard closed == 0 || errno == EINTR else { throw POSIXFiles.failure("write", path, errno) }
            try shareIntoOthers()
            return stored
        } catch {
            if writer.descriptor >= 0 { SystemError.closeIgnoringInterrupts(writer.descriptor) }
            for folder in [directories] + others { _ = unlinkat(folder.temporary, temporaryName, 0) }
            throw error
        }
    }

    /// Creates `name` in `directories`' `tmp/` with `bytes`, dated `date`; removes it again when anything fails.
    static func writeFile(
        _ bytes: OwnedBytes,
        named name: String,
        in directories: MaildirFolderDirectories,
        date: Date,
        setsMode: Bool,
        writeback: Bool
    ) throws {
        let path = directories.path + "/tmp/" + name
        let descriptor = try createTemporaryFile(name, in: directories.temporary, path: path, setsMode: setsMode)
        do {
            try POSIXFiles.writeAll(descriptor, bytes.buffer, path: path)
            try MaildirFileSystem.setModificationTime(descriptor, to: date, path: path)
            if writeback { MaildirFileSystem.startWriteback(descriptor) }
        } catch {
            SystemError.closeIgnoringInterrupts(descriptor)
            _ = unlinkat(directories.temporary, name, 0)
            throw error
        }
        guard SystemError.closeIgnoringInterrupts(descriptor) == 0 || errno == EINTR else {
            let code = errno
            _ = unlinkat(directories.temporary, name, 0)
            throw POSIXFiles.failure("write", path, code)
        }
    }

    /// Puts the file `name` of `source`'s `tmp/` into `target`'s `tmp/` under the same name: a hard link when
    /// `linking` and the file system allow, else a copy (synced at once when the sync policy says so, so that the
    /// commit can sync only the original).
    static func share(
        _ name: String,
        from source: MaildirFolderDirectories,
        to target: MaildirFolderDirectories,
        date: Date,
        linking: Bool,
        policy: MaildirSyncPolicy,
        setsMode: Bool
    ) throws {
        if linking {
            var linked = linkat(source.temporary, name, target.temporary, name, 0)
            if linked != 0 && errno == EEXIST {
                // Left by a delivery of this same message that failed before its cleanup could run.
                _ = unlinkat(target.temporary, name, 0)
                linked = linkat(source.temporary, name, target.temporary, name, 0)
            }
            if linked == 0 { return }
            let code = errno
            // Another file system, a link limit, or a file system without hard links: copy instead.
            guard code == EXDEV || code == EMLINK || code == EPERM || code == EOPNOTSUPP else {
                throw POSIXFiles.failure("link", target.path + "/tmp/" + name, code)
            }
        }
        try copyTemporaryFile(name, from: source, to: target, date: date, policy: policy, setsMode: setsMode)
    }

    static func copyTemporaryFile(
        _ name: String,
        from source: MaildirFolderDirectories,
        to target: MaildirFolderDirectories,
        date: Date,
        policy: MaildirSyncPolicy,
        setsMode: Bool
    ) throws {
        let sourcePath = source.path + "/tmp/" + name
        let path = target.path + "/tmp/" + name
        let input = openat(source.temporary, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard input >= 0 else { throw POSIXFiles.failure("open", sourcePath, errno) }
        defer { SystemError.closeIgnoringInterrupts(input) }
        var output: Int32 = -1
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        do {
            output = try createTemporaryFile(name, in: target.temporary, path: path, setsMode: setsMode)
            while true {
                let count = read(input, buffer.baseAddress, buffer.count)
                if count == 0 { break }
                if count < 0 {
                    if errno == EINTR { continue }
                    throw POSIXFiles.failure("read", sourcePath, errno)
                }
                try POSIXFiles.writeAll(output, UnsafeRawBufferPointer(rebasing: buffer[0..<count]), path: path)
            }
            try MaildirFileSystem.setModificationTime(output, to: date, path: path)
            if policy.syncsCopiesWhenMade(in: target) { try policy.sync(output, path: path) }
            let closed = SystemError.closeIgnoringInterrupts(output)
            output = -1
            guard closed == 0 || errno == EINTR else { throw POSIXFiles.failure("write", path, errno) }
        } catch {
            if output >= 0 { SystemError.closeIgnoringInterrupts(output) }
            _ = unlinkat(target.temporary, name, 0)
            throw error
        }
    }

    /// Creates `name` in `temporary` with mode `0600`; with `setsMode`, sets that mode explicitly afterwards (the
    /// umask removed an owner bit).
    static func createTemporaryFile(_ name: String, in temporary: Int32, path: String, setsMode: Bool) throws -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC
        var descriptor = openat(temporary, name, flags, 0o600)
        if descriptor < 0 && errno == EEXIST {
            // Left by a delivery of this same message that failed before its cleanup could run.
            _ = unlinkat(temporary, name, 0)
            descriptor = openat(temporary, name, flags, 0o600)
        }
        guard descriptor >= 0 else { throw POSIXFiles.failure("create", path, errno) }
        guard !setsMode || fchmod(descriptor, 0o600) == 0 else {
            let code = errno
            SystemError.closeIgnoringInterrupts(descriptor)
            throw POSIXFiles.failure("set the permissions of", path, code)
        }
        return descriptor
    }
}
