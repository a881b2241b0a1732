/// Decides which mailboxes an item goes to.
///
/// For one item, a mapper returns every distinct mailbox it reaches and, for each participant, the mailbox the
/// participant maps to or why they map to none. An item that reaches no mailbox is counted as unmapped by the
/// `Connector`; it is never silently dropped.
public protocol UserMapper: Sendable {
    /// Maps one item's participants to mailboxes.
    ///
    /// Throws only for problems that are not about this item (for example, a directory service that is down);
    /// such an error stops the run.
    func map(_ request: MappingRequest) async throws -> MappingResult
}

/// What the `Connector` asks a ``UserMapper``.
public struct MappingRequest: Sendable {
    /// The item whose participants are to be mapped.
    public var item: Item

    /// Creates a request.
    public init(item: Item) {
        self.item = item
    }
}

/// The mailboxes an item goes to, and how each participant mapped.
public struct MappingResult: Sendable {
    /// Every distinct mailbox the item goes to, in the order the participants were considered.
    public var mailboxes: [MailboxAddress]
    /// One entry per participant (sender first, then every recipient).
    public var participants: [ParticipantMapping]
    /// Where an item that reaches no mailbox is delivered instead, if the mapper keeps a quarantine mailbox.
    ///
    /// The item still counts as unmapped in the run report; the quarantine copy lets an administrator fix the
    /// mapping without losing anything.
    public var quarantine: MailboxAddress?

    /// Creates a result.
    public init(
        mailboxes: [MailboxAddress],
        participants: [ParticipantMapping],
        quarantine: MailboxAddress? = nil
    ) {
        self.mailboxes = mailboxes
        self.participants = participants
        self.quarantine = quarantine
    }

    /// The mailbox `party` maps to, if any.
    public func mailbox(for party: Party) -> MailboxAddress? {
        participants.first { $0.party.phone == party.phone }?.mailbox
    }

    /// A one-line summary of why participants did not map, for reports: `+4915112345678: no_entry; ...`.
    public var unmappedSummary: String {
        participants.compactMap { participant in
            participant.unmappedReason.map { "\(participant.party.phone): \($0.rawValue)" }
        }.joined(separator: "; ")
    }
}

/// How one participant mapped.
public struct ParticipantMapping: Sendable {
    /// The participant.
    public var party: Party
    /// The mailbox the participant maps to; `nil` when none.
    public var mailbox: MailboxAddress?
    /// Why the participant maps to no mailbox; `nil` when they map.
    public var unmappedReason: UnmappedReason?

    /// Creates a participant mapping.
    public init(party: Party, mailbox: MailboxAddress?, unmappedReason: UnmappedReason? = nil) {
        self.party = party
        self.mailbox = mailbox
        self.unmappedReason = mailbox == nil ? (unmappedReason ?? .noEntry) : nil
    }
}

/// Why a participant maps to no mailbox. A short stable code; new codes may be added.
public struct UnmappedReason: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The stable `snake_case` code.
    public var rawValue: String
    /// Creates a reason.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The code.
    public var description: String { rawValue }

    /// The mapping file has no entry for the phone number and automatic mapping found nothing.
    public static let noEntry = UnmappedReason(rawValue: "no_entry")
    /// An address was found, but it is not a valid mailbox of the organisation.
    public static let outsideDirectory = UnmappedReason(rawValue: "outside_directory")
    /// The participant's email property is not a well-formed address.
    public static let malformedProperty = UnmappedReason(rawValue: "malformed_property")
    /// The phone number is not valid E.164.
    public static let invalidPhone = UnmappedReason(rawValue: "invalid_phone")
}
