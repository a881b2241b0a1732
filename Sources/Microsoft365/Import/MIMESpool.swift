import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives a message's MIME: in memory while it fits one `importMime` request (its base64 at most 4 MiB), in a
/// private file of the spool directory once it does not, so that no message is ever held whole in memory.
final class MIMESpool: EmailByteWriter {
    /// The largest MIME whose base64 fits a 4 MiB request: 3 MiB.
    static let memoryLimit = 3 << 20

    /// What the spool holds once the body is written.
    enum Contents {
        case memory([UInt8])
        case file(path: String, size: Int64)
    }

    private let directory: String
    private let name: String
    private var buffer: [UInt8] = []
    private var descriptor: Int32 = -1
    private var path: String?
    private var size: Int64 = 0

    init(directory: String, name: String) {
        self.directory = directory
        self.name = name
    }

    deinit {
        if descriptor >= 0 { _ = close(descriptor) }
    }

    func write(_ bytes: UnsafeRawBufferPointer) async throws {
        size += Int64(bytes.count)
        if descriptor < 0, buffer.count + bytes.count <= Self.memoryLimit {
            buffer.append(contentsOf: bytes)
            return
        }
        if descriptor < 0 {
            let path = directory + "/" + name + ".eml"
            let opened = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
            guard opened >= 0 else { throw POSIXFiles.failure("create the spool file", path, errno) }
            descriptor = opened
            self.path = path
            try POSIXFiles.writeAll(descriptor, buffer, path: path)
            buffer = []
        }
        try POSIXFiles.writeAll(descriptor, bytes, path: path!)
    }

    /// Nothing to do: ``contents()`` hands over what was written.
    func finish() async throws {}

    /// What was written.
    func contents() -> Contents {
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
            return .file(path: path!, size: size)
        }
        return .memory(buffer)
    }

    /// Removes the spool file, if any.
    func discard() {
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
        if let path { _ = unlink(path) }
    }
}
