extension UserDirectory {
    /// A directory of the addresses listed in the file at `path`, plus every address at `domains`.
    ///
    /// The file is UTF-8 (a byte-order mark is allowed) with one address a line, `local@domain` only; blank lines
    /// and lines starting with `#` are ignored, and so are spaces around an address and CRLF line ends.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` (scope ``ArchiverError/Scope/run``) when the file
    ///   cannot be read or holds a line that is not an address; the message lists every such line as
    ///   `<path> line N: <problem>`.
    public init(listAt path: String, domains: some Sequence<String> = [String]()) throws {
        var bytes: [UInt8] = []
        try ConfigurationFile.forEachChunk(path: path, role: "user list", code: .invalidConfiguration) { chunk in
            bytes.append(contentsOf: chunk)
        }
        try self.init(listBytes: bytes, name: path, domains: domains)
    }

    /// A directory of the addresses listed in `listBytes`, read as ``init(listAt:domains:)`` reads a file;
    /// `name` stands for the file in messages.
    public init(
        listBytes: some Sequence<UInt8>,
        name: String = "user list",
        domains: some Sequence<String> = [String]()
    ) throws {
        var bytes = Array(listBytes)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        var addresses: [MailboxAddress] = []
        var problems: [CSVReader.Problem] = []
        for (index, rawLine) in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .enumerated()
        {
            let line = index + 1
            guard let text = String(validating: rawLine, as: UTF8.self) else {
                problems.append(CSVReader.Problem(line: line, message: "the line is not valid UTF-8 text"))
                continue
            }
            let entry = text.trimmingBlanks
            if entry.isEmpty || entry.hasPrefix("#") { continue }
            if let address = MailboxAddress(String(entry)) {
                addresses.append(address)
            } else {
                let reason = MailboxAddress.problem(with: String(entry)) ?? "it is not an address"
                problems.append(
                    CSVReader.Problem(line: line, message: "\"\(entry)\" is not a valid address: \(reason)")
                )
            }
        }
        guard problems.isEmpty else {
            throw ConfigurationFile.error(.invalidConfiguration, file: name, role: "user list", problems: problems)
        }
        try self.init(addresses: addresses, domains: domains)
    }
}

extension String {
    /// The text without the spaces, tabs and CR around it (a CRLF file's lines end in CR once split at LF).
    fileprivate var trimmingBlanks: Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }) else { return "" }
        return self[first...lastIndex(where: { !isBlank($0) })!]
    }
}
