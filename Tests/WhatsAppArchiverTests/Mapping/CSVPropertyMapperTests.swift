import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

struct CSVPropertyMapperTests {
    private static func address(_ text: String) -> MailboxAddress { MailboxAddress(text)! }

    /// Alice's number goes to a shared desk mailbox; Dave's to an address outside the organisation.
    private static let mappingFile = try! MappingFile(
        bytes: Array(
            """
            External User ID,Microsoft 365 User Mailbox
            +46 70-123 45 67,desk@contoso.com
            447700900123,dave@outside.example
            """.utf8
        )
    )

    private static let dave = Party(phone: "+447700900123", name: "Dave", email: "dave@contoso.com")
    private static let erin = Party(phone: "+33612345678", name: "Erin", email: "Erin Example <erin@contoso.com>")
    private static let frank = Party(phone: "+4915199999999", name: "Frank", email: "frank@partner.example")

    private static func mapper(
        file: MappingFile? = mappingFile,
        automaticMapping: Bool = true,
        directory: UserDirectory? = nil,
        quarantine: MailboxAddress? = nil
    ) throws -> CSVPropertyMapper {
        try CSVPropertyMapper(
            configuration: .init(
                mappingFile: file,
                automaticMapping: automaticMapping,
                directory: try directory ?? UserDirectory(domains: ["contoso.com"]),
                quarantine: quarantine
            )
        )
    }

    private static func item(from: Party, to: [Party]) -> Item {
        SampleItems.message(id: "wa-1", from: from, to: to)
    }

    @Test func theMappingFileComesBeforeTheEmailProperty() throws {
        let result = try Self.mapper().mapping(for: Self.item(from: SampleItems.alice, to: [SampleItems.carol]))
        #expect(result.mailboxes == [Self.address("desk@contoso.com"), Self.address("carol@contoso.com")])
        #expect(result.participants.map(\.party) == [SampleItems.alice, SampleItems.carol])
        #expect(result.participants.map(\.unmappedReason) == [nil, nil])
        #expect(result.quarantine == nil)
    }

    @Test func withoutAutomaticMappingOnlyTheFileCounts() throws {
        let result = try Self.mapper(automaticMapping: false)
            .mapping(for: Self.item(from: SampleItems.alice, to: [SampleItems.carol]))
        #expect(result.mailboxes == [Self.address("desk@contoso.com")])
        #expect(result.participants[1].mailbox == nil)
        #expect(result.participants[1].unmappedReason == .noEntry)
    }

    @Test func automaticMappingAloneUsesTheProperty() throws {
        let result = try Self.mapper(file: nil).mapping(
            for: Self.item(from: SampleItems.alice, to: [SampleItems.bernd])
        )
        #expect(result.mailboxes == [Self.address("alice@contoso.com")])
        #expect(result.participants.map(\.unmappedReason) == [nil, .noEntry])
    }

    /// The file maps Dave outside the directory; his property is inside it, so he still gets the item.
    @Test func aFileAddressOutsideTheDirectoryFallsBackToTheProperty() throws {
        let mapper = try Self.mapper()
        #expect(mapper.mapping(for: Self.dave).mailbox == Self.address("dave@contoso.com"))
        let withoutProperty = Party(phone: Self.dave.phone)
        #expect(mapper.mapping(for: withoutProperty).unmappedReason == .outsideDirectory)
        let automaticOff = try Self.mapper(automaticMapping: false)
        #expect(automaticOff.mapping(for: Self.dave).unmappedReason == .outsideDirectory)
    }

    @Test func aPropertyOutsideTheDirectoryDoesNotCount() throws {
        let participant = try Self.mapper().mapping(for: Self.frank)
        #expect(participant.mailbox == nil)
        #expect(participant.unmappedReason == .outsideDirectory)
    }

    @Test(arguments: [
        "Erin Example <erin@contoso.com>", "erin", "erin@contoso", "er in@contoso.com", "../erin@contoso.com",
    ])
    func aMalformedPropertyIsReported(email: String) throws {
        let participant = try Self.mapper().mapping(for: Party(phone: "+33612345678", email: email))
        #expect(participant.mailbox == nil)
        #expect(participant.unmappedReason == .malformedProperty)
    }

    @Test func anEmptyPropertyIsNoProperty() throws {
        let participant = try Self.mapper().mapping(for: Party(phone: "+33612345678", email: ""))
        #expect(participant.unmappedReason == .noEntry)
    }

