import WhatsAppArchiver

/// A ``UserMapper`` with a fixed phone-to-mailbox table and, optionally, the participants' email property.
///
/// A stand-in for the CSV-plus-property mapper in tests, with the same mapping order: the table first (by phone
/// number, with or without `+`), then the `email` property when `useEmailProperty` is on.
public struct StaticMapper: UserMapper {
    private let table: [String: MailboxAddress]
    private let useEmailProperty: Bool
    private let quarantine: MailboxAddress?

    /// Creates a mapper.
    ///
    /// - Parameters:
    ///   - table: Phone numbers (digits, with or without `+`) to mailboxes.
    ///   - useEmailProperty: Whether to fall back to a participant's `email` property.
    ///   - quarantine: Where items that reach no mailbox go, if anywhere.
    public init(
        _ table: [String: MailboxAddress] = [:],
        useEmailProperty: Bool = true,
        quarantine: MailboxAddress? = nil
    ) {
        self.table = Dictionary(
            table.map { ($0.key.hasPrefix("+") ? String($0.key.dropFirst()) : $0.key, $0.value) },
            uniquingKeysWith: { first, _ in first }
        )
        self.useEmailProperty = useEmailProperty
        self.quarantine = quarantine
    }

    /// Maps the sender and every recipient.
    public func map(_ request: MappingRequest) async throws -> MappingResult {
        var mailboxes: [MailboxAddress] = []
        var participants: [ParticipantMapping] = []
        for party in request.item.participants {
            var mailbox = table[party.phoneDigits]
            var reason = UnmappedReason.noEntry
            if mailbox == nil, useEmailProperty, let email = party.email {
                mailbox = MailboxAddress(email)
                if mailbox == nil { reason = .malformedProperty }
            }
            participants.append(ParticipantMapping(party: party, mailbox: mailbox, unmappedReason: reason))
            if let mailbox, !mailboxes.contains(mailbox) { mailboxes.append(mailbox) }
        }
        return MappingResult(
            mailboxes: mailboxes,
            participants: participants,
            quarantine: mailboxes.isEmpty ? quarantine : nil
        )
    }
}
