import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a chat text file line by line from a descriptor, in bounded memory.
///
/// A line is handed out as a buffer into the reader's own storage, without its line break (LF, CRLF or a lone CR
/// before LF). A line longer than `maximumLineBytes` is handed out cut at that length with `isCut` set, and the
/// rest of it is skipped without being held: a 10 MB line costs `maximumLineBytes` of memory, never 10 MB.
final class ChatLineReader {
    /// One line: its 1-based number, its bytes (valid only until the next call) and whether it was cut.
    struct Line {
        var number: Int
        var bytes: UnsafeBufferPointer<UInt8>
        var isCut: Bool
    }

    private let descriptor: Int32
    private let path: String
    private let maximumLineBytes: Int
    private var storage: UnsafeMutableBufferPointer<UInt8>
    /// The unread bytes are `storage[start..<end]`.
    private var start = 0
    private var end = 0
    private var atEndOfFile = false
    private var lineNumber = 0
    /// Bytes consumed from the file so far (for progress and positions).
    private(set) var offset: Int64 = 0

    /// Opens `path` (never through a symbolic link) for reading.
    init(path: String, maximumLineBytes: Int) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else {
            throw ArchiverError(
                .invalidConfiguration,
                "Cannot open the chat text \(path): \(SystemError.describe(errno))",
                scope: .run
            )
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            _ = SystemError.closeIgnoringInterrupts(descriptor)
            throw ArchiverError(.invalidConfiguration, "The chat text \(path) is not a regular file.", scope: .run)
        }
        self.descriptor = descriptor
        self.path = path
        self.maximumLineBytes = max(1, maximumLineBytes)
        self.storage = .allocate(capacity: max(65_536, self.maximumLineBytes + 65_536))
    }

    deinit {
        storage.deallocate()
        _ = SystemError.closeIgnoringInterrupts(descriptor)
    }

    /// The next line, or `nil` at the end of the file.
    func next() throws -> Line? {
        var skipping = false
        var cutLine: Line?
        while true {
            if let newline = findNewline() {
                var lineEnd = newline
                if lineEnd > start && storage[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let lineStart = start
                start = newline + 1
                offset += Int64(newline + 1 - lineStart)
                if skipping, let cutLine { return cutLine }
                lineNumber += 1
                return Line(number: lineNumber, bytes: slice(lineStart, lineEnd), isCut: false)
            }
            if atEndOfFile {
                if skipping, let cutLine {
                    offset += Int64(end - start)
                    start = end
                    return cutLine
                }
                guard start < end else { return nil }
                let lineStart = start
                var lineEnd = end
                if storage[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                offset += Int64(end - start)
                start = end
                lineNumber += 1
                return Line(number: lineNumber, bytes: slice(lineStart, lineEnd), isCut: false)
            }
            if !skipping && end - start >= maximumLineBytes {
                // Too long: hand out the first maximumLineBytes once the rest of the line is skipped. The cut part
                // stays at the front of the storage, which the skipping below never overwrites.
                compact()
                lineNumber += 1
                cutLine = Line(number: lineNumber, bytes: slice(0, maximumLineBytes), isCut: true)
                skipping = true
                offset += Int64(maximumLineBytes)
                start = maximumLineBytes
            }
            if skipping {
                // Drop what was read past the kept part: it belongs to the line being skipped.
                offset += Int64(end - start)
                end = start
            }
            try fill()
        }
    }

    private func slice(_ from: Int, _ to: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: storage[from..<to])
    }

    private func findNewline() -> Int? {
        guard start < end, let base = storage.baseAddress else { return nil }
        guard let found = memchr(base + start, 0x0A, end - start) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    private func compact() {
        guard start > 0, let base = storage.baseAddress else { return }
        let count = end - start
        if count > 0 { memmove(base, base + start, count) }
        start = 0
        end = count
    }

    private func fill() throws {
        if end == storage.count { compact() }
        guard let base = storage.baseAddress else { return }
        while true {
            let count = read(descriptor, base + end, storage.count - end)
            if count < 0 {
                if errno == EINTR { continue }
                throw ArchiverError(
                    .storageFailed,
                    "Cannot read the chat text \(path): \(SystemError.describe(errno))",
                    scope: .run
                )
            }
            if count == 0 { atEndOfFile = true }
            end += count
            return
        }
    }
}
