import WhatsAppArchiver

extension ArchiverError.Code {
    /// A chat export cannot be read as a whole: not an export, a damaged or hostile archive, dates whose order
    /// cannot be told. Run-scoped: nothing of the export is archived.
    public static let chatExportInvalid = ArchiverError.Code("chat_export_invalid")
}

/// The people of a chat export: the participants file (`Name,Phone,Email`), resolving the display names the
/// export shows (as saved on the owner's phone) to parties, and authors shown as phone numbers parsed as numbers.
public struct ChatParticipants: Sendable {
    private var byName: [String: Party] = [:]
    private var byPhone: [PhoneNumber: Party] = [:]

    /// No participants: every author resolves to a named party, or to a number when shown as one.
    public init() {}

    /// Reads a participants file: CSV with a header row naming `Name`, `Phone` and `Email` (any order, any case;
    /// `Email` may be absent), RFC 4180, UTF-8 with or without a byte-order mark.
    ///
    /// - Throws: `mapping_file_invalid` naming the line of every problem.
    public init(csv bytes: some Sequence<UInt8>, name: String = "participants file") throws {
        let (records, problems) = CSVReader.records(in: bytes)
        var messages = problems.map { "line \($0.line): \($0.message)" }
        guard let header = records.first else {
            throw ArchiverError(.mappingFileInvalid, "\(name) is empty: it needs a header row Name,Phone,Email.")
        }
        let columns = header.fields.map { $0.trimming([" "]).lowercased() }
        guard let nameColumn = columns.firstIndex(of: "name"), let phoneColumn = columns.firstIndex(of: "phone")
        else {
            throw ArchiverError(
                .mappingFileInvalid,
                "\(name) line \(header.line): the header row must name the columns Name, Phone and Email."
            )
        }
        let emailColumn = columns.firstIndex(of: "email")
        for record in records.dropFirst() {
            func field(_ index: Int?) -> String? {
                guard let index, index < record.fields.count else { return nil }
                let value = record.fields[index].trimming([" "])
                return value.isEmpty ? nil : value
            }
            let displayName = field(nameColumn).map(ChatText.normalizedName)
            let phoneText = field(phoneColumn)
            let number = phoneText.flatMap(PhoneNumber.init)
            if let phoneText, number == nil {
                messages.append(
                    "line \(record.line): the phone \(phoneText) is not a number: "
                        + (PhoneNumber.problem(with: phoneText) ?? "")
                )
                continue
            }
            guard displayName != nil || number != nil else {
                messages.append("line \(record.line): a row needs a Name or a Phone")
                continue
            }
            let party = Party(phone: number?.description ?? "", name: displayName, email: field(emailColumn))
            if let displayName {
                guard byName[displayName] == nil else {
                    messages.append("line \(record.line): the name \(displayName) is given twice")
                    continue
                }
                byName[displayName] = party
            }
            if let number, byPhone[number] == nil { byPhone[number] = party }
        }
        if !messages.isEmpty {
            throw ArchiverError(
                .mappingFileInvalid,
                "\(name) has errors: " + messages.prefix(20).joined(separator: "; ")
            )
        }
    }

    /// Reads the participants file at `path`.
    public init(contentsOf path: String) throws {
        let bytes: [UInt8]?
        do {
            bytes = try POSIXFiles.readFile(path)
        } catch {
            throw ArchiverError(.mappingFileInvalid, "Cannot read the participants file \(path): \(error)")
        }
        guard let bytes else {
            throw ArchiverError(.mappingFileInvalid, "The participants file \(path) does not exist.")
        }
        try self.init(csv: bytes, name: path)
    }

    /// The party an author of the export is: the participants file's row for that display name (or number),
    /// else the number when the author is shown as one, else a party with the name alone and no phone.
    public func party(forAuthor author: String) -> Party {
        let name = ChatText.normalizedName(author)
        if let party = byName[name] { return party }
        if name.hasPrefix("+"), let number = PhoneNumber(name) {
            if let party = byPhone[number] { return party }
            return Party(phone: number.description, name: nil)
        }
        return Party(phone: "", name: name)
    }

    /// The party of the exporting owner, given by phone number: the participants file's row for it, if any.
    public func party(forOwner phone: PhoneNumber) -> Party {
        byPhone[phone] ?? Party(phone: phone.description)
    }
}
