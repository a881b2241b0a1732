import Foundation
import Testing

@testable import WhatsAppArchiver

struct MIMEHeaderEncoderTests {
    static let texts = [
        "Alice", "Ünïcödé name", String(repeating: "😀", count: 40),
        "مجموعة المبيعات 📈 "
            + String(repeating: "ش", count: 50),
        "e" + String(repeating: "\u{301}", count: 40), "👨‍👩‍👧‍👦 family", String(repeating: "Ab ", count: 60),
    ]

    /// Encoded-words are at most 75 characters, each decodes on its own as UTF-8 (whole characters), and together
    /// they give back the text.
    @Test(arguments: texts)
    func encodedWordsAreShortWholeAndLossless(text: String) throws {
        let words = MIMEHeaderEncoder.encodedWords(text)
        var decoded: [UInt8] = []
        for word in words {
            #expect(word.count <= 75)
            #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?="))
            let payload = String(word.dropFirst(10).dropLast(2))
            let bytes = try #require(Data(base64Encoded: payload))
            #expect(String(validating: Array(bytes), as: UTF8.self) != nil)
            decoded += bytes
        }
        #expect(String(decoding: decoded, as: UTF8.self) == text)
    }

    static let hostile = [
        "Eve\r\nBcc: victim@example.com", "Eve\nBcc: x@y", "Eve\rBcc: x@y", "a\u{0}b", "\r\n\r\nbody",
        "x\u{2028}Subject: y", "x\u{85}Subject: y", "=?utf-8?B?DQpCY2M6IHhAeQ==?=",
        String(repeating: "\r\n", count: 600),
    ]

    /// Whatever the text, the field is one logical line: every CRLF but the last is followed by a space.
    @Test(arguments: hostile)
    func untrustedTextCannotStartAField(text: String) {
        let fields = [
            MIMEHeaderEncoder.unstructured("Subject", text),
            MIMEHeaderEncoder.field(
                "From",
                MIMEHeaderEncoder.mailboxTokens(displayName: UntrustedText.singleLine(text), address: "a@b.invalid")
            ),
            MIMEHeaderEncoder.field(
                "Content-Disposition",
                MIMEHeaderEncoder.withParameters(
                    "attachment",
                    [MIMEHeaderEncoder.parameterTokens("filename", UntrustedText.fileName(text, fallback: "x"))]
                )
            ),
        ]
        for field in fields {
            #expect(field.allSatisfy { $0 == 0x0D || $0 == 0x0A || ($0 >= 0x20 && $0 < 0x7F) })
            let text = String(decoding: field, as: UTF8.self)
            let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
            #expect(lines.last == "")
            #expect(lines.dropFirst().dropLast().allSatisfy { $0.first == " " })
            #expect(!text.contains("\r\n\r\n"))
            #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        }
    }

    @Test func decodedEncodedWordsInInputAreNotPassedThrough() {
        let field = String(decoding: MIMEHeaderEncoder.unstructured("Subject", "=?utf-8?B?SGk=?="), as: UTF8.self)
        #expect(!field.contains("=?utf-8?B?SGk=?="))
    }

    @Test func shortASCIIParameterIsQuoted() {
        let tokens = MIMEHeaderEncoder.parameterTokens("filename", "Offer \"Q4\".pdf")
        #expect(tokens.map(\.text) == [#"filename="Offer \"Q4\".pdf""#])
    }

    @Test func nonASCIIParameterUsesRFC2231Only() {
        let tokens = MIMEHeaderEncoder.parameterTokens("filename", "Отчёт.pdf")
        #expect(tokens.map(\.text) == ["filename*=utf-8''%D0%9E%D1%82%D1%87%D1%91%D1%82.pdf"])
    }

    @Test func longParameterIsContinued() {
        let tokens = MIMEHeaderEncoder.parameterTokens("filename", String(repeating: "ж", count: 60) + ".txt")
        #expect(tokens.count > 1)
        #expect(tokens[0].text.hasPrefix("filename*0*=utf-8''"))
        #expect(tokens[1].text.hasPrefix("filename*1*="))
        #expect(tokens.allSatisfy { $0.text.count <= 76 })
        let joined = tokens.map { $0.text.split(separator: "=", maxSplits: 1)[1] }.joined()
        #expect(joined.removingPercentEncoding == "utf-8''" + String(repeating: "ж", count: 60) + ".txt")
    }

    /// Each continuation decodes on its own (parsers that decode segment by segment see no broken character).
    @Test(arguments: ["a" + String(repeating: "ж", count: 60), "ab" + String(repeating: "😀", count: 30)])
    func continuationsEndOnCharacterBoundaries(value: String) throws {
        let tokens = MIMEHeaderEncoder.parameterTokens("filename", value)
        #expect(tokens.count > 1)
        for token in tokens {
            var encoded = String(token.text.split(separator: "=", maxSplits: 1)[1])
            if encoded.hasPrefix("utf-8''") { encoded.removeFirst(7) }
            let bytes = try #require(encoded.removingPercentEncoding.map { Array($0.utf8) })
            #expect(String(validating: bytes, as: UTF8.self) != nil)
        }
    }

    @Test func foldsLongAddressListsAt78Columns() {
        var tokens: [MIMEHeaderEncoder.Token] = []
        for index in 0..<20 {
            if !tokens.isEmpty { tokens[tokens.count - 1].text += "," }
            tokens += MIMEHeaderEncoder.mailboxTokens(displayName: "Person \(index)", address: "p\(index)@example.com")
        }
        let text = String(decoding: MIMEHeaderEncoder.field("To", tokens), as: UTF8.self)
        #expect(text.split(separator: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        #expect(text.split(separator: "\r\n").count > 5)
    }
}
