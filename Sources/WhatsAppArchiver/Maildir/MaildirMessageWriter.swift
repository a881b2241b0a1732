/// Writes a message to a file the way Dovecot stores it: CRLF line endings become LF, through one buffer, so that a
/// message costs a few large `write` calls however small the chunks its body produces.
///
/// It counts what the Maildir file name and the delivery result need: the bytes received, the bytes stored, and
/// the size with CRLF line endings (every stored LF counts as two bytes, as IMAP reports it).
package final class MaildirMessageWriter: EmailByteWriter {
    private let descriptor: Int32
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

    package init(descriptor: Int32, path: String, bufferSize: Int = 1 << 16) {
        self.descriptor = descriptor
        self.path = path
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bufferSize, 16), alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    /// Appends a chunk of the message, turning each CRLF into LF (also across chunk boundaries).
    ///
    /// Eight bytes at a time: a word without a carriage return (most of them) is stored as it is; only a word
    /// holding one goes byte by byte. The byte-by-byte loop and a `memchr` per line were the sink's costliest code.
    package func write(_ bytes: UnsafeRawBufferPointer) throws {
        receivedByteCount += Int64(bytes.count)
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // Dropping carriage returns never drops a line feed: the chunk's line feeds are all stored.
        lineFeedCount += Int64(Self.countLineFeeds(bytes))
        let carriageReturn = UInt8(ascii: "\r")
        let lineFeed = UInt8(ascii: "\n")
        let carriageReturns: UInt64 = 0x0D0D_0D0D_0D0D_0D0D
        let end = bytes.count
        var index = 0
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            if base.load(fromByteOffset: 0, as: UInt8.self) != lineFeed { try append(carriageReturn) }
        }
        while index < end {
            if buffer.count - buffered < 8 { try flush() }
            if end - index >= 8 {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                let probe = word ^ carriageReturns
                // Exact for the word as a whole: nonzero if and only if some byte of `word` is a carriage return.
                if (probe &- 0x0101_0101_0101_0101) & ~probe & 0x8080_8080_8080_8080 == 0 {
                    buffer.storeBytes(of: word, toByteOffset: buffered, as: UInt64.self)
                    buffered += 8
                    index += 8
                    continue
                }
            }
            let byte = base.load(fromByteOffset: index, as: UInt8.self)
            index += 1
            if byte == carriageReturn {
                // Dropped before a line feed, kept otherwise; at the chunk's end, decided by the next chunk.
                if index == end {
                    pendingCarriageReturn = true
                } else if base.load(fromByteOffset: index, as: UInt8.self) != lineFeed {
                    buffer[buffered] = carriageReturn
                    buffered += 1
                }
                continue
            }
            buffer[buffered] = byte
            buffered += 1
        }
        if buffered == buffer.count { try flush() }
    }

    /// Writes what is still buffered; call once after the body has finished.
    package func finish() throws {
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            try append(UInt8(ascii: "\r"))
        }
        try flush()
    }

    @inline(__always)
    private func append(_ byte: UInt8) throws {
        buffer[buffered] = byte
        buffered += 1
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
        try POSIXFiles.writeAll(descriptor, UnsafeRawBufferPointer(rebasing: buffer[0..<buffered]), path: path)
        storedByteCount += Int64(buffered)
        buffered = 0
    }
}
