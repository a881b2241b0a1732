/// A handle to an attachment's bytes, which yields them as a stream when asked.
///
/// The handle itself holds no bytes. Each call to ``open()`` returns a new reader positioned at the start, so the
/// same attachment can be read once per mailbox an item fans out to. Sources implement the handle with a closure:
/// the TeleMessage source, for example, downloads to a private temporary file on first open, verifies size and
/// SHA-256, and serves every later open from that file.
public struct AttachmentContent: Sendable {
    private let opener: @Sendable () async throws -> any AttachmentReader

    /// Creates a handle from a closure that opens a new reader each time it is called.
    ///
    /// The closure throws an ``ArchiverError`` with code ``ArchiverError/Code/attachmentMissing`` or
    /// ``ArchiverError/Code/attachmentIntegrity`` when the bytes cannot be provided; a converter then renders a
    /// placeholder and the delivery counts as partially imported. Any other error stops the run.
    public init(open: @escaping @Sendable () async throws -> any AttachmentReader) {
        self.opener = open
    }

    /// Opens a new reader positioned at the first byte.
    public func open() async throws -> any AttachmentReader {
        try await opener()
    }

    /// A handle whose every open fails with `error`: an attachment the source knows it cannot provide.
    public static func unavailable(_ error: ArchiverError) -> AttachmentContent {
        AttachmentContent { throw error }
    }

    /// A handle that reads the file at `path` each time it is opened.
    ///
    /// A missing file is reported as ``ArchiverError/Code/attachmentMissing``.
    public static func file(atPath path: String) -> AttachmentContent {
        AttachmentContent { try FileAttachmentReader(path: path) }
    }
}

/// A stream of an attachment's bytes, read in chunks into a buffer the caller owns.
///
/// A reader is used by one task at a time and is not `Sendable`.
public protocol AttachmentReader: AnyObject {
    /// Reads the next bytes into `buffer`.
    ///
    /// - Returns: The number of bytes read, between 1 and `buffer.count`; `0` at the end of the stream.
    /// - Throws: An ``ArchiverError`` when the bytes cannot be read. Readers that verify integrity while streaming
    ///   throw ``ArchiverError/Code/attachmentIntegrity`` at the end when the bytes do not match.
    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int

    /// Releases the reader's resources. Reading after `close()` is an error; closing twice is harmless.
    func close()
}
