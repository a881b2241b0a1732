/// Receives a message's bytes, chunk by chunk, from an ``EmailBody``, and is told when the message is complete.
///
/// A sink implements it over whatever it writes to: a file, a socket, an HTTP upload, a buffer. The sink owns a
/// writer for one write of one message, so it need not be `Sendable`.
public protocol EmailByteWriter {
    /// Appends `bytes` to the message. The buffer is valid only during the call.
    mutating func write(_ bytes: UnsafeRawBufferPointer) async throws

    /// No more bytes come: the message is complete.
    ///
    /// Called exactly once, after the last ``write(_:)-(UnsafeRawBufferPointer)``, and only when the body was
    /// produced without error; a body that throws never finishes its writer. A sink that streams to a network
    /// finishes its upload here.
    mutating func finish() async throws
}

extension EmailByteWriter {
    /// Appends the bytes of `bytes` to the message.
    public mutating func write(_ bytes: [UInt8]) async throws {
        // The buffer must outlive the suspension of an asynchronous write, which `withUnsafeBytes` cannot promise.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
        defer { buffer.deallocate() }
        buffer.copyBytes(from: bytes)
        try await write(UnsafeRawBufferPointer(buffer))
    }

    /// Appends the bytes of any sequence (a string's `utf8` view, say) to the message.
    public mutating func write(_ bytes: some Sequence<UInt8>) async throws {
        try await write(Array(bytes))
    }
}
