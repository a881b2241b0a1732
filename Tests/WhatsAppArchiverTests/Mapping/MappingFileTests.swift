import Foundation
import Testing
import WhatsAppArchiver

struct MappingFileTests {
    static let header = "External User ID,Microsoft 365 User Mailbox\n"
    static let characters = "only digits, a leading +, spaces, -, . and ( ) are allowed"

    private static func load(_ text: String) throws -> MappingFile {
        try MappingFile(bytes: Array(text.utf8), name: "m.csv")
    }

    private static func error(loading text: String) throws -> ArchiverError {
        try #require(throws: ArchiverError.self) { try load(text) }
    }

    private static func address(_ text: String) -> MailboxAddress { MailboxAddress(text)! }
    private static func number(_ text: String) -> PhoneNumber { PhoneNumber(text)! }

    // MARK: - Reading

    @Test func readsTheDocumentedExample() throws {
        let file = try Self.load(Self.header + "445204334324,susan@company.com\n")
        #expect(file.count == 1)
        #expect(file.mailbox(for: Self.number("445204334324")) == Self.address("susan@company.com"))
        #expect(file.entries[Self.number("+44 5204 334324")]?.line == 2)
    }

    @Test(arguments: [
        ("External User ID,Microsoft 365 User Mailbox", "46701234567,alice@contoso.com"),
        ("  external user id ,MICROSOFT 365 USER MAILBOX  ", "46701234567,alice@contoso.com"),
        ("ExternalUserID,Microsoft365UserMailbox", "46701234567,alice@contoso.com"),
        ("\"External User ID\",\"Microsoft 365 User Mailbox\"", "\"46701234567\",\"alice@contoso.com\""),
        ("Microsoft 365 User Mailbox,External User ID", "alice@contoso.com,46701234567"),
        ("Name,External User ID,Dept,Microsoft 365 User Mailbox,", "Alice,46701234567,Sales,alice@contoso.com,x"),
        ("External\tUser ID,Microsoft 365 User Mailbox,Notes", "46701234567,alice@contoso.com,\"a, b\nc\""),
    ])
    func findsTheColumnsWhateverTheCaseSpacingAndExtraColumns(header: String, row: String) throws {
        let file = try Self.load(header + "\n" + row + "\n")
        #expect(
            file.entries == [
                Self.number("46701234567"): MappingFile.Entry(mailbox: Self.address("alice@contoso.com"), line: 2)
            ]
        )
    }

    @Test func numbersAndAddressesAreNormalisedAndTrimmed() throws {
        let file = try Self.load(Self.header + " +46 70-123 45 67 ,  Alice@Contoso.COM\t\n")
        #expect(file.mailbox(for: Self.number("46701234567"))?.rawValue == "alice@contoso.com")
    }

    @Test func theSamePairTwiceIsFine() throws {
        let file = try Self.load(
            Self.header
                + "+46 70-123 45 67,Alice@Contoso.com\n12124325249,carol@contoso.com\n46701234567,alice@contoso.com\n"
        )
        #expect(file.count == 2)
        #expect(
            file.entries[Self.number("46701234567")]
                == MappingFile.Entry(mailbox: Self.address("alice@contoso.com"), line: 2)
        )
    }

    @Test func aByteOrderMarkCRLFAndBlankLinesAreAccepted() throws {
        let bytes: [UInt8] =
            [0xEF, 0xBB, 0xBF]
            + Array(
                "External User ID,Microsoft 365 User Mailbox\r\n\r\n46701234567,alice@contoso.com\r\n,,\r\n\r\n12124325249,carol@contoso.com"
                    .utf8
            )
        let file = try MappingFile(bytes: bytes)
        #expect(file.entries[Self.number("46701234567")]?.line == 3)
        #expect(file.entries[Self.number("12124325249")]?.line == 6)
    }

    @Test func aHeaderWithoutRowsIsAnEmptyMapping() throws {
        #expect(try Self.load(Self.header).count == 0)
    }

    // MARK: - Problems, each with its exact line

    /// A malformed mapping file and the exact message it must produce.
    struct BrokenFile: Sendable, CustomTestStringConvertible {
        var text: String
        var message: String
        init(_ text: String, _ message: String) {
            self.text = text
            self.message = message
        }
        var testDescription: String { message }
    }

    static let brokenFiles: [BrokenFile] = [
        BrokenFile(
            header + "4670123456a,alice@contoso.com\n",
            "m.csv line 2: the External User ID \"4670123456a\" is not a phone number: it contains \"a\"; \(characters)"
        ),
        BrokenFile(
            header + "46701234567,alice@contoso.com\n0701234567,bob@contoso.com\n",
            "m.csv line 3: the External User ID \"0701234567\" is not a phone number: it starts with 0, so it is a "
                + "national number; write it with its country code (46701234567)"
        ),
        BrokenFile(
            header + "\n\n123,alice@contoso.com\n",
            "m.csv line 4: the External User ID \"123\" is not a phone number: it has 3 digits; a number with its "
                + "country code has 6 to 15"
        ),
        BrokenFile(
            header + "46701234567,alice\n",
            "m.csv line 2: the mailbox \"alice\" is not a valid address: the address must contain exactly one @"
        ),
        BrokenFile(
            header + "46701234567,Alice <alice@contoso.com>\n",
            "m.csv line 2: the mailbox \"Alice <alice@contoso.com>\" is not a valid address: a display name or "
                + "angle brackets are not allowed; write only local@domain"
        ),
        BrokenFile(
            header + "46701234567,../alice@contoso.com\n",
            "m.csv line 2: the mailbox \"../alice@contoso.com\" is not a valid address: the part before @ contains "
                + "a character that is not allowed (\"/\")"
        ),
        BrokenFile(
            header + "46701234567,alice smith@contoso.com\n",
            "m.csv line 2: the mailbox \"alice smith@contoso.com\" is not a valid address: the part before @ "
                + "contains a character that is not allowed (byte 0x20)"
        ),
        BrokenFile(
            header + "46701234567,alice@contoso.com\n12124325249,carol@contoso.com\n+46 70 123 45 67,bob@contoso.com\n",
            "m.csv line 4: the number 46701234567 is mapped to bob@contoso.com here and to alice@contoso.com on "
                + "line 2; a number can go to one mailbox only"
        ),
        BrokenFile(
            header + "46701234567\n",
            "m.csv line 2: the row has 1 field; it needs External User ID in field 1 and Microsoft 365 User Mailbox "
                + "in field 2"
        ),
        BrokenFile(header + ",alice@contoso.com\n", "m.csv line 2: the External User ID is empty"),
        BrokenFile(header + "46701234567,  \n", "m.csv line 2: the Microsoft 365 User Mailbox is empty"),
        BrokenFile(
            "",
            "m.csv line 1: the file is empty; it needs the header row External User ID,Microsoft 365 User Mailbox"
        ),
        BrokenFile(
            "\n\n",
            "m.csv line 1: the file is empty; it needs the header row External User ID,Microsoft 365 User Mailbox"
        ),
        BrokenFile(
            "Phone,Mailbox\n46701234567,alice@contoso.com\n",
            "m.csv line 1: the header row does not name the column \"External User ID\" and \"Microsoft 365 User "
                + "Mailbox\"; the header must be External User ID,Microsoft 365 User Mailbox (other columns may follow)"
        ),
        BrokenFile(
            "\n\nExternal User ID,Mailbox\n46701234567,alice@contoso.com\n",
            "m.csv line 3: the header row does not name the column \"Microsoft 365 User Mailbox\"; the header must "
                + "be External User ID,Microsoft 365 User Mailbox (other columns may follow)"
        ),
        BrokenFile(
            "46701234567,alice@contoso.com\n12124325249,carol@contoso.com\n",
            "m.csv line 1: the header row is missing; the first row must be External User ID,Microsoft 365 User "
                + "Mailbox"
        ),
        BrokenFile(
            "External User ID,Microsoft 365 User Mailbox,external user id\n",
            "m.csv line 1: the header names the column \"External User ID\" twice (fields 1 and 3); keep one"
        ),
        BrokenFile(
            header + "46701234567,alice@contoso.com\n\"12124325249,carol@contoso.com\n46701234568,bob@contoso.com\n",
            "m.csv line 3: a quoted field is never closed: the file ends inside it (add the closing \")"
        ),
        BrokenFile(
            header + "46701234567,\"alice\"@contoso.com\n",
            "m.csv line 2: text after the closing quote of a field; a quote inside a quoted field is written \"\""
        ),
        BrokenFile(
            header + "46701234567,ali\"ce@contoso.com\n",
            "m.csv line 2: a double quote inside a field that does not start with one; enclose the field in quotes "
                + "and write the quote as \"\""
        ),
        BrokenFile(
            "Notes,External User ID,Microsoft 365 User Mailbox\r\n\"call\r\nafter 5\",46701234567,alice@contoso.com\r\n"
                + "\"a\"\"\n\n\",+1 212 BAD,carol@contoso.com\r\n",
            "m.csv line 4: the External User ID \"+1 212 BAD\" is not a phone number: it contains \"B\"; \(characters)"
        ),
    ]

    @Test(arguments: brokenFiles)
    func aBrokenFileNamesTheLineAndTheProblem(file: BrokenFile) throws {
        let error = try Self.error(loading: file.text)
        #expect(error.code == .mappingFileInvalid)
        #expect(error.scope == .run)
        #expect(error.message == file.message + ". Fix the mapping file and run again.")
    }

    @Test func invalidUTF8NamesItsLine() throws {
        let bytes =
            Array((Self.header + "46701234567,alice@contoso.com\n46701234568,b").utf8) + [0xFF]
            + Array("b@contoso.com\n".utf8)
        let error = try #require(throws: ArchiverError.self) { try MappingFile(bytes: bytes, name: "m.csv") }
        #expect(
            error.message
                == "m.csv line 3: a field is not valid UTF-8 text; save the file as UTF-8. Fix the mapping file and run again."
        )
    }

    /// Every problem in the file is listed, in line order, so that an administrator fixes them in one pass.
    @Test func everyProblemIsListedInLineOrder() throws {
        let error = try Self.error(
            loading: Self.header
                + "46701234567,alice@contoso.com\n"
                + "abc,\n"
                + "\"46701234568\"x,bob@contoso.com\n"
                + "46701234567,carol@contoso.com\n"
                + "12124325249,\"dave\n@contoso.com\"\n"
                + "12124325250,eve@contoso.com\n"
        )
        #expect(
            error.message == """
                The mapping file m.csv has 5 problems; fix them and run again:
                m.csv line 3: the External User ID "abc" is not a phone number: it contains "a"; \(Self.characters)
                m.csv line 3: the Microsoft 365 User Mailbox is empty
                m.csv line 4: text after the closing quote of a field; a quote inside a quoted field is written ""
                m.csv line 5: the number 46701234567 is mapped to carol@contoso.com here and to alice@contoso.com on line 2; a number can go to one mailbox only
                m.csv line 6: the mailbox "dave
                @contoso.com" is not a valid address: the part before @ contains a character that is not allowed (byte 0xa)
                """
        )
    }

    /// When the header row itself is broken, the rows cannot be read against it: only the syntax problems count.
    @Test func aBrokenHeaderRowIsTheOnlyProblemReported() throws {
        let error = try Self.error(
            loading: "External User ID,\"Microsoft 365 User Mailbox\"x\n46701234567,alice@contoso.com\nbad,bob@x\n"
        )
        #expect(
            error.message
                == "m.csv line 1: text after the closing quote of a field; a quote inside a quoted field is written "
                + "\"\". Fix the mapping file and run again."
        )
    }

    @Test func aFileWithoutHeaderStillHasItsRowsChecked() throws {
        let error = try Self.error(loading: "46701234567,alice@contoso.com\nnot-a-number,bob@contoso.com\n")
        #expect(
            error.message == """
                The mapping file m.csv has 2 problems; fix them and run again:
                m.csv line 1: the header row is missing; the first row must be External User ID,Microsoft 365 User Mailbox
                m.csv line 2: the External User ID "not-a-number" is not a phone number: it contains "n"; \(Self.characters)
                """
        )
    }

    @Test func aLongListOfProblemsIsCut() throws {
        let rows = (1...150).map { "bad\($0),x\($0)@contoso.com\n" }.joined()
        let error = try Self.error(loading: Self.header + rows)
        let lines = error.message.split(separator: "\n")
        #expect(lines.first == "The mapping file m.csv has 150 problems; fix them and run again:")
        #expect(lines.count == 102)
        #expect(lines[1].hasPrefix("m.csv line 2: "))
        #expect(lines[100].hasPrefix("m.csv line 101: "))
        #expect(lines.last == "... and 50 more")
    }

    // MARK: - Files

    @Test func loadsAFile() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/mapping.csv"
        let rows = (0..<5_000).map { "\(46_700_000_000 + $0),user\($0)@contoso.com\r\n" }.joined()
        try Data((Self.header + rows).utf8).write(to: URL(fileURLWithPath: path))
        let file = try MappingFile(contentsOf: path)
        #expect(file.count == 5_000)
        #expect(
            file.entries[Self.number("46700004999")]
                == MappingFile.Entry(mailbox: Self.address("user4999@contoso.com"), line: 5_001)
        )
    }

    @Test func aFixtureWithExtraColumnsAndQuotedLineBreaks() throws {
        let file = try MappingFile(
            contentsOf: CSVReaderOracleTests.fixtures.appendingPathComponent("extra-columns.csv").path
        )
        #expect(
            file.entries == [
                Self.number("445204334324"): MappingFile.Entry(mailbox: Self.address("susan@company.com"), line: 2),
                Self.number("46701234567"): MappingFile.Entry(mailbox: Self.address("alice@contoso.com"), line: 4),
            ]
        )
    }

    @Test func errorsNameTheFilePath() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/mapping.csv"
        try Data((Self.header + "46701234567,nobody\n").utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: ArchiverError.self) { try MappingFile(contentsOf: path) }
        #expect(error.message.hasPrefix("\(path) line 2: the mailbox \"nobody\" is not a valid address"))
    }

    @Test func aMissingFileIsARunError() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/absent.csv"
        let error = try #require(throws: ArchiverError.self) { try MappingFile(contentsOf: path) }
        #expect(error.code == .mappingFileInvalid)
        #expect(error.scope == .run)
        #expect(error.message.hasPrefix("Cannot read the mapping file \(path): "))
        #expect(error.message.hasSuffix("Check the path."))
    }

    @Test func aDirectoryIsNotAMappingFile() throws {
        let directory = try ScratchDirectory()
        let error = try #require(throws: ArchiverError.self) { try MappingFile(contentsOf: directory.path) }
        #expect(error.code == .mappingFileInvalid)
        #expect(
            error.message
                == "The mapping file \(directory.path) is not a regular file; give the path of the file itself."
        )
    }
}
