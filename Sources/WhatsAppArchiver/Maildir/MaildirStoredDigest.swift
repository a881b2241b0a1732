import Synchronization

/// The SHA-256 of a message's stored bytes, which a ``MaildirCommitLog`` records: set where the bytes are written,
/// read by the commit that logs them.
///
/// A message that fits in the sink's buffer is written by the write-behind thread, which hashes it there, off the
/// caller's task (the hash was about 4% of the caller's time); the commit reads the digest only after it has waited
/// for that thread's jobs, so it is always set by then. A larger message is hashed while the caller streams it.
package final class MaildirStoredDigest: Sendable {
    private let value = Mutex<[UInt8]?>(nil)

    package init() {}

    /// A digest already known.
    package init(_ digest: [UInt8]) {
        value.withLock { $0 = digest }
    }

    /// Sets the digest.
    package func set(_ digest: [UInt8]) {
        value.withLock { $0 = digest }
    }

    /// The digest; `nil` only when the job that writes the message has not run (the commit waits for it first).
    package var digest: [UInt8]? {
        value.withLock { $0 }
    }
}
