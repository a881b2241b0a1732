/// One message for the same folder of one or more mailboxes: what ``MailboxSink/deliver(_:)`` stores.
public struct Delivery: Sendable {
    /// The mailboxes, distinct, at least one, in the order the outcomes come back.
    public var mailboxes: [MailboxAddress]
    /// The folder inside each mailbox, for example `WhatsApp Archiver`.
    public var folder: String
    /// The message; its body may be written once per mailbox.
    public var message: EmailMessage
    /// The item the message was made from, for sinks that want its metadata.
    public var item: Item

    /// Creates a delivery.
    public init(mailboxes: [MailboxAddress], folder: String, message: EmailMessage, item: Item) {
        self.mailboxes = mailboxes
        self.folder = folder
        self.message = message
        self.item = item
    }
}

/// One message for one mailbox folder: what ``PerMailboxSink/deliver(_:)`` stores.
public struct MailboxDelivery: Sendable {
    /// The mailbox.
    public var mailbox: MailboxAddress
    /// The folder inside the mailbox, for example `WhatsApp Archiver`.
    public var folder: String
    /// The message.
    public var message: EmailMessage
    /// The item the message was made from, for sinks that want its metadata.
    public var item: Item

    /// Creates a delivery.
    public init(mailbox: MailboxAddress, folder: String, message: EmailMessage, item: Item) {
        self.mailbox = mailbox
        self.folder = folder
        self.message = message
        self.item = item
    }
}
