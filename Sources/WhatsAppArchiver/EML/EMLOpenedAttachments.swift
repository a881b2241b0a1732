import Foundation

/// The attachment readers that ``EMLConverter/convert(_:)`` opened, kept for the first write of the message body to
/// stream from.
///
/// If the body is never written (the sink found a duplicate, say) the readers are closed when the message is
/// released; a body written a second time opens the attachments again instead of reading exhausted streams.
///
/// `Sendable` because the body that holds it is: each reader is handed over at most once, under the lock, to the
/// one write that streams it, so no reader is ever used by two tasks.
final class EMLOpenedAttachments: @unchecked Sendable {
    private let lock = NSLock()
    private var readers: [Int: any AttachmentReader] = [:]

    /// Creates an empty set.
    init() {}

    deinit {
        closeAll()
    }

    /// Keeps the reader of attachment number `index`.
    func keep(_ reader: any AttachmentReader, at index: Int) {
        lock.withLock { readers[index] = reader }
    }

    /// Hands over the reader of attachment number `index`, if it is still unused.
    func take(_ index: Int) -> (any AttachmentReader)? {
        lock.withLock { readers.removeValue(forKey: index) }
    }

    /// Closes every reader not handed over.
    func closeAll() {
        let open = lock.withLock {
            defer { readers.removeAll() }
            return Array(readers.values)
        }
        for reader in open { reader.close() }
    }
}
