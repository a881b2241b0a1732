import Foundation

/// An email message ready for delivery: its identity, its date, a body that writes its bytes as a stream, and the
/// message to store instead should an attachment fail while the body is written.
public struct EmailMessage: Sendable {
    /// The `Message-ID` without angle brackets, for example `wa.3eb0c4f1a2.1b2c@archiver.invalid`.
    ///
    /// Derived from the item alone, so it is the same in every mailbox and on every run: sinks use it to recognise
    /// a message they already hold.
    public var messageID: String
    /// When the item was sent; sinks use it as the message's arrival time (IMAP `INTERNALDATE`).
    public var date: Date
    /// Why this message is incomplete, one entry per attachment that could not be included; empty when complete.
    public var partialReasons: [PartialReason]
    /// Writes the RFC 5322 bytes of the message (CRLF line endings) to a writer; replayable.
    public var body: EmailBody
    /// The message to store instead when writing ``body`` throws an ``AttachmentFailure``: the same message with
    /// that attachment replaced by a placeholder, and the failure's reason added to ``partialReasons``.
    ///
    /// Made by the converter from what it already holds: the source is never asked again. `nil`: such a failure
    /// fails the delivery.
    public var fallback: (@Sendable (AttachmentFailure) -> EmailMessage)?

    /// Creates a message.
    public init(
        messageID: String,
        date: Date,
        partialReasons: [PartialReason] = [],
        body: EmailBody,
        fallback: (@Sendable (AttachmentFailure) -> EmailMessage)? = nil
    ) {
        self.messageID = messageID
        self.date = date
        self.partialReasons = partialReasons
        self.body = body
        self.fallback = fallback
    }

    /// The message to store instead after `failure`: `fallback?(failure)`.
    public func replacing(_ failure: AttachmentFailure) -> EmailMessage? {
        fallback?(failure)
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
