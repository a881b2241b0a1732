/// Thrown by an ``EmailBody`` when an attachment fails while it is streamed: its bytes end early or fail their
/// digest, after the converter had opened it successfully.
///
/// A sink that receives it discards what it wrote of the message and rethrows it unchanged; the `Connector` then
/// delivers the message's ``EmailMessage/fallback`` (the same message with a placeholder for that attachment), so
/// the item is stored as partially imported without the source being asked for it again.
public struct AttachmentFailure: Error, Sendable, Hashable {
    /// The id of the attachment that failed.
    public var attachmentID: String
    /// Why, with code ``ArchiverError/Code/attachmentIntegrity`` or ``ArchiverError/Code/attachmentMissing``;
    /// the fallback message lists it in its ``EmailMessage/partialReasons``.
    public var reason: PartialReason

    /// Creates a failure.
    public init(attachmentID: String, reason: PartialReason) {
        self.attachmentID = attachmentID
        self.reason = reason
    }
}
