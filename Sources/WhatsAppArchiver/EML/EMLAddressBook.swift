/// The addresses and labels of an item's participants for one conversion.
///
/// A participant's address is the mailbox they map to, else their `email` property when it is a valid address,
/// else a placeholder under the configured reserved domain built from the phone number alone. Untrusted text never
/// reaches an address: names go to the display phrase only.
struct EMLAddressBook {
    /// Each phone's mapped mailbox, as ``MappingResult/mailbox(for:)`` gives it (the first participant with that
    /// phone decides), looked up in constant time: the linear lookup per participant made an item with 10,000
    /// participants take seconds per copy (quadratic), a denial of service from one hostile item.
    private let mailboxesByPhone: [String: MailboxAddress?]
    private let placeholderDomain: String
    private let maximumHeaderNameLength: Int

    /// Creates the book for one conversion.
    init(mapping: MappingResult, configuration: EMLConverter.Configuration) {
        var mailboxesByPhone: [String: MailboxAddress?] = [:]
        mailboxesByPhone.reserveCapacity(mapping.participants.count)
        for participant in mapping.participants where mailboxesByPhone.index(forKey: participant.party.phone) == nil {
            mailboxesByPhone[participant.party.phone] = .some(participant.mailbox)
        }
        self.mailboxesByPhone = mailboxesByPhone
        self.placeholderDomain = configuration.placeholderDomain
        self.maximumHeaderNameLength = configuration.maximumHeaderNameLength
    }

    /// The participant's address and whether it is a real one (a mailbox or an email property).
    ///
    /// An address holding `=?` is valid RFC 5322 but some readers decode it as an RFC 2047 encoded-word, which
    /// RFC 2047 forbids in an address; such an address is passed over for the next choice.
    func address(for party: Party) -> (address: String, isReal: Bool) {
        if let mailbox = mailboxesByPhone[party.phone] ?? nil, usable(mailbox) { return (mailbox.rawValue, true) }
        if let email = party.email, let mailbox = MailboxAddress(email), usable(mailbox) {
            return (mailbox.rawValue, true)
        }
        if Party.isValidPhone(party.phone) { return (party.phoneDigits + "@" + placeholderDomain, false) }
        let digest = SHA256.hex(Array(SHA256.hash(party.phone.utf8).prefix(8)))
        return ("unknown." + digest + "@" + placeholderDomain, false)
    }

    private func usable(_ mailbox: MailboxAddress) -> Bool {
        !MIMEHeaderEncoder.hasEncodedWordMarker(Substring(mailbox.rawValue))
    }

    /// The phone number as shown to readers: E.164 when valid, the cleaned text otherwise.
    func phone(of party: Party) -> String {
        Party.isValidPhone(party.phone) ? party.phone : UntrustedText.singleLine(party.phone, maximumCharacters: 32)
    }

    /// `Name +46701234567` for a header's display phrase, the name cut to the configured length.
    func displayName(for party: Party) -> String {
        let name = UntrustedText.singleLine(party.name ?? "", maximumCharacters: maximumHeaderNameLength)
        return name.isEmpty ? phone(of: party) : name + " " + phone(of: party)
    }

    /// `Name +46701234567 <alice@contoso.com>` for the body: the whole name, and the address when it is real.
    func label(for party: Party) -> String {
        let name = UntrustedText.singleLine(party.name ?? "")
        var label = name.isEmpty ? phone(of: party) : name + " " + phone(of: party)
        let (address, isReal) = address(for: party)
        if isReal {
            // Appended piece by piece: no temporary string for " <address>".
            label.append(" <")
            label.append(address)
            label.append(">")
        }
        return label
    }

    /// The participant's display phrase and address for a header, as ``mailboxTokens(for:)`` uses them.
    func headerMailbox(for party: Party) -> (displayName: String, address: String) {
        (displayName(for: party), address(for: party).address)
    }

    /// The header tokens of the participant's mailbox: `"Name +46701234567" <address>`.
    func mailboxTokens(for party: Party) -> [MIMEHeaderEncoder.Token] {
        MIMEHeaderEncoder.mailboxTokens(displayName: displayName(for: party), address: address(for: party).address)
    }
}
