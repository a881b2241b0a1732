import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An `AttachmentReader` over a media file of an export, opened without following a symbolic link and only if it
/// is a regular file: a link planted in an export folder cannot make the archive read a file outside it.
final class NoFollowFileReader: AttachmentReader {
    private var descriptor: Int32
    private let path: String

    init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw ArchiverError(
                .attachmentMissing,
                "Cannot open the export's media file \(path): \(SystemError.describe(errno))"
            )
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            _ = SystemError.closeIgnoringInterrupts(descriptor)
            throw ArchiverError(.attachmentMissing, "The export's media file \(path) is not a regular file.")
        }
        self.descriptor = descriptor
    }

    deinit { close() }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        guard descriptor >= 0 else {
            throw ArchiverError(.storageFailed, "Read from a closed media file reader: \(path)")
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
            throw ArchiverError(.storageFailed, "Cannot read the media file \(path): \(SystemError.describe(errno))")
        }
    }

    func close() {
        if descriptor >= 0 {
            _ = SystemError.closeIgnoringInterrupts(descriptor)
            descriptor = -1
        }
    }
}
