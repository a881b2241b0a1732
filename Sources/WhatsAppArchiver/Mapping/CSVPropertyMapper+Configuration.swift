extension CSVPropertyMapper {
    /// How a ``CSVPropertyMapper`` maps.
    public struct Configuration: Sendable {
        /// The custom mapping file, already loaded (``MappingFile/init(contentsOf:)``), so that a broken file
        /// stops the program before a run starts; `nil` for none.
        public var mappingFile: MappingFile?
        /// Whether a participant the mapping file does not map falls back to their `email` property.
        public var automaticMapping: Bool
        /// Which addresses are valid mailboxes; an address outside it does not count.
        public var directory: UserDirectory
        /// Where every item that reaches no mailbox is kept, marked with why, so that an administrator can fix
        /// the mapping and nothing is lost; `nil` (the default) to keep such items nowhere. Either way the run
        /// report counts them as unmapped.
        public var quarantine: MailboxAddress?

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - mappingFile: The custom mapping file, or `nil`.
        ///   - automaticMapping: Whether to fall back to the `email` property; on by default, as in Microsoft 365.
        ///   - directory: Which addresses are valid mailboxes; by default any well-formed address.
        ///   - quarantine: The mailbox for unmapped items; off by default.
        public init(
            mappingFile: MappingFile? = nil,
            automaticMapping: Bool = true,
            directory: UserDirectory = .anyWellFormedAddress,
            quarantine: MailboxAddress? = nil
        ) {
            self.mappingFile = mappingFile
            self.automaticMapping = automaticMapping
            self.directory = directory
            self.quarantine = quarantine
        }
    }
}
