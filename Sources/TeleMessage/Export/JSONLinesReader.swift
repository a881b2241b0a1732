import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a JSON Lines file line by line from a byte offset, in bounded memory whatever the file's size.
///
/// A line longer than the limit is skipped to its end without being held in memory, and reported as too long.
final class JSONLinesReader {
    /// One line of the file.
    enum Line {
        /// The line's bytes, without its line feed.
        case text([UInt8])
        /// A line longer than the limit, with its length.
        case tooLong(Int64)
    }

    private let path: String
    private let descriptor: Int32
    private let maximumLineBytes: Int
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var atEndOfFile = false
    /// The offset of the first byte not yet returned.
    private(set) var offset: Int64

    init(path: String, offset: Int64, maximumLineBytes: Int, chunkSize: Int = 1 << 20) throws {
        self.path = path
        self.offset = offset
        self.maximumLineBytes = maximumLineBytes
        self.buffer = [UInt8](repeating: 0, count: max(chunkSize, 4096))
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw ArchiverError(
                .sourceUnavailable,
                "Cannot open the export's items file \(path): \(SystemError.describe(code)). "
                    + "Check that --export names a saved TeleMessage export.",
                scope: .run
            )
        }
        self.descriptor = descriptor
        guard lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) else {
            let code = errno
            _ = SystemError.closeIgnoringInterrupts(descriptor)
            throw POSIXFiles.failure("seek in", path, code)
        }
    }

    deinit {
        _ = SystemError.closeIgnoringInterrupts(descriptor)
    }

    /// The next line, or `nil` at the end of the file. A last line without a line feed is still a line.
    func next() throws -> Line? {
        var skipped: Int64 = 0
        var skipping = false
        while true {
            if let newline = findNewline() {
                let length = newline - start
                defer {
                    start = newline + 1
                    offset += Int64(length + 1)
                }
                if skipping || length > maximumLineBytes { return .tooLong(skipped + Int64(length)) }
                return .text(Array(buffer[start..<newline]))
            }
            if atEndOfFile {
                guard start < end || skipping else { return nil }
                let length = end - start
                defer {
                    offset += Int64(length)
                    start = end
                }
                if skipping || length > maximumLineBytes { return .tooLong(skipped + Int64(length)) }
                return .text(Array(buffer[start..<end]))
            }
            if skipping || end - start > maximumLineBytes {
                // Too long to be a record: drop what is buffered and skip to the line's end.
                skipping = true
                skipped += Int64(end - start)
                offset += Int64(end - start)
                start = end
            }
            try fill()
        }
    }

    private func findNewline() -> Int? {
        guard start < end else { return nil }
        return buffer.withUnsafeBytes { raw -> Int? in
            guard let found = memchr(raw.baseAddress! + start, 0x0A, end - start) else { return nil }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(found))
        }
    }

    private func fill() throws {
        if start > 0 {
            buffer.withUnsafeMutableBytes { raw in
                raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: end - start)
            }
            end -= start
            start = 0
        }
        if end == buffer.count {
            // A line longer than the buffer but within the limit: grow.
            buffer.append(contentsOf: repeatElement(0, count: buffer.count))
        }
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + end, raw.count - end)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw POSIXFiles.failure("read", path, errno)
            }
            if count == 0 { atEndOfFile = true }
            end += count
            return
        }
    }
}