    @Test func propertiesCompareWithoutRegardToCase() throws {
        let directory = try UserDirectory(addresses: [Self.address("carol@contoso.com")])
        let participant = try Self.mapper(directory: directory)
            .mapping(for: Party(phone: "+12124325249", email: "CAROL@Contoso.Com"))
        #expect(participant.mailbox?.rawValue == "carol@contoso.com")
    }

    @Test(arguments: ["12345", "+0701234567", "+46 70 123 45 67 ext", ""])
    func anInvalidPhoneIsReportedUnlessThePropertyMaps(phone: String) throws {
        let mapper = try Self.mapper()
        #expect(mapper.mapping(for: Party(phone: phone)).unmappedReason == .invalidPhone)
        #expect(mapper.mapping(for: Party(phone: phone, email: "x@y")).unmappedReason == .invalidPhone)
        #expect(
            mapper.mapping(for: Party(phone: phone, email: "bob@contoso.com")).mailbox?.rawValue == "bob@contoso.com"
        )
    }

    @Test func aPartyWrittenWithoutPlusStillMatchesTheFile() throws {
        #expect(try Self.mapper().mapping(for: Party(phone: "46701234567")).mailbox?.rawValue == "desk@contoso.com")
    }

    @Test func everyDistinctMailboxOnceInTheOrderFound() throws {
        let carolAgain = Party(phone: "+12124325250", email: "Carol@contoso.com")
        let aliceByProperty = Party(phone: "+46700000000", email: "desk@contoso.com")
        let result = try Self.mapper().mapping(
            for: Self.item(
                from: SampleItems.carol,
                to: [SampleItems.bernd, SampleItems.alice, carolAgain, Self.frank, aliceByProperty, SampleItems.carol]
            )
        )
        #expect(result.mailboxes == [Self.address("carol@contoso.com"), Self.address("desk@contoso.com")])
        #expect(result.participants.count == 7)
        #expect(
            result.participants.map(\.unmappedReason) == [nil, .noEntry, nil, nil, .outsideDirectory, nil, nil]
        )
        #expect(result.unmappedSummary == "+4915112345678: no_entry; +4915199999999: outside_directory")
    }

    /// Past sixteen recipients the mapper switches to a set for duplicates; the result must not change.
    @Test func largeGroupsCollapseDuplicatesAlike() throws {
        let members = (0..<1_000).map { Party(phone: "+4670\(1_000_000 + $0)", email: "member\($0 % 37)@contoso.com") }
        let result = try Self.mapper().mapping(for: Self.item(from: SampleItems.alice, to: members))
        let expected = [Self.address("desk@contoso.com")] + (0..<37).map { Self.address("member\($0)@contoso.com") }
        #expect(result.mailboxes == expected)
        #expect(result.participants.count == 1_001)
    }

    @Test func quarantineOnlyForItemsThatReachNoMailbox() throws {
        let quarantine = Self.address("archive-admin@contoso.com")
        let mapper = try Self.mapper(quarantine: quarantine)
        let unmapped = mapper.mapping(for: Self.item(from: SampleItems.bernd, to: [Self.frank, Self.erin]))
        #expect(unmapped.mailboxes.isEmpty)
        #expect(unmapped.quarantine == quarantine)
        #expect(unmapped.participants.map(\.unmappedReason) == [.noEntry, .outsideDirectory, .malformedProperty])
        let mapped = mapper.mapping(for: Self.item(from: SampleItems.bernd, to: [SampleItems.carol]))
        #expect(mapped.quarantine == nil)
        #expect(mapped.mailboxes == [Self.address("carol@contoso.com")])
    }

    @Test func noQuarantineByDefault() throws {
        let result = try Self.mapper().mapping(for: Self.item(from: SampleItems.bernd, to: []))
        #expect(result.mailboxes.isEmpty)
        #expect(result.quarantine == nil)
    }

    @Test func theAsyncRoleGivesTheSameResult() async throws {
        let mapper = try Self.mapper()
        let item = Self.item(from: SampleItems.alice, to: [SampleItems.bernd, SampleItems.carol])
        let result = try await mapper.map(MappingRequest(item: item))
        #expect(result.mailboxes == mapper.mapping(for: item).mailboxes)
        #expect(result.participants.map(\.unmappedReason) == [nil, .noEntry, nil])
    }

    @Test func aMapperThatCanMapNothingIsRefused() throws {
        let error = try #require(throws: ArchiverError.self) {
            try CSVPropertyMapper(configuration: .init(mappingFile: nil, automaticMapping: false))
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.scope == .run)
    }

    /// Through the connector: fan-out to every mailbox, unmapped items counted, quarantine copies kept but still
    /// counted as unmapped.
    @Test func inTheConnector() async throws {
        let quarantine = Self.address("archive-admin@contoso.com")
        let items = [
            SampleItems.message(id: "wa-1", offset: 0, from: SampleItems.alice, to: [SampleItems.carol]),
            SampleItems.message(id: "wa-2", offset: 1, from: SampleItems.bernd, to: [Self.frank]),
        ]
        let sink = RecordingSink()
        let connector = Connector(
            source: InMemorySource(items: items),
            mapper: try Self.mapper(quarantine: quarantine),
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore()
        )
        let window = try TimeWindow(from: SampleItems.baseDate, until: SampleItems.baseDate.addingTimeInterval(60))
        let report = try await connector.run(window: window)

        #expect(report.itemsFromSource == 2)
        #expect(report.itemsForImport == 3)
        #expect(report.imported == 2)
        #expect(report.failed == 1)
        #expect(report.invariantHolds)
        let failure = try #require(report.failures.first)
        #expect(failure.itemID == "wa-2")
        #expect(failure.reason == "unmapped")
        #expect(failure.detail?.contains("+4915199999999: outside_directory") == true)
        let stored = sink.messages.map { "\($0.itemID) \($0.mailbox)" }.sorted()
        #expect(stored == ["wa-1 carol@contoso.com", "wa-1 desk@contoso.com", "wa-2 archive-admin@contoso.com"])
        let quarantined = try #require(sink.messages.first { $0.mailbox == quarantine })
        #expect(String(decoding: quarantined.bytes, as: UTF8.self).contains("Quarantined: +4915112345678: no_entry"))
    }
}

