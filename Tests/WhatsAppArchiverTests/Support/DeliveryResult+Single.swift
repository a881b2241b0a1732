import WhatsAppArchiver

extension DeliveryResult {
    /// The status of a delivery to one mailbox; `nil` when the result holds another number of outcomes.
    var status: MailboxOutcome.Status? { outcomes.count == 1 ? outcomes[0].status : nil }

    /// The bytes stored by a delivery to one mailbox; `nil` when the result holds another number of outcomes.
    var byteCount: Int64? { outcomes.count == 1 ? outcomes[0].byteCount : nil }

    /// The statuses, in mailbox order.
    var statuses: [MailboxOutcome.Status] { outcomes.map(\.status) }
}
