/// Which addresses are valid mailboxes of the organisation.
///
/// A mapped address counts only if the directory contains it, so that a typo in the mapping file or a
/// participant's stale email property does not create a mailbox nobody reads. A directory is a list of
/// addresses, one or more domains (every address at the domain itself, not at its subdomains), both (an address
/// counts when either says so), or ``anyWellFormedAddress``.
public struct UserDirectory: Sendable {
    /// The addresses listed one by one.
    public let addresses: Set<MailboxAddress>
    /// The domains, in lower case, at which every address is valid.
    public let domains: Set<String>
    /// Whether every well-formed address counts, whatever the lists say.
    public let acceptsAnyAddress: Bool
    /// ``domains`` as substrings, so that looking up an address's domain allocates nothing.
    private let domainKeys: Set<Substring>

    /// Every well-formed address is a valid mailbox: for when no list of users is at hand.
    public static let anyWellFormedAddress = UserDirectory(addresses: [], domains: [], acceptsAnyAddress: true)

    /// A directory of the listed addresses and every address at the listed domains.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` naming each domain that is not a domain name.
    public init(addresses: some Sequence<MailboxAddress> = [], domains: some Sequence<String> = [String]()) throws {
        var normalizedDomains: Set<String> = []
        var problems: [String] = []
        for domain in domains {
            if let normalized = MailboxAddress("postmaster@" + domain) {
                normalizedDomains.insert(String(normalized.domain))
            } else {
                problems.append("\"\(domain)\" is not a domain name (example: contoso.com)")
            }
        }
        guard problems.isEmpty else {
            throw ArchiverError(.invalidConfiguration, "Invalid user directory: " + problems.joined(separator: "; "))
        }
        self.init(addresses: Set(addresses), domains: normalizedDomains, acceptsAnyAddress: false)
    }

    private init(addresses: Set<MailboxAddress>, domains: Set<String>, acceptsAnyAddress: Bool) {
        self.addresses = addresses
        self.domains = domains
        self.acceptsAnyAddress = acceptsAnyAddress
        self.domainKeys = Set(domains.map { Substring($0) })
    }

    /// Whether `address` is a valid mailbox of the organisation.
    public func contains(_ address: MailboxAddress) -> Bool {
        if acceptsAnyAddress || addresses.contains(address) { return true }
        guard !domainKeys.isEmpty else { return false }
        // The domain found through the UTF-8 view: `MailboxAddress.domain` searches by Character, which costs more
        // than the rest of a participant's mapping. A valid address always has one `@`.
        let text = address.rawValue
        guard let at = text.utf8.lastIndex(of: UInt8(ascii: "@")) else { return false }
        return domainKeys.contains(text[text.utf8.index(after: at)...])
    }

    /// A short description for logs and run summaries: `any well-formed address`, `2 addresses and contoso.com`.
    public var summary: String {
        if acceptsAnyAddress { return "any well-formed address" }
        var parts: [String] = []
        if !addresses.isEmpty { parts.append(addresses.count == 1 ? "1 address" : "\(addresses.count) addresses") }
        if !domains.isEmpty { parts.append(domains.sorted().joined(separator: ", ")) }
        return parts.isEmpty ? "no address" : parts.joined(separator: " and ")
    }
}
