import Testing
import WhatsAppArchiver

struct PhoneNumberTests {
    @Test(arguments: [
        ("46701234567", "46701234567"),
        ("+46701234567", "46701234567"),
        ("+46 70-123 45 67", "46701234567"),
        ("+46 (70) 123.45.67", "46701234567"),
        ("  46 70 123 45 67 ", "46701234567"),
        ("123456", "123456"),
        ("123456789012345", "123456789012345"),
        ("+1 (212) 432-5249", "12124325249"),
    ])
    func acceptsTheUsualWritings(text: String, digits: String) throws {
        let number = try #require(PhoneNumber(text))
        #expect(number.digits == digits)
        #expect(number.description == "+" + digits)
        #expect(PhoneNumber.problem(with: text) == nil)
    }

    @Test func theSameNumberWrittenTwoWaysIsOneNumber() {
        #expect(PhoneNumber("+46 70-123 45 67") == PhoneNumber("46701234567"))
        #expect(PhoneNumber("46701234567") != PhoneNumber("46701234568"))
        #expect(Set([PhoneNumber("+4670 1234567"), PhoneNumber("(46)701234567")]).count == 1)
    }

    @Test(arguments: [
        ("", "it has no digits"),
        ("+", "it has no digits"),
        ("12345", "it has 5 digits; a number with its country code has 6 to 15"),
        ("1234567890123456", "it has 16 digits; a number with its country code has 6 to 15"),
        ("0701234567", "it starts with 0, so it is a national number; write it with its country code (46701234567)"),
        (
            "+0046701234567",
            "it starts with 0, so it is a national number; write it with its country code (46701234567)"
        ),
        ("4670123456a", "it contains \"a\"; only digits, a leading +, spaces, -, . and ( ) are allowed"),
        ("46701234567x1", "it contains \"x\"; only digits, a leading +, spaces, -, . and ( ) are allowed"),
        ("46/701234567", "it contains \"/\"; only digits, a leading +, spaces, -, . and ( ) are allowed"),
        ("46\t701234567", "it contains byte 0x9; only digits, a leading +, spaces, -, . and ( ) are allowed"),
        ("٤٦٧٠١٢٣٤٥٦٧", "it contains byte 0xd9; only digits, a leading +, spaces, -, . and ( ) are allowed"),
        ("46+701234567", "a + is allowed only as the first character"),
        ("++46701234567", "a + is allowed only as the first character"),
    ])
    func rejectsWhatIsNotANumberWithCountryCode(text: String, problem: String) {
        #expect(PhoneNumber(text) == nil)
        #expect(PhoneNumber.problem(with: text) == problem)
    }

    @Test func theLargestNumberFitsWithoutLoss() throws {
        let number = try #require(PhoneNumber("999999999999999"))
        #expect(number.value == 999_999_999_999_999)
        #expect(number.digits == "999999999999999")
    }
}
