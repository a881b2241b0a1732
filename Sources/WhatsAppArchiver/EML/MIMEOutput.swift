/// A write buffer in front of an ``EmailByteWriter``: the converter and its encoders append to it synchronously,
/// and the body hands the sink large chunks at the points where it may suspend, so that a message of any size is
/// written with a bounded amount of memory.
///
/// The encoders never wait for the sink: an append that does not fit grows the buffer, and the body calls
/// ``flushIfFull()`` after each piece it appends (one attachment chunk at most), so the buffer holds at most
/// ``capacity`` plus one encoded chunk. The sink receives chunks of at most ``capacity`` bytes.
final class MIMEOutput {
    /// The size at which the buffer is handed to the writer; also its initial allocation.
    static let capacity = 1 << 16

    /// The writer the buffer is flushed to; the body hands it back to its caller when done.
    private(set) var writer: any EmailByteWriter
    private var storage: UnsafeMutableRawPointer
    private var allocated = MIMEOutput.capacity
    private var count = 0

    /// Creates an output that writes to `writer`.
    init(writer: any EmailByteWriter) {
        self.writer = writer
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    /// Appends bytes.
    func append(_ bytes: some Collection<UInt8>) {
        // Contiguous bytes (arrays, native strings' UTF-8) are copied with memcpy, not element by element.
        let copied = bytes.withContiguousStorageIfAvailable { buffer -> Bool in
            append(UnsafeRawBufferPointer(buffer))
            return true
        }
        if copied == true { return }
        let pieceCount = bytes.count
        makeRoom(pieceCount)
        let target = UnsafeMutableRawBufferPointer(start: storage + count, count: pieceCount)
        _ = target.initializeMemory(as: UInt8.self, from: bytes)
        count += pieceCount
    }

    /// Appends raw bytes.
    func append(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        makeRoom(bytes.count)
        (storage + count).copyMemory(from: base, byteCount: bytes.count)
        count += bytes.count
    }

    /// Appends the UTF-8 bytes of `text`.
    func append(_ text: String) {
        append(text.utf8)
    }

    /// Space for at least `byteCount` bytes; the caller writes into it and then calls ``advance(by:)``.
    func reserve(_ byteCount: Int) -> (pointer: UnsafeMutablePointer<UInt8>, available: Int) {
        makeRoom(byteCount)
        return ((storage + count).assumingMemoryBound(to: UInt8.self), allocated - count)
    }

    /// Records that `byteCount` bytes were written into the space ``reserve(_:)`` returned.
    func advance(by byteCount: Int) {
        count += byteCount
    }

    /// Hands the buffer to the writer when it holds at least ``capacity`` bytes.
    func flushIfFull() async throws {
        if count >= Self.capacity { try await flush() }
    }

    /// Hands everything buffered to the writer, in chunks of at most ``capacity`` bytes.
    func flush() async throws {
        var offset = 0
        while offset < count {
            let piece = min(count - offset, Self.capacity)
            try await writer.write(UnsafeRawBufferPointer(start: storage + offset, count: piece))
            offset += piece
        }
        count = 0
    }

    private func makeRoom(_ byteCount: Int) {
        guard allocated - count < byteCount else { return }
        let size = max(allocated * 2, count + byteCount)
        let grown = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        grown.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = grown
        allocated = size
    }
}
