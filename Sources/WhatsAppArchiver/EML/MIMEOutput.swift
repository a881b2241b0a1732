/// A write buffer in front of an ``EmailByteWriter``: the converter and its encoders append to it, and it hands the
/// sink large chunks, so that a message of any size is written with a fixed amount of memory.
final class MIMEOutput {
    /// The buffer's size; also the largest chunk the sink receives.
    static let capacity = 1 << 16

    private let writer: any EmailByteWriter
    private let storage: UnsafeMutableRawPointer
    private var count = 0

    /// Creates an output that writes to `writer`.
    init(writer: any EmailByteWriter) {
        self.writer = writer
        self.storage = UnsafeMutableRawPointer.allocate(byteCount: Self.capacity, alignment: 16)
    }

    deinit {
        storage.deallocate()
    }

    /// Appends bytes, flushing as often as needed.
    func append(_ bytes: some Collection<UInt8>) throws {
        // Contiguous bytes (arrays, native strings' UTF-8) are copied with memcpy, not element by element.
        let copied = try bytes.withContiguousStorageIfAvailable { buffer -> Bool in
            try append(UnsafeRawBufferPointer(buffer))
            return true
        }
        if copied == true { return }
        var remaining = bytes[...]
        while !remaining.isEmpty {
            if count == Self.capacity { try flush() }
            let room = Self.capacity - count
            let piece = remaining.prefix(room)
            let target = UnsafeMutableRawBufferPointer(start: storage + count, count: piece.count)
            _ = target.initializeMemory(as: UInt8.self, from: piece)
            count += piece.count
            remaining = remaining.dropFirst(piece.count)
        }
    }

    /// Appends raw bytes, flushing as often as needed.
    func append(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            if count == Self.capacity { try flush() }
            let piece = min(bytes.count - offset, Self.capacity - count)
            (storage + count).copyMemory(from: bytes.baseAddress! + offset, byteCount: piece)
            count += piece
            offset += piece
        }
    }

    /// Appends the UTF-8 bytes of `text`.
    func append(_ text: String) throws {
        try append(text.utf8)
    }

    /// Space for at least `byteCount` bytes (at most ``capacity``), flushing first when there is not enough; the
    /// caller writes into it and then calls ``advance(by:)``.
    func reserve(_ byteCount: Int) throws -> (pointer: UnsafeMutablePointer<UInt8>, available: Int) {
        precondition(byteCount <= Self.capacity)
        if Self.capacity - count < byteCount { try flush() }
        return ((storage + count).assumingMemoryBound(to: UInt8.self), Self.capacity - count)
    }

    /// Records that `byteCount` bytes were written into the space ``reserve(_:)`` returned.
    func advance(by byteCount: Int) {
        count += byteCount
    }

    /// Hands everything buffered to the writer.
    func flush() throws {
        guard count > 0 else { return }
        try writer.write(UnsafeRawBufferPointer(start: storage, count: count))
        count = 0
    }
}
