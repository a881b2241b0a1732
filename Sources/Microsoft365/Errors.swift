import WhatsAppArchiver

extension ArchiverError.Code {
    /// The mailbox does not exist in the tenant (`404` on `/users/{address}`); that pair fails, the run goes on.
    public static let mailboxNotFound = ArchiverError.Code("mailbox_not_found")
    /// The app may not open this mailbox (`403`, `ErrorAccessDenied`), for example because an application access
    /// policy leaves it out; that pair fails, the run goes on.
    public static let mailboxAccessDenied = ArchiverError.Code("mailbox_access_denied")
    /// Exchange Online refused this one message (`400`); the report carries the service's error code.
    public static let rejectedByService = ArchiverError.Code("rejected_by_service")
    /// An attachment is larger than Exchange Online accepts (150 MiB); the message is stored without it and says so.
    public static let attachmentTooLarge = ArchiverError.Code("attachment_too_large")
    /// Microsoft Graph could not be reached or kept failing after the retries; the run stops.
    public static let destinationUnavailable = ArchiverError.Code("destination_unavailable")
}

extension ArchiverError {
    /// An item-scoped error for one (item, mailbox) pair.
    static func pair(_ code: Code, _ message: String) -> ArchiverError {
        ArchiverError(code, message, scope: .item)
    }
}
