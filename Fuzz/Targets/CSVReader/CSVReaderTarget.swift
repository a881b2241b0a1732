@testable import WhatsAppArchiver

/// The CSV reader and the mapping file built on it. The first byte picks the chunk size, the second the limits;
/// the rest is the file. Invariants:
///
/// - reading in chunks gives exactly what reading in one piece gives (records, lines and problems);
/// - no record has more fields, or a longer field, than the limits allow; records and problems come in line order;
/// - records written back as RFC 4180 (every field quoted, CRLF) read back to the same fields, with no problem;
/// - the mapping file either loads or fails with `mappingFileInvalid`, never with anything else.
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
