#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a message to a file the way Dovecot stores it: CRLF line endings become LF, through one buffer, so that a
/// message costs a few large `write` calls however small the chunks its body produces.
///
/// It counts what the Maildir file name and the delivery result need: the bytes received, the bytes stored, and
/// the size with CRLF line endings (every stored LF counts as two bytes, as IMAP reports it).
package final class MaildirMessageWriter: EmailByteWriter {
    /// The file's descriptor; -1 while the whole message is still in the buffer.
    package private(set) var descriptor: Int32
    private let openFile: (() throws -> Int32)?
    private let path: String
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0
    private var pendingCarriageReturn = false

    /// The bytes the body wrote.
    package private(set) var receivedByteCount: Int64 = 0
    /// The bytes written to the file so far (after ``finish()``: the file's size).
    package private(set) var storedByteCount: Int64 = 0
    /// The number of LF bytes written.
    package private(set) var lineFeedCount: Int64 = 0

    /// The size of the stored message with CRLF line endings.
    package var virtualByteCount: Int64 { storedByteCount + lineFeedCount }

    /// Hashes the stored bytes as they are written, for a ``MaildirCommitLog``: `nil` when no log asks for it.
    package var storedBytesHasher: SHA256?

    /// After ``finish()``: the SHA-256 of the stored bytes, when ``storedBytesHasher`` was set and the message went
    /// to the file (one kept as ``inMemoryMessage`` is hashed by whoever writes it).
    package var storedDigest: [UInt8]? {
        guard var hasher = storedBytesHasher else { return nil }
        return hasher.finalize()
    }

    /// A writer into an open file.
    package init(descriptor: Int32, path: String, bufferSize: Int = 1 << 16) {
        self.descriptor = descriptor
        self.openFile = nil
        self.path = path
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, 16), alignment: 16)
    }

    /// A writer that keeps a message that fits in its buffer in memory (``inMemoryMessage``), and creates the file
    /// with `openFile` only when the buffer first fills up.
    package init(path: String, bufferSize: Int = 1 << 16, openFile: @escaping () throws -> Int32) {
        self.descriptor = -1
        self.openFile = openFile
        self.path = path
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, 16), alignment: 16)
    }

    /// Forgets the descriptor, which the caller has closed.
    package func abandonDescriptor() {
        descriptor = -1
    }

    /// After ``finish()``: the whole stored message when it never needed the file, else `nil`. Valid until the
    /// writer is released.
    package var inMemoryMessage: UnsafeRawBufferPointer? {
        descriptor < 0 ? UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]) : nil
    }

    deinit {
        buffer.deallocate()
    }

    /// Appends a chunk of the message, turning each CRLF into LF (also across chunk boundaries).
    ///
    /// Works on runs between carriage returns: each run is copied into the buffer with `memcpy` and its line feeds
    /// counted in a tight loop, instead of handling the message byte by byte (this was the sink's costliest
    /// function).
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        receivedByteCount += Int64(bytes.count)
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // Dropping carriage returns never drops a line feed: the chunk's line feeds are all stored.
        lineFeedCount += Int64(Self.countLineFeeds(bytes))
        let carriageReturn = UInt8(ascii: "\r")
        let lineFeed = UInt8(ascii: "\n")
        let end = bytes.count
        var index = 0
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            if base.load(fromByteOffset: 0, as: UInt8.self) != lineFeed { try append(carriageReturn) }
        }
        while index < end {
            let found = memchr(base + index, Int32(carriageReturn), end - index)
            let runEnd = found.map { base.distance(to: UnsafeRawPointer($0)) } ?? end
            try appendRun(UnsafeRawBufferPointer(start: base + index, count: runEnd - index))
            guard runEnd < end else { break }
            // A carriage return: dropped before a line feed, kept otherwise; at the chunk's end, decided by the
            // next chunk.
            index = runEnd + 1
            if index == end {
                pendingCarriageReturn = true
            } else if base.load(fromByteOffset: index, as: UInt8.self) != lineFeed {
                try append(carriageReturn)
            }
        }
    }

    /// Writes what is still buffered, or keeps it as ``inMemoryMessage`` when the file was never needed; call once
    /// after the body has finished.
    package func finish() throws {
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            try append(UInt8(ascii: "\r"))
        }
        if descriptor < 0 && openFile != nil {
            // Kept in memory: whoever writes ``inMemoryMessage`` hashes it (the sink does so on its write-behind
            // thread), so ``storedDigest`` stays `nil`.
            storedByteCount += Int64(buffered)
            storedBytesHasher = nil
        } else {
            try flush()
        }
    }

    @inline(__always)
    private func append(_ byte: UInt8) throws {
        buffer[buffered] = byte
        buffered += 1
        if buffered == buffer.count { try flush() }
    }

    /// Copies bytes that hold no carriage return into the buffer, flushing as often as needed. Their line feeds
    /// are already counted.
    private func appendRun(_ run: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < run.count {
            if buffered == buffer.count { try flush() }
            let piece = min(run.count - offset, buffer.count - buffered)
            (buffer.baseAddress! + buffered).copyMemory(from: run.baseAddress! + offset, byteCount: piece)
            buffered += piece
            offset += piece
        }
        if buffered == buffer.count { try flush() }
    }

    /// The number of line feeds in `bytes`, eight bytes at a time: a byte is a line feed exactly when the high bit
    /// of its lane survives the SWAR zero-byte test on `word ^ 0x0A0A...`.
    private static func countLineFeeds(_ bytes: UnsafeRawBufferPointer) -> Int {
        let lineFeeds: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        var count = 0
        var index = 0
        while bytes.count - index >= 8 {
            let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ lineFeeds
            // High bit set in a lane exactly when that lane is zero (no false positives, unlike the cheaper test).
            let zeroLanes = ~(((word & low7) &+ low7) | word | low7)
            count += zeroLanes.nonzeroBitCount
            index += 8
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { count += 1 }
            index += 1
        }
        return count
    }

    private func flush() throws {
        guard buffered > 0 else { return }
        if descriptor < 0, let openFile { descriptor = try openFile() }
        try POSIXFiles.writeAll(descriptor, UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]), path: path)
        storedBytesHasher?.update(UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]))
        storedByteCount += Int64(buffered)
        buffered = 0
    }
}
