/// TeleMessage's custom user-mapping file: which mailbox each registered phone number's items go to.
///
/// The file is CSV (RFC 4180, UTF-8, an optional byte-order mark, CRLF or LF) with a header row that names the
/// columns `External User ID` and `Microsoft 365 User Mailbox`, in any order, in any case, with any spacing;
/// other columns are ignored:
///
/// ```
/// External User ID,Microsoft 365 User Mailbox
/// 445204334324,susan@company.com
/// ```
///
/// Numbers are read as ``PhoneNumber`` (`+44 5204 334324` is the same number), addresses as ``MailboxAddress``
/// (compared without regard to case). The same number may appear twice with the same mailbox; with two different
/// mailboxes it is an error. Loading checks the whole file and reports every problem with its line, so that an
/// administrator fixes them in one pass; a file with any problem is refused as a whole, so that a run never starts
/// with half a mapping.
public struct MappingFile: Sendable {
    /// One mapping: the mailbox a number's items go to, and the line that says so.
    public struct Entry: Sendable, Hashable {
        /// The mailbox.
        public var mailbox: MailboxAddress
        /// The 1-based line of the file that maps the number (the first, if several lines map it).
        public var line: Int

        /// Creates an entry.
        public init(mailbox: MailboxAddress, line: Int) {
            self.mailbox = mailbox
            self.line = line
        }
    }

    /// The name of the column that holds the phone number, as TeleMessage documents it.
    public static let phoneColumn = "External User ID"
    /// The name of the column that holds the mailbox address, as TeleMessage documents it.
    public static let mailboxColumn = "Microsoft 365 User Mailbox"

    /// Every mapped number and its entry.
    public let entries: [PhoneNumber: Entry]

    /// Creates a mapping from entries built in code.
    public init(entries: [PhoneNumber: Entry]) {
        self.entries = entries
    }

    /// Reads and checks the mapping file at `path`.
    ///
    /// The file is read in chunks, so its size is bounded only by the memory the mapping itself takes.
    ///
    /// - Throws: ``ArchiverError/Code/mappingFileInvalid`` (scope ``ArchiverError/Scope/run``) when the file cannot
    ///   be read or has any problem; the message lists every problem as `<path> line N: <problem>`.
    public init(contentsOf path: String) throws {
        var loader = MappingFileLoader(name: path)
        try ConfigurationFile.forEachChunk(path: path, role: "mapping file", code: .mappingFileInvalid) { chunk in
            loader.read(chunk)
        }
        self.init(entries: try loader.finish())
    }

    /// Reads and checks a mapping file held in memory; `name` stands for the file in messages.
    ///
    /// - Throws: ``ArchiverError/Code/mappingFileInvalid`` as ``init(contentsOf:)`` does.
    public init(bytes: some Sequence<UInt8>, name: String = "mapping file") throws {
        var loader = MappingFileLoader(name: name)
        loader.read(bytes)
        self.init(entries: try loader.finish())
    }

    /// How many distinct numbers the file maps.
    public var count: Int { entries.count }

    /// The mailbox `number` maps to, if the file maps it.
    public func mailbox(for number: PhoneNumber) -> MailboxAddress? {
        entries[number]?.mailbox
    }
}
