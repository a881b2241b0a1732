#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An ``AttachmentReader`` over a local file, read with plain `read(2)` calls into the caller's buffer.
package final class FileAttachmentReader: AttachmentReader {
    private var descriptor: Int32
    private let path: String

    /// Opens the file at `path` for reading.
    ///
    /// - Throws: ``ArchiverError/Code/attachmentMissing`` when the file does not exist,
    ///   ``ArchiverError/Code/storageFailed`` when it exists but cannot be opened.
    package init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT {
                throw ArchiverError(.attachmentMissing, "The attachment file does not exist: \(path)")
            }
            throw ArchiverError(
                .storageFailed,
                "Cannot open the attachment file \(path): \(SystemError.describe(code))"
            )
        }
        self.descriptor = descriptor
    }

    /// Reads from `descriptor`, a file the caller opened (with its own checks) and hands over: the reader closes it.
    package init(descriptor: Int32, path: String) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = SystemError.closeIgnoringInterrupts(descriptor) }
    }

    /// Reads the next bytes of the file into `buffer`; `0` at the end of the file.
    package func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        try readSynchronously(into: buffer)
    }

    /// The synchronous form of ``read(into:)``, for callers that are not in an async context.
    package func readSynchronously(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard descriptor >= 0 else {
            throw ArchiverError(.storageFailed, "Read from a closed attachment reader: \(path)")
        }
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            #if canImport(Darwin)
            let count = Darwin.read(descriptor, base, buffer.count)
            #else
            let count = Glibc.read(descriptor, base, buffer.count)
            #endif
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw ArchiverError(
                .storageFailed,
                "Cannot read the attachment file \(path): \(SystemError.describe(errno))"
            )
        }
    }

    /// Closes the file.
    package func close() {
        if descriptor >= 0 {
            _ = SystemError.closeIgnoringInterrupts(descriptor)
            descriptor = -1
        }
    }
}
