import Testing
import WhatsAppArchiver

struct MailboxAddressTests {
    @Test(arguments: [
        ("alice@contoso.com", "alice@contoso.com"),
        ("Alice.Andersson@Contoso.COM", "alice.andersson@contoso.com"),
        ("o'brien+whatsapp@sub.example.co.uk", "o'brien+whatsapp@sub.example.co.uk"),
        ("x@a-b.example", "x@a-b.example"),
    ])
    func acceptsAndLowerCases(text: String, stored: String) throws {
        #expect(try #require(MailboxAddress(text)).rawValue == stored)
    }

    @Test(arguments: [
        "", "alice", "alice@", "@contoso.com", "alice@contoso", "a@b@contoso.com", "Alice <alice@contoso.com>",
        "alice smith@contoso.com", "../etc@contoso.com", "a/b@contoso.com", "a\\b@contoso.com", ".alice@contoso.com",
        "alice.@contoso.com", "al..ice@contoso.com", "alice@contoso..com", "alice@-contoso.com", "alice@contoso.com.",
        "älice@contoso.com", "alice@cöntoso.com", "alice\n@contoso.com", "alice@contoso.com\r\nBcc: x@y.com",
        "\u{0}@contoso.com", "=?utf-8?b?qq==?=@contoso.com", String(repeating: "a", count: 65) + "@contoso.com",
    ])
    func rejectsAnythingUnsafeOrMalformed(text: String) {
        #expect(MailboxAddress(text) == nil)
        #expect(MailboxAddress.problem(with: text) != nil)
    }

    @Test func partsAndOrdering() throws {
        let address = try #require(MailboxAddress("Bob@Example.org"))
        #expect(address.localPart == "bob")
        #expect(address.domain == "example.org")
        #expect(MailboxAddress("a@x.org")! < MailboxAddress("b@x.org")!)
    }
}
