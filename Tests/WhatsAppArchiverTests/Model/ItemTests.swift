import Testing
import WhatsAppArchiver

struct ItemTests {
    @Test(arguments: [
        ("+46701234567", true), ("+123456", true), ("+123456789012345", true), ("+12345", false),
        ("+1234567890123456", false), ("46701234567", false), ("+4670 123", false), ("+", false), ("", false),
        ("+٤٦٧٠١٢٣٤٥٦٧", false),
    ])
    func phoneValidation(phone: String, valid: Bool) {
        #expect(Party.isValidPhone(phone) == valid)
    }

    @Test(arguments: [
        ("att-91", true), ("a", true), ("_x.y-z", true), (".hidden", false), ("..", false),
        ("a/b", false), ("", false), (String(repeating: "a", count: 129), false), ("ä", false),
    ])
    func attachmentIDValidation(id: String, valid: Bool) {
        #expect(Attachment.isValidID(id) == valid)
    }

    @Test func unknownKindsAreKeptAsTheyAre() {
        #expect(ItemKind(rawValue: "poll").isKnown == false)
        #expect(ItemKind.known.count == 6)
        #expect([ItemKind.message, .call, .deletion, .edit, .reaction, .event].allSatisfy { $0.isKnown })
    }

    @Test func errorsDescribeThemselvesAndCarryTheirScope() {
        let error = ArchiverError(.storageFailed, "Cannot write /x: No space left on device (errno 28).")
        #expect(error.scope == .run)
        #expect(error.description == "storage_failed: Cannot write /x: No space left on device (errno 28).")
        #expect(ArchiverError(.unmapped, "x").scope == .item)
        #expect(ArchiverError(.unmapped, "x", scope: .run).scope == .run)
        #expect(ArchiverError(ArchiverError.Code("custom_thing"), "x").scope == .run)
    }
}
