import Foundation
import Testing
import WhatsAppArchiver

struct UserDirectoryTests {
    private static func address(_ text: String) -> MailboxAddress { MailboxAddress(text)! }

    @Test func anyWellFormedAddressContainsEveryAddress() {
        #expect(UserDirectory.anyWellFormedAddress.contains(Self.address("who@ever.example")))
        #expect(UserDirectory.anyWellFormedAddress.summary == "any well-formed address")
    }

    @Test func aListContainsItsAddressesWhateverTheirCase() throws {
        let directory = try UserDirectory(addresses: [Self.address("Alice@Contoso.com")])
        #expect(directory.contains(Self.address("alice@contoso.com")))
        #expect(directory.contains(Self.address("ALICE@CONTOSO.COM")))
        #expect(!directory.contains(Self.address("bob@contoso.com")))
        #expect(directory.summary == "1 address")
    }

    @Test func aDomainContainsEveryAddressAtItButNotAtItsSubdomains() throws {
        let directory = try UserDirectory(domains: ["Contoso.COM", "fabrikam.example"])
        #expect(directory.contains(Self.address("anyone@contoso.com")))
        #expect(directory.contains(Self.address("x@FABRIKAM.example")))
        #expect(!directory.contains(Self.address("anyone@mail.contoso.com")))
        #expect(!directory.contains(Self.address("anyone@contoso.com.evil.example")))
        #expect(!directory.contains(Self.address("anyone@notcontoso.com")))
        #expect(directory.domains == ["contoso.com", "fabrikam.example"])
        #expect(directory.summary == "contoso.com, fabrikam.example")
    }

    @Test func aListAndDomainsTogetherContainEither() throws {
        let directory = try UserDirectory(
            addresses: [Self.address("partner@outside.example")],
            domains: ["contoso.com"]
        )
        #expect(directory.contains(Self.address("partner@outside.example")))
        #expect(directory.contains(Self.address("alice@contoso.com")))
        #expect(!directory.contains(Self.address("other@outside.example")))
        #expect(directory.summary == "1 address and contoso.com")
    }

    @Test func anEmptyDirectoryContainsNothing() throws {
        let directory = try UserDirectory()
        #expect(!directory.contains(Self.address("alice@contoso.com")))
        #expect(directory.summary == "no address")
    }

    @Test(arguments: ["", "contoso", "-contoso.com", "contoso..com", "con toso.com", "contoso.com/x", "@contoso.com"])
    func rejectsWhatIsNotADomain(domain: String) throws {
        let error = try #require(throws: ArchiverError.self) { try UserDirectory(domains: ["contoso.com", domain]) }
        #expect(error.code == .invalidConfiguration)
        #expect(error.scope == .run)
        #expect(error.message == "Invalid user directory: \"\(domain)\" is not a domain name (example: contoso.com)")
    }

    @Test func readsAListWithCommentsBlankLinesCRLFAndAByteOrderMark() throws {
        let text =
            "# Valid mailboxes\r\n\r\nAlice@Contoso.com\r\n  carol@contoso.com  \r\n\t# retired:\n\nbob@fabrikam.example"
        let directory = try UserDirectory(listBytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
        #expect(
            directory.addresses
                == Set(["alice@contoso.com", "carol@contoso.com", "bob@fabrikam.example"].map(Self.address))
        )
        #expect(directory.domains.isEmpty)
    }

    @Test func aListWithBadLinesNamesEachLine() throws {
        let text = "alice@contoso.com\nAlice Andersson <alice@contoso.com>\n\n../etc@contoso.com\nok@contoso.com\n"
        let error = try #require(throws: ArchiverError.self) {
            try UserDirectory(listBytes: Array(text.utf8) + [0xFF, 0x0A], name: "users.txt")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(
            error.message == """
                The user list users.txt has 3 problems; fix them and run again:
                users.txt line 2: "Alice Andersson <alice@contoso.com>" is not a valid address: the part before @ contains a character that is not allowed (byte 0x20)
                users.txt line 4: "../etc@contoso.com" is not a valid address: the part before @ contains a character that is not allowed ("/")
                users.txt line 6: the line is not valid UTF-8 text
                """
        )
    }

    @Test func readsAListFileAndAddsDomains() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/users.txt"
        try Data("alice@contoso.com\n".utf8).write(to: URL(fileURLWithPath: path))
        let users = try UserDirectory(listAt: path, domains: ["fabrikam.example"])
        #expect(users.contains(Self.address("alice@contoso.com")))
        #expect(users.contains(Self.address("anyone@fabrikam.example")))
        #expect(!users.contains(Self.address("bob@contoso.com")))
    }

    @Test func aMissingListFileIsARunError() throws {
        let directory = try ScratchDirectory()
        let error = try #require(throws: ArchiverError.self) {
            try UserDirectory(listAt: directory.path + "/absent.txt")
        }
        #expect(error.code == .invalidConfiguration)
        #expect(error.scope == .run)
        #expect(error.message.hasPrefix("Cannot read the user list \(directory.path)/absent.txt: "))
    }
}
