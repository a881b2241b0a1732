#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `subscriptions` file of a Maildir++ mailbox: the folders an IMAP client shows by default, one name a line.
///
/// Dovecot reads both its own format (a `V\t2` line, an empty line, then the names) and the older plain list, and
/// changes the file under the dot-lock `subscriptions.lock`: a new version is written to the lock file, which is
/// then renamed over the old one. The sink does the same, so a concurrent `SUBSCRIBE` through Dovecot is neither
/// lost nor interleaved, and a crash leaves either the old file or the new one.
package enum MaildirSubscriptions {
    /// How long a `subscriptions.lock` may exist before it is taken as left by a crashed process (Dovecot's own
    /// limit is 120 seconds).
    package static let staleLockSeconds = 120

    /// Adds `name` (an encoded folder name, without the leading dot) to the mailbox's subscriptions unless it is
    /// listed already. Returns whether the file changed; the caller then syncs the mailbox directory.
    ///
    /// A lock that another program holds for more than a second (or that a killed run left, until it is
    /// ``staleLockSeconds`` old) leaves the file as it is: the subscription is a convenience for mail clients, and
    /// archiving must not wait for it. The next sink that opens the folder tries again.
    package static func subscribe(_ name: String, mailbox: Int32, mailboxPath: String) throws -> Bool {
        let path = mailboxPath + "/subscriptions"
        if try names(in: mailbox, path: path).contains(name) { return false }
        guard let lock = try acquireLock(mailbox: mailbox, path: path + ".lock") else { return false }
        var renamed = false
        defer {
            SystemError.closeIgnoringInterrupts(lock)
            if !renamed { _ = unlinkat(mailbox, "subscriptions.lock", 0) }
        }
        // Read again under the lock: someone may have subscribed meanwhile.
        var content = try contents(in: mailbox, path: path) ?? []
        if lines(of: content).contains(name) { return false }
        if let last = content.last, last != UInt8(ascii: "\n") { content.append(UInt8(ascii: "\n")) }
        content += Array(name.utf8) + [UInt8(ascii: "\n")]
        guard fchmod(lock, 0o600) == 0 else { throw POSIXFiles.failure("set the permissions of", path, errno) }
        try POSIXFiles.writeAll(lock, content, path: path + ".lock")
        try MaildirFileSystem.sync(lock, path: path + ".lock")
        guard renameat(mailbox, "subscriptions.lock", mailbox, "subscriptions") == 0 else {
            throw POSIXFiles.failure("replace", path, errno)
        }
        renamed = true
        return true
    }

    /// The folder names listed in the mailbox's subscriptions file.
    package static func names(in mailbox: Int32, path: String) throws -> Set<String> {
        Set(lines(of: try contents(in: mailbox, path: path) ?? []))
    }

    private static func lines(of content: [UInt8]) -> [String] {
        content.split(separator: UInt8(ascii: "\n")).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func contents(in mailbox: Int32, path: String) throws -> [UInt8]? {
        let descriptor = openat(mailbox, "subscriptions", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == ELOOP { throw MaildirFileSystem.notADirectory(path) }
            throw POSIXFiles.failure("read", path, code)
        }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        var content = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXFiles.failure("read", path, errno)
            }
            if count == 0 { return content }
            content += chunk[0..<count]
        }
    }

    /// The lock's descriptor, or `nil` when someone else holds it for more than a second.
    private static func acquireLock(mailbox: Int32, path: String) throws -> Int32? {
        for _ in 0..<10 {
            let descriptor = openat(
                mailbox,
                "subscriptions.lock",
                O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0o600
            )
            if descriptor >= 0 { return descriptor }
            let code = errno
            guard code == EEXIST else { throw POSIXFiles.failure("create", path, code) }
            var info = stat()
            if fstatat(mailbox, "subscriptions.lock", &info, AT_SYMLINK_NOFOLLOW) == 0,
                time(nil) - info.statusChangeSeconds > staleLockSeconds
            {
                _ = unlinkat(mailbox, "subscriptions.lock", 0)
                continue
            }
            usleep(100_000)
        }
        return nil
    }
}

extension stat {
    /// The status-change time in whole seconds, on every platform.
    fileprivate var statusChangeSeconds: Int {
        #if canImport(Darwin)
        return Int(st_ctimespec.tv_sec)
        #else
        return Int(st_ctim.tv_sec)
        #endif
    }
}
