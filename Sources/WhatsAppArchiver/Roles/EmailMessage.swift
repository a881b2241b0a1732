import Foundation

/// An email message ready for delivery: its identity, its date, and a body that writes its bytes as a stream.
///
/// Not `Sendable`: the body may hold open attachment readers. It is produced and consumed within one task.
public struct EmailMessage {
    /// The `Message-ID` without angle brackets, for example `wa.3eb0c4f1a2.1b2c@archiver.invalid`.
    ///
    /// Derived from the item alone, so it is the same in every mailbox and on every run: sinks use it to recognise
    /// a message they already hold.
    public var messageID: String
    /// When the item was sent; sinks use it as the message's arrival time (IMAP `INTERNALDATE`).
    public var date: Date
    /// Why this message is incomplete, one entry per attachment that could not be included; empty when complete.
    public var partialReasons: [PartialReason]
    /// Writes the RFC 5322 bytes of the message (CRLF line endings) to a writer.
    public var body: EmailBody

    /// Creates a message.
    public init(messageID: String, date: Date, partialReasons: [PartialReason] = [], body: EmailBody) {
        self.messageID = messageID
        self.date = date
        self.partialReasons = partialReasons
        self.body = body
    }
}

/// Why a delivered message is only partially imported: a short stable code and a detail.
public struct PartialReason: Sendable, Hashable {
    /// The code: ``ArchiverError/Code/attachmentMissing`` or ``ArchiverError/Code/attachmentIntegrity``, or a code
    /// of the converter's own.
    public var code: ArchiverError.Code
    /// What is missing, for example the attachment's id and file name.
    public var detail: String

    /// Creates a reason.
    public init(code: ArchiverError.Code, detail: String) {
        self.code = code
        self.detail = detail
    }
}

/// The producer of a message's bytes.
///
/// The body is written once. Its closure writes the whole message, in as many chunks as it likes, to the writer it
/// is given; writing is pushed from the body to the sink so that no copy of the message need exist in memory.
public struct EmailBody {
    private let producer: (any EmailByteWriter) async throws -> Void

    /// Creates a body from a closure that writes the message's bytes to the writer it is given.
    public init(_ producer: @escaping (any EmailByteWriter) async throws -> Void) {
        self.producer = producer
    }

    /// A body of bytes already in memory; for small messages and tests.
    public init(bytes: [UInt8]) {
        self.producer = { writer in
            try bytes.withUnsafeBytes { try writer.write($0) }
        }
    }

    /// Writes the message's bytes to `writer`.
    public func write(to writer: any EmailByteWriter) async throws {
        try await producer(writer)
    }

    /// Collects the whole message in memory; for tests and small messages.
    ///
    /// - Parameter limit: The most bytes to accept; a longer message throws
    ///   ``ArchiverError/Code/conversionFailed``.
    public func collect(limit: Int = .max) async throws -> [UInt8] {
        let collector = ByteCollector(limit: limit)
        try await write(to: collector)
        return collector.bytes
    }
}

/// Receives a message's bytes, chunk by chunk, from an ``EmailBody``.
///
/// Sinks implement it over whatever they write to: a file, a socket, a buffer.
public protocol EmailByteWriter: AnyObject {
    /// Appends `bytes` to the message. The buffer is valid only during the call.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// An ``EmailByteWriter`` that keeps everything in memory, up to a limit.
public final class ByteCollector: EmailByteWriter {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []
    private let limit: Int

    /// Creates a collector that accepts at most `limit` bytes.
    public init(limit: Int = .max) {
        self.limit = limit
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard self.bytes.count + bytes.count <= limit else {
            throw ArchiverError(.conversionFailed, "The message is larger than the \(limit)-byte limit.")
        }
        self.bytes.append(contentsOf: bytes)
    }
}
