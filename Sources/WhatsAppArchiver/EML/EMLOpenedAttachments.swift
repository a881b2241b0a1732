/// The attachment readers that ``EMLConverter/convert(_:)`` opened, kept for the message body to stream from.
///
/// If the body is never written (the sink found a duplicate, say) the readers are closed when the message is
/// released; a body written a second time opens the attachments again instead of reading exhausted streams.
final class EMLOpenedAttachments {
    private var readers: [Int: any AttachmentReader] = [:]

    /// Creates an empty set.
    init() {}

    deinit {
        closeAll()
    }

    /// Keeps the reader of attachment number `index`.
    func keep(_ reader: any AttachmentReader, at index: Int) {
        readers[index] = reader
    }

    /// Hands over the reader of attachment number `index`, if it is still unused.
    func take(_ index: Int) -> (any AttachmentReader)? {
        readers.removeValue(forKey: index)
    }

    /// Closes every reader not handed over.
    func closeAll() {
        for reader in readers.values { reader.close() }
        readers.removeAll()
    }
}
