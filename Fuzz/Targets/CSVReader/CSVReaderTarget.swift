@testable import WhatsAppArchiver

/// The CSV reader and the mapping file built on it. The first byte picks the chunk size, the second the limits;
/// the rest is the file. Invariants:
///
/// - reading in chunks gives exactly what reading in one piece gives (records, lines and problems);
/// - no record has more fields, or a longer field, than the limits allow; records and problems come in line order;
/// - records written back as RFC 4180 (every field quoted, CRLF) read back to the same fields, with no problem;
/// - the mapping file either loads or fails with `mappingFileInvalid`, and the user list with
///   `invalidConfiguration`, never with anything else;
/// - every field accepted as a mailbox address is safe as a directory name (it becomes one in the Maildir sink):
///   lower-case printable ASCII, one `@`, no `/`, `\\`, `..` or leading dot, and accepted again as itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: count)))
    let chunkSize = 1 + input.below(64)
    let configuration =
        input.bool()
        ? CSVReader.Configuration(maximumFieldBytes: 1 + input.below(16), maximumFieldCount: 1 + input.below(8))
        : CSVReader.Configuration()
    let bytes = input.rest()

    let whole = CSVReader.records(in: bytes, configuration: configuration)
    var reader = CSVReader(configuration: configuration)
    var chunked: [CSVReader.Record] = []
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + chunkSize)
        reader.read(bytes[start..<end]) { chunked.append($0) }
        start = end
    }
    reader.finish { chunked.append($0) }
    require(chunked == whole.records, "chunks of \(chunkSize) give other records than one piece")
    require(reader.problems == whole.problems, "chunks of \(chunkSize) give other problems than one piece")

    var lineBreaks = 0
    for index in bytes.indices where bytes[index] == 0x0A || bytes[index] == 0x0D {
        if bytes[index] == 0x0A && index > 0 && bytes[index - 1] == 0x0D { continue }
        lineBreaks += 1
    }
    var previousLine = 0
    for record in whole.records {
        require(record.line > previousLine, "record on line \(record.line) after one on line \(previousLine)")
        require(record.line <= lineBreaks + 1, "record on line \(record.line) of \(lineBreaks + 1)")
        require(!record.fields.isEmpty, "a record with no field on line \(record.line)")
        require(record.fields.count <= configuration.maximumFieldCount, "too many fields on line \(record.line)")
        for field in record.fields {
            require(field.utf8.count <= configuration.maximumFieldBytes, "a field too long on line \(record.line)")
        }
        previousLine = record.line
    }
    previousLine = 0
    for problem in whole.problems {
        require(problem.line >= previousLine, "problems out of order at line \(problem.line)")
        previousLine = problem.line
    }

    var written: [UInt8] = []
    for record in whole.records {
        for (index, field) in record.fields.enumerated() {
            if index > 0 { written.append(0x2C) }
            written.append(0x22)
            for byte in field.utf8 { written += byte == 0x22 ? [0x22, 0x22] : [byte] }
            written.append(0x22)
        }
        written += [0x0D, 0x0A]
    }
    let reread = CSVReader.records(in: written, configuration: CSVReader.Configuration())
    require(reread.problems.isEmpty, "records written back read with problems: \(reread.problems)")
    require(
        reread.records.map(\.fields) == whole.records.map(\.fields),
        "records written back read as other fields"
    )

    for record in whole.records {
        for field in record.fields { checkMailboxAddress(field) }
    }
    do {
        _ = try UserDirectory(listBytes: bytes)
    } catch let error as ArchiverError {
        require(error.code == .invalidConfiguration, "the user list failed with \(error.code)")
    } catch {
        require(false, "the user list threw a non-ArchiverError: \(error)")
    }

    do {
        let mapping = try MappingFile(bytes: bytes)
        // The mapping file reads with the default limits, which may keep records the fuzzed limits reject.
        let records = CSVReader.records(in: bytes).records
        require(mapping.count <= records.count, "\(mapping.count) entries from \(records.count) records")
    } catch let error as ArchiverError {
        require(error.code == .mappingFileInvalid, "the mapping file failed with \(error.code)")
    } catch {
        require(false, "the mapping file threw a non-ArchiverError: \(error)")
    }
    return 0
}

/// Checks that `text`, if it is accepted as a mailbox address, can only name a directory inside the sink's root.
func checkMailboxAddress(_ text: String) {
    let address = MailboxAddress(text)
    require((address == nil) == (MailboxAddress.problem(with: text) != nil), "init and problem(with:) disagree")
    guard let address else { return }
    let raw = address.rawValue
    require(
        raw.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F },
        "the address \(raw.debugDescription) is not printable ASCII"
    )
    require(raw == raw.lowercased(), "the address \(raw.debugDescription) is not lower case")
    require(
        !raw.contains("/") && !raw.contains("\\") && !raw.contains(".."),
        "the address \(raw.debugDescription) is path-like"
    )
    require(!raw.hasPrefix(".") && raw.utf8.count <= 254, "the address \(raw.debugDescription) starts with a dot")
    require(raw.split(separator: "@", omittingEmptySubsequences: false).count == 2, "not exactly one @ in \(raw)")
    require(MailboxAddress(raw) == address, "the address \(raw.debugDescription) is not accepted as itself")
}
