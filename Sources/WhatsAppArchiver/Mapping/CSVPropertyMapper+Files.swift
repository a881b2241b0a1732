extension CSVPropertyMapper {
    /// Creates a mapper from the files and options an administrator gives (`archive-daily`'s `--mapping`,
    /// `--no-auto-mapping`, `--users` and `--domain`), reading and checking every file before returning, so that a
    /// broken file stops the program before anything is imported.
    ///
    /// Without a user list and without domains, every well-formed address is taken as valid
    /// (``UserDirectory/anyWellFormedAddress``); ``UserDirectory/summary`` of the result's directory says which
    /// rule applies, for the run's log.
    ///
    /// - Parameters:
    ///   - mappingFilePath: The custom mapping CSV, or `nil` for none.
    ///   - automaticMapping: Whether to fall back to the participants' `email` property.
    ///   - userListPath: The list of valid mailboxes, one address a line, or `nil`.
    ///   - domains: Domains at which every address is a valid mailbox.
    ///   - quarantine: The mailbox that keeps items no participant maps to, or `nil`.
    /// - Throws: ``ArchiverError/Code/mappingFileInvalid`` for the mapping file,
    ///   ``ArchiverError/Code/invalidConfiguration`` for the user list, the domains, or a configuration that can map
    ///   nothing; all of scope ``ArchiverError/Scope/run``.
    public init(
        mappingFilePath: String?,
        automaticMapping: Bool = true,
        userListPath: String? = nil,
        domains: [String] = [],
        quarantine: MailboxAddress? = nil
    ) throws {
        let directory: UserDirectory
        if let userListPath {
            directory = try UserDirectory(listAt: userListPath, domains: domains)
        } else if !domains.isEmpty {
            directory = try UserDirectory(domains: domains)
        } else {
            directory = .anyWellFormedAddress
        }
        try self.init(
            configuration: Configuration(
                mappingFile: try mappingFilePath.map { try MappingFile(contentsOf: $0) },
                automaticMapping: automaticMapping,
                directory: directory,
                quarantine: quarantine
            )
        )
    }
}
