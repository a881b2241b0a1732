/// Turns the records of a mapping file into entries, collecting every problem with its line.
///
/// Separate from ``MappingFile`` so that the file's value type holds nothing but the result.
struct MappingFileLoader {
    /// The columns the header row names, by position.
    private struct Columns {
        var phone: Int
        var mailbox: Int
        var needed: Int { max(phone, mailbox) + 1 }
    }

    private let name: String
    private var reader = CSVReader()
    private var columns: Columns?
    /// Whether the header row has been read (successfully or not).
    private var headerRead = false
    /// The line of the record taken as the header row.
    private var headerLine = 0
    private var entries: [PhoneNumber: MappingFile.Entry] = [:]
    private var problems: [CSVReader.Problem] = []

    init(name: String) {
        self.name = name
    }

    mutating func read(_ chunk: some Sequence<UInt8>) {
        // The reader is moved out while it calls back into `self`, as exclusive access requires; the empty reader
        // left behind keeps the moved one's buffers uniquely referenced, so they are not copied.
        var reader = self.reader
        self.reader = CSVReader()
        reader.read(chunk) { record in self.accept(record) }
        self.reader = reader
    }

    mutating func finish() throws -> [PhoneNumber: MappingFile.Entry] {
        var reader = self.reader
        self.reader = CSVReader()
        reader.finish { record in self.accept(record) }
        self.reader = reader
        if !headerRead && reader.problems.isEmpty {
            problems.append(
                CSVReader.Problem(
                    line: 1,
                    message: "the file is empty; it needs the header row "
                        + "\(MappingFile.phoneColumn),\(MappingFile.mailboxColumn)"
                )
            )
        }
        // A broken record before the header means the real header was never seen, so whatever was taken for it and
        // every row checked against it would only produce misleading problems.
        if let first = reader.problems.first, headerRead, first.line < headerLine {
            problems = []
        }
        // Both lists are in line order; a stable sort keeps a line's problems in the order they were found.
        let all = (reader.problems + problems).enumerated().sorted {
            ($0.element.line, $0.offset) < ($1.element.line, $1.offset)
        }.map(\.element)
        guard all.isEmpty else {
            throw ConfigurationFile.error(.mappingFileInvalid, file: name, role: "mapping file", problems: all)
        }
        return entries
    }

    // MARK: - Records

    private mutating func accept(_ record: CSVReader.Record) {
        // Spreadsheets export rows of empty cells (`,,`) below the data; they say nothing.
        if record.fields.allSatisfy({ Self.trimmed($0).isEmpty }) { return }
        guard headerRead else {
            readHeader(record)
            return
        }
        if let columns { readEntry(record, columns) }
    }

    private mutating func readHeader(_ record: CSVReader.Record) {
        headerRead = true
        headerLine = record.line
        let names = record.fields.map(Self.columnKey)
        let phoneKey = Self.columnKey(MappingFile.phoneColumn)
        let mailboxKey = Self.columnKey(MappingFile.mailboxColumn)
        let phoneIndexes = names.indices.filter { names[$0] == phoneKey }
        let mailboxIndexes = names.indices.filter { names[$0] == mailboxKey }

        for (column, indexes) in [(MappingFile.phoneColumn, phoneIndexes), (MappingFile.mailboxColumn, mailboxIndexes)]
        where indexes.count > 1 {
            let positions = indexes.map { String($0 + 1) }.joined(separator: " and ")
            problem(record.line, "the header names the column \"\(column)\" twice (fields \(positions)); keep one")
        }
        if let phone = phoneIndexes.first, let mailbox = mailboxIndexes.first {
            columns = Columns(phone: phone, mailbox: mailbox)
            return
        }
        let expected = "\(MappingFile.phoneColumn),\(MappingFile.mailboxColumn)"
        if let first = record.fields.first, PhoneNumber(String(Self.trimmed(first))) != nil {
            // A file without a header: report that, then check the rows as if the header were there, so that the
            // administrator learns every problem at once.
            problem(record.line, "the header row is missing; the first row must be \(expected)")
            columns = Columns(phone: 0, mailbox: 1)
            readEntry(record, columns!)
            return
        }
        var missing: [String] = []
        if phoneIndexes.isEmpty { missing.append("\"\(MappingFile.phoneColumn)\"") }
        if mailboxIndexes.isEmpty { missing.append("\"\(MappingFile.mailboxColumn)\"") }
        problem(
            record.line,
            "the header row does not name the column \(missing.joined(separator: " and ")); "
                + "the header must be \(expected) (other columns may follow)"
        )
    }

    private mutating func readEntry(_ record: CSVReader.Record, _ columns: Columns) {
        guard record.fields.count >= columns.needed else {
            problem(
                record.line,
                "the row has \(record.fields.count) field\(record.fields.count == 1 ? "" : "s"); it needs "
                    + "\(MappingFile.phoneColumn) in field \(columns.phone + 1) and "
                    + "\(MappingFile.mailboxColumn) in field \(columns.mailbox + 1)"
            )
            return
        }
        let phoneText = Self.trimmed(record.fields[columns.phone])
        let mailboxText = Self.trimmed(record.fields[columns.mailbox])

        var number: PhoneNumber?
        if phoneText.isEmpty {
            problem(record.line, "the \(MappingFile.phoneColumn) is empty")
        } else if let parsed = PhoneNumber(String(phoneText)) {
            number = parsed
        } else {
            let reason = PhoneNumber.problem(with: String(phoneText)) ?? "it is not a phone number"
            problem(record.line, "the \(MappingFile.phoneColumn) \"\(phoneText)\" is not a phone number: \(reason)")
        }

        var mailbox: MailboxAddress?
        if mailboxText.isEmpty {
            problem(record.line, "the \(MappingFile.mailboxColumn) is empty")
        } else if let parsed = MailboxAddress(String(mailboxText)) {
            mailbox = parsed
        } else {
            var reason = MailboxAddress.problem(with: String(mailboxText)) ?? "it is not an address"
            if mailboxText.contains("<") {
                reason = "a display name or angle brackets are not allowed; write only local@domain"
            }
            problem(record.line, "the mailbox \"\(mailboxText)\" is not a valid address: \(reason)")
        }

        guard let number, let mailbox else { return }
        if let existing = entries[number] {
            if existing.mailbox != mailbox {
                problem(
                    record.line,
                    "the number \(number.digits) is mapped to \(mailbox) here and to \(existing.mailbox) on line "
                        + "\(existing.line); a number can go to one mailbox only"
                )
            }
            return
        }
        entries[number] = MappingFile.Entry(mailbox: mailbox, line: record.line)
    }

    // MARK: - Helpers

    private mutating func problem(_ line: Int, _ message: String) {
        problems.append(CSVReader.Problem(line: line, message: message))
    }

    /// A column name reduced to what matters: lower case, without spaces or tabs.
    private static func columnKey(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0 != " " && $0 != "\t" && $0 != "\u{A0}" }).lowercased()
    }

    /// The field without the spaces and tabs a spreadsheet may leave around a value.
    private static func trimmed(_ field: String) -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = field.firstIndex(where: { !isBlank($0) }) else { return "" }
        let last = field.lastIndex(where: { !isBlank($0) })!
        return field[first...last]
    }
}
