import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a media file of an export for reading without following a symbolic link, and only if it is a regular
/// file: a link planted in an export folder cannot make the archive read a file outside it. The reading itself is
/// the core's file reader.
enum NoFollowFileReader {
    static func reader(path: String) throws -> FileAttachmentReader {
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
        return FileAttachmentReader(descriptor: descriptor, path: path)
    }
}
