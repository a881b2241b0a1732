/// The producer of a message's bytes.
///
/// Its closure writes the whole message, in as many chunks as it likes, to the writer it is given: writing is
/// pushed from the body to the sink so that no copy of the message need exist in memory. A body is `Sendable` and
/// may be written any number of times (each write reopens the message's attachments), so that a sink can retry or
/// store the same message once per mailbox.
public struct EmailBody: Sendable {
    private let producer: @Sendable (inout any EmailByteWriter) async throws -> Void

    /// Creates a body from a closure that writes the message's bytes to the writer it is given.
    ///
    /// The closure must not call the writer's ``EmailByteWriter/finish()``: ``write(to:)`` does, once the closure
    /// has returned. It may throw ``AttachmentFailure`` when an attachment fails while it is streamed.
    public init(_ producer: @escaping @Sendable (inout any EmailByteWriter) async throws -> Void) {
        self.producer = producer
    }

    /// A body of bytes already in memory; for small messages and tests.
    public init(bytes: [UInt8]) {
        self.producer = { writer in try await writer.write(bytes) }
    }

    /// Writes the message's bytes to `writer`, then calls its ``EmailByteWriter/finish()``.
    ///
    /// When the producer throws, `finish` is not called and the error is rethrown.
    public func write<Writer: EmailByteWriter>(to writer: inout Writer) async throws {
        var boxed: any EmailByteWriter = writer
        try await producer(&boxed)
        try await boxed.finish()
        // The producer sees the writer as an existential; hand back what it wrote into, which is the same type.
        writer = boxed as! Writer
    }

    /// Collects the whole message in memory; for tests and small messages.
    ///
    /// - Parameter limit: The most bytes to accept; a longer message throws
    ///   ``ArchiverError/Code/conversionFailed``.
    public func collect(limit: Int = .max) async throws -> [UInt8] {
        var collector = ByteCollector(limit: limit)
        try await write(to: &collector)
        return collector.bytes
    }
}

/// An ``EmailByteWriter`` that keeps everything in memory, up to a limit.
public struct ByteCollector: EmailByteWriter, Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []
    /// Whether ``finish()`` was called.
    public private(set) var isFinished = false
    private let limit: Int

    /// Creates a collector that accepts at most `limit` bytes.
    public init(limit: Int = .max) {
        self.limit = limit
    }

    /// Appends `bytes`.
    public mutating func write(_ bytes: UnsafeRawBufferPointer) async throws {
        guard self.bytes.count + bytes.count <= limit else {
            throw ArchiverError(.conversionFailed, "The message is larger than the \(limit)-byte limit.")
        }
        self.bytes.append(contentsOf: bytes)
    }

    /// Records that the message is complete.
    public mutating func finish() async throws {
        isFinished = true
    }
}
