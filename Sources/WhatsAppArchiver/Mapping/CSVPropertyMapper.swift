/// The built-in ``UserMapper``: TeleMessage's custom mapping file first, then the participants' email property.
///
/// For each participant of an item (the sender, then every recipient):
///
/// 1. the mapping file, by phone number;
/// 2. when automatic mapping is on and step 1 gave no mailbox, the participant's `email` property.
///
/// An address counts only if the ``UserDirectory`` contains it. The item goes to every distinct mailbox found, in
/// the order the participants were considered. A participant who maps to nothing is listed with the first reason
/// met: ``UnmappedReason/invalidPhone``, ``UnmappedReason/outsideDirectory`` (the file's mailbox, or else the
/// property's, is not in the directory), ``UnmappedReason/malformedProperty``, or else
/// ``UnmappedReason/noEntry``. An item that reaches no mailbox is unmapped; with a quarantine mailbox configured,
/// ``MappingResult/quarantine`` names it so that the item is kept there, still counted as unmapped.
///
/// All the checking happens when the mapper is made: the mapping file's entries are resolved against the
/// directory once, so that mapping an item costs one integer-keyed dictionary lookup per participant.
public struct CSVPropertyMapper: UserMapper {
    /// What the mapping file said about a number, with the directory already consulted.
    private enum Resolution: Sendable {
        case mailbox(MailboxAddress)
        case outsideDirectory
    }

    /// The configuration the mapper was made with.
    public let configuration: Configuration
    private let table: [PhoneNumber: Resolution]
    // Copies of the configuration's fields that `map` reads, so that the hot path does not retain the whole
    // configuration (and the mapping file in it) for every participant.
    private let automaticMapping: Bool
    private let directory: UserDirectory
    private let quarantine: MailboxAddress?

    /// Creates a mapper.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` when the configuration cannot map anything: no
    ///   mapping file and automatic mapping off.
    public init(configuration: Configuration) throws {
        guard configuration.mappingFile != nil || configuration.automaticMapping else {
            throw ArchiverError(
                .invalidConfiguration,
                "The user mapper has no mapping file and automatic mapping is off, so no item could reach a "
                    + "mailbox. Give a mapping file, or turn automatic mapping on.",
                scope: .run
            )
        }
        self.configuration = configuration
        let directory = configuration.directory
        self.automaticMapping = configuration.automaticMapping
        self.directory = directory
        self.quarantine = configuration.quarantine
        self.table = (configuration.mappingFile?.entries ?? [:]).mapValues { entry in
            directory.contains(entry.mailbox) ? .mailbox(entry.mailbox) : .outsideDirectory
        }
    }

    /// Maps the sender and every recipient of the item.
    public func map(_ request: MappingRequest) async throws -> MappingResult {
        mapping(for: request.item)
    }

    /// The synchronous form of ``map(_:)``.
    public func mapping(for item: Item) -> MappingResult {
        var participants: [ParticipantMapping] = []
        participants.reserveCapacity(item.to.count + 1)
        var mailboxes: [MailboxAddress] = []
        // Groups can have a thousand members; past a handful, a set keeps the duplicate check linear.
        var seen: Set<MailboxAddress>? = item.to.count >= 16 ? [] : nil

        func consider(_ party: Party) {
            let participant = mapping(for: party)
            participants.append(participant)
            guard let mailbox = participant.mailbox else { return }
            if seen != nil {
                if seen!.insert(mailbox).inserted { mailboxes.append(mailbox) }
            } else if !mailboxes.contains(mailbox) {
                mailboxes.append(mailbox)
            }
        }

        consider(item.from)
        for party in item.to { consider(party) }
        return MappingResult(
            mailboxes: mailboxes,
            participants: participants,
            quarantine: mailboxes.isEmpty ? quarantine : nil
        )
    }

    /// How one participant maps.
    public func mapping(for party: Party) -> ParticipantMapping {
        var reason: UnmappedReason?
        if let number = PhoneNumber(party.phone) {
            switch table[number] {
            case .mailbox(let mailbox):
                return ParticipantMapping(party: party, mailbox: mailbox)
            case .outsideDirectory:
                reason = .outsideDirectory
            case nil:
                break
            }
        } else {
            reason = .invalidPhone
        }
        if automaticMapping, let email = party.email, !email.isEmpty {
            if let address = MailboxAddress(email) {
                if directory.contains(address) {
                    return ParticipantMapping(party: party, mailbox: address)
                }
                reason = reason ?? .outsideDirectory
            } else {
                reason = reason ?? .malformedProperty
            }
        }
        return ParticipantMapping(party: party, mailbox: nil, unmappedReason: reason ?? .noEntry)
    }
}
