extension AttachmentReader {
    /// Reads the stream to its end in chunks of at most `chunkSize` bytes, handing each to `body`, and returns the
    /// number of bytes read. One buffer is allocated for the whole stream, so memory stays bounded whatever the
    /// attachment's size.
    public func forEachChunk(
        chunkSize: Int = 1 << 16,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) async throws -> Int64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 16)
        defer { buffer.deallocate() }
        var total: Int64 = 0
        while true {
            let count = try await read(into: buffer)
            if count == 0 { return total }
            total += Int64(count)
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}