struct CSVPropertyMapperFileTests {
    private static func write(_ text: String, to path: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func readsEveryFileItIsGiven() throws {
        let scratch = try ScratchDirectory()
        try Self.write(MappingFileTests.header + "46701234567,desk@contoso.com\n", to: scratch.path + "/m.csv")
        try Self.write("carol@contoso.com\n", to: scratch.path + "/users.txt")
        let mapper = try CSVPropertyMapper(
            mappingFilePath: scratch.path + "/m.csv",
            userListPath: scratch.path + "/users.txt",
            domains: ["fabrikam.example"]
        )
        #expect(mapper.configuration.mappingFile?.count == 1)
        #expect(mapper.configuration.directory.summary == "1 address and fabrikam.example")
        #expect(mapper.mapping(for: SampleItems.alice).unmappedReason == .outsideDirectory)
        #expect(mapper.mapping(for: SampleItems.carol).mailbox == MailboxAddress("carol@contoso.com"))
    }

    @Test func withoutListOrDomainsAnyWellFormedAddressCounts() throws {
        let mapper = try CSVPropertyMapper(mappingFilePath: nil)
        #expect(mapper.configuration.directory.acceptsAnyAddress)
        #expect(mapper.configuration.directory.summary == "any well-formed address")
        #expect(mapper.mapping(for: SampleItems.alice).mailbox == MailboxAddress("alice@contoso.com"))
    }

    @Test func domainsAloneMakeTheDirectory() throws {
        let mapper = try CSVPropertyMapper(mappingFilePath: nil, domains: ["fabrikam.example"])
        #expect(mapper.mapping(for: SampleItems.alice).unmappedReason == .outsideDirectory)
    }

    @Test func aBrokenMappingFileStopsBeforeAnyMapperExists() throws {
        let scratch = try ScratchDirectory()
        try Self.write(MappingFileTests.header + "46701234567,desk\n", to: scratch.path + "/m.csv")
        let error = try #require(throws: ArchiverError.self) {
            try CSVPropertyMapper(mappingFilePath: scratch.path + "/m.csv")
        }
        #expect(error.code == .mappingFileInvalid)
        #expect(error.scope == .run)
        #expect(error.message.hasPrefix(scratch.path + "/m.csv line 2: "))
    }
}
