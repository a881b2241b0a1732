import Testing

@testable import TeleMessage

struct JSONTapeTests {
    /// A page is tokenised down to its items only; one item's bad string (a lone surrogate, invalid UTF-8) does
    /// not make the page unreadable, and each item's exact text is available to decode on its own.
    @Test func aPageKeepsItsItemsWhole() throws {
        let good = #"{"a":[1,2,{"b":"\u00e9"}]}"#
        let surrogate = #"{"c":"\uD800"}"#
        let page: [UInt8] =
            Array(#"{"items":["#.utf8) + Array(good.utf8) + Array(",".utf8) + Array(surrogate.utf8)
            + Array(#",{"d":""#.utf8) + [0xFF] + Array(#""}],"nextCursor":null}"#.utf8)
        let document = try JSONDocument(bytes: page, maximumDepth: 66, recordingDepth: 2)
        let members = document.members(0)
        #expect(members.count == 2)
        #expect(try document.string(members[0].name) == "items")
        let items = document.elements(members[0].value)
        #expect(items.count == 3)
        #expect(document.text(items[0]) == Array(good.utf8))
        #expect(document.text(items[1]) == Array(surrogate.utf8))
        #expect(document.tape.tokens.count == 8, "root, two names, the array, three items, null")

        let decoder = ItemDecoder()
        guard case .invalid(let second) = decoder.decode(document.text(items[1]), position: "page 1 item 2"),
            case .invalid(let third) = decoder.decode(document.text(items[2]), position: "page 1 item 3")
        else {
            Issue.record("both bad items should be invalid")
            return
        }
        // The lone surrogate sits in a field the decoder ignores: the record is invalid for what it lacks.
        #expect(second.reason == "missing required field \"id\"")
        #expect(third.reason == "not valid UTF-8 at byte 7")
    }

    @Test func aShallowParseStillChecksTheWholeSyntax() {
        let broken = Array(#"{"items":[{"a":[1,2,}]}],"nextCursor":null}"#.utf8)
        #expect(throws: JSONTape.SyntaxError.self) {
            _ = try JSONDocument(bytes: broken, maximumDepth: 66, recordingDepth: 2)
        }
        let deep = Array(
            ("{\"items\":[" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "]}").utf8
        )
        #expect(throws: JSONTape.SyntaxError.self) {
            _ = try JSONDocument(bytes: deep, maximumDepth: 66, recordingDepth: 2)
        }
    }

    @Test func tokensStayCompact() {
        #expect(MemoryLayout<JSONTape.Token>.stride <= 20)
    }
}
