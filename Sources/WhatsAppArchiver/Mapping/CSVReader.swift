/// A streaming RFC 4180 reader: bytes in, records out, each with the line it starts on.
///
/// Feed the bytes in chunks of any size with ``read(_:_:)`` and call ``finish(_:)`` at the end; records are
/// handed out as soon as they are complete, so a file is never held in memory as a whole. The reader accepts:
///
/// - fields enclosed in double quotes, with `""` for a quote and commas, CR and LF inside them;
/// - CRLF, LF or a lone CR between records (RFC 4180 asks for CRLF; spreadsheets and editors write all three);
/// - a UTF-8 byte-order mark at the very start, which is skipped;
/// - empty lines, which are skipped (they are not records).
///
/// A record that breaks the grammar (a quote inside an unquoted field, text after a closing quote, bytes that are
/// not UTF-8, a quoted field that is never closed) is not handed out: its problem is appended to ``problems``
/// with its line, and reading goes on with the next record, so that a caller can report every problem in one pass.
package struct CSVReader: Sendable {
    /// A complete record: its fields, and the line of the input its first byte is on.
    package struct Record: Sendable, Hashable {
        /// The 1-based line the record starts on. A quoted field that holds line breaks makes a record span
        /// several lines; the records after it still carry the line numbers an editor shows.
        package var line: Int
        /// The fields, unquoted, in order.
        package var fields: [String]

        /// Creates a record.
        package init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    /// A record that breaks the grammar, and where.
    package struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// The 1-based line the record starts on.
        package var line: Int
        /// What is wrong, in words an administrator can act on.
        package var message: String

        /// Creates a problem.
        package init(line: Int, message: String) {
            self.line = line
            self.message = message
        }

        /// `line N: message`.
        package var description: String { "line \(line): \(message)" }
    }

    /// Limits that keep a hostile or mistaken input from exhausting memory.
    package struct Configuration: Sendable {
        /// The longest field accepted, in bytes; a longer field makes its record a problem.
        package var maximumFieldBytes: Int
        /// The most fields a record may have; more make the record a problem.
        package var maximumFieldCount: Int

        /// Creates a configuration. The defaults are far above anything a mapping or user list needs.
        package init(maximumFieldBytes: Int = 65_536, maximumFieldCount: Int = 1_024) {
            self.maximumFieldBytes = maximumFieldBytes
            self.maximumFieldCount = maximumFieldCount
        }
    }

    private enum State: Sendable {
        /// At the start of a field, nothing read yet.
        case fieldStart
        /// Inside a field that did not start with a quote.
        case unquoted
        /// Inside a quoted field.
        case quoted
        /// Just after a quote inside a quoted field: either the closing quote or the first of `""`.
        case quoteInQuoted
        /// The record broke the grammar; skipping to the next line break outside quotes.
        case skippingRecord(insideQuotes: Bool)
    }

    /// The problems found so far, in input order.
    package private(set) var problems: [Problem] = []

    private let configuration: Configuration
    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    /// The line the current byte is on.
    private var line = 1
    /// The line the record being read started on.
    private var recordLine = 1
    /// Whether the previous byte was a CR, so that the LF of a CRLF does not count as a second line break.
    private var afterCarriageReturn = false
    /// Whether any byte of the current record has been seen (an empty line is not a record).
    private var recordStarted = false
    /// How many bytes of the byte-order mark have been matched at the start of the input; `nil` once decided.
    private var byteOrderMarkMatched: Int? = 0

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let quote = UInt8(ascii: "\"")
    private static let comma = UInt8(ascii: ",")
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")

    /// Creates a reader at the start of an input.
    package init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Reads the whole of `bytes` and returns its records and the problems found, each in input order.
    package static func records(
        in bytes: some Sequence<UInt8>,
        configuration: Configuration = Configuration()
    ) -> (records: [Record], problems: [Problem]) {
        var reader = CSVReader(configuration: configuration)
        var records: [Record] = []
        reader.read(bytes) { records.append($0) }
        reader.finish { records.append($0) }
        return (records, reader.problems)
    }

    /// Reads the next chunk of input, handing every record it completes to `body`.
    package mutating func read<E: Error>(
        _ chunk: some Sequence<UInt8>,
        _ body: (Record) throws(E) -> Void
    ) throws(E) {
        for byte in chunk {
            if let matched = byteOrderMarkMatched {
                if byte == Self.byteOrderMark[matched] {
                    byteOrderMarkMatched = matched + 1 == Self.byteOrderMark.count ? nil : matched + 1
                    continue
                }
                // Not a byte-order mark after all: the bytes matched so far are data.
                byteOrderMarkMatched = nil
                for earlier in Self.byteOrderMark[..<matched] { try consume(earlier, body) }
            }
            try consume(byte, body)
        }
    }

    /// Ends the input: hands the last record to `body` if it did not end with a line break, and records a problem
    /// if a quoted field was left open.
    package mutating func finish<E: Error>(_ body: (Record) throws(E) -> Void) throws(E) {
        if let matched = byteOrderMarkMatched, matched > 0 {
            byteOrderMarkMatched = nil
            for earlier in Self.byteOrderMark[..<matched] { try consume(earlier, body) }
        }
        switch state {
        case .quoted:
            problems.append(
                Problem(
                    line: recordLine,
                    message: "a quoted field is never closed: the file ends inside it (add the closing \")"
                )
            )
            resetRecord()
        case .skippingRecord:
            // The record's problem is already recorded.
            resetRecord()
        case .fieldStart, .unquoted, .quoteInQuoted:
            if recordStarted { try endRecord(body) }
        }
    }

    // MARK: - The state machine

    private mutating func consume<E: Error>(_ byte: UInt8, _ body: (Record) throws(E) -> Void) throws(E) {
        let isLineFeedOfCRLF = afterCarriageReturn && byte == Self.lineFeed
        afterCarriageReturn = byte == Self.carriageReturn
        let isLineBreak = byte == Self.carriageReturn || byte == Self.lineFeed

        switch state {
        case .fieldStart, .unquoted:
            if isLineFeedOfCRLF { return }
            if isLineBreak {
                line += 1
                if recordStarted || !fields.isEmpty { try endRecord(body) }
                recordLine = line
                return
            }
            if !recordStarted {
                recordStarted = true
                recordLine = line
            }
            if byte == Self.comma {
                endField()
            } else if byte == Self.quote {
                if case .fieldStart = state {
                    state = .quoted
                } else {
                    fail(
                        "a double quote inside a field that does not start with one; enclose the field in quotes "
                            + "and write the quote as \"\"",
                        insideQuotes: false
                    )
                }
            } else {
                state = .unquoted
                append(byte)
            }
        case .quoted:
            if byte == Self.quote {
                state = .quoteInQuoted
                return
            }
            if isLineBreak && !isLineFeedOfCRLF { line += 1 }
            append(byte)
        case .quoteInQuoted:
            if byte == Self.quote {
                state = .quoted
                append(byte)
            } else if byte == Self.comma {
                endField()
            } else if isLineBreak {
                line += 1
                try endRecord(body)
                recordLine = line
            } else {
                fail(
                    "text after the closing quote of a field; a quote inside a quoted field is written \"\"",
                    insideQuotes: false
                )
            }
        case .skippingRecord(let insideQuotes):
            // A quote toggles; `""` toggles twice. A line break outside quotes ends the broken record.
            if byte == Self.quote {
                state = .skippingRecord(insideQuotes: !insideQuotes)
            } else if isLineBreak && !isLineFeedOfCRLF {
                line += 1
                if !insideQuotes {
                    resetRecord()
                    recordLine = line
                }
            }
        }
    }

    private mutating func append(_ byte: UInt8) {
        guard field.count < configuration.maximumFieldBytes else {
            fail("a field is longer than \(configuration.maximumFieldBytes) bytes", insideQuotes: isInsideQuotes)
            return
        }
        field.append(byte)
    }

    private var isInsideQuotes: Bool {
        if case .quoted = state { return true }
        return false
    }

    private mutating func endField() {
        guard fields.count < configuration.maximumFieldCount else {
            fail("a record has more than \(configuration.maximumFieldCount) fields", insideQuotes: false)
            return
        }
        guard let text = String(validating: field, as: UTF8.self) else {
            fail("a field is not valid UTF-8 text; save the file as UTF-8", insideQuotes: false)
            return
        }
        fields.append(text)
        field.removeAll(keepingCapacity: true)
        state = .fieldStart
    }

    private mutating func endRecord<E: Error>(_ body: (Record) throws(E) -> Void) throws(E) {
        endField()
        if case .skippingRecord = state {
            // endField found a problem in the last field; the line break that ended it also ends the skipping.
            resetRecord()
            return
        }
        let record = Record(line: recordLine, fields: fields)
        resetRecord()
        try body(record)
    }

    private mutating func fail(_ message: String, insideQuotes: Bool) {
        problems.append(Problem(line: recordLine, message: message))
        state = .skippingRecord(insideQuotes: insideQuotes)
        field.removeAll(keepingCapacity: true)
        fields.removeAll(keepingCapacity: true)
    }

    private mutating func resetRecord() {
        state = .fieldStart
        field.removeAll(keepingCapacity: true)
        fields = []
        recordStarted = false
    }
}
