import Foundation
import TeleMessage
import Testing
import WhatsAppArchiver

struct ItemDecoderTests {
    let decoder = ItemDecoder()

    func decode(_ record: [String: Any]) -> ItemDecoder.Outcome {
        decoder.decode(RecordBuilder.bytes(record), position: "items.jsonl line 7")
    }

    func decodedItem(_ record: [String: Any]) throws -> Item {
        switch decode(record) {
        case .item(let item): return item
        case .invalid(let invalid): throw InvalidError(invalid: invalid)
        }
    }

    func invalid(_ bytes: [UInt8]) -> InvalidRecord? {
        if case .invalid(let record) = decoder.decode(bytes, position: "page 3 item 12") { return record }
        return nil
    }

    struct InvalidError: Error { var invalid: InvalidRecord }

    // MARK: - Every field

    @Test func decodesEveryFieldOfAMessage() throws {
        let item = try decodedItem(RecordBuilder.fullMessage())
        #expect(item.id == "wa-3EB0C4F1A2")
        #expect(item.network == .whatsapp)
        #expect(item.captureMode == .phone)
        #expect(item.kind == .message)
        #expect(RFC3339.format(item.capturedAt) == "2026-11-23T10:15:02.120Z")
        #expect(RFC3339.format(item.sentAt) == "2026-11-23T10:15:00Z")
        #expect(item.owner == Party(phone: "+46701234567", name: "Alice Andersson", email: "alice@contoso.com"))
        #expect(item.conversation == Conversation(id: "120363025@g.us", type: .group, name: "Sales Group"))
        #expect(item.from.phone == "+46701234567")
        #expect(
            item.to == [
                Party(phone: "+4915112345678", name: "Bernd"), Party(phone: "+12124325249", email: "carol@contoso.com"),
            ]
        )
        #expect(item.text == "Offer attached 📎")
        #expect(item.replyTo == "wa-3EB0C4F0FF")
        #expect(item.forwarded)
        #expect(
            item.location
                == Location(latitude: 59.3293, longitude: 18.0686, name: "Stockholm", address: "Drottninggatan 1")
        )
        #expect(item.rawJSON == nil)
        let attachment = try #require(item.attachments.first)
        #expect(attachment.id == "att-91")
        #expect(attachment.fileName == "Offer Q4.pdf")
        #expect(attachment.contentType == "application/pdf")
        #expect(attachment.size == 48213)
        #expect(attachment.sha256 == String(repeating: "ab", count: 32))
        #expect(attachment.kind == .document)
        #expect(attachment.caption == "Q4")
    }

    @Test func defaultsOfOptionalFields() throws {
        var record = RecordBuilder.minimalMessage()
        record["attachments"] = [["id": "a1", "size": 0]]
        let item = try decodedItem(record)
        #expect(item.captureMode == nil)
        #expect(item.text == nil)
        #expect(item.replyTo == nil)
        #expect(item.forwarded == false)
        #expect(item.location == nil)
        #expect(item.call == nil && item.target == nil && item.event == nil)
        #expect(item.conversation.name == nil)
        #expect(item.to.isEmpty)
        #expect(item.attachments.first?.contentType == "application/octet-stream")
        #expect(item.attachments.first?.sha256 == nil)
        #expect(item.attachments.first?.kind == nil)
    }

    @Test func nullMeansAbsent() throws {
        var record = RecordBuilder.minimalMessage()
        for field in ["captureMode", "text", "replyTo", "forwarded", "attachments", "location", "call", "target"] {
            record[field] = NSNull()
        }
        record["owner"] = ["phone": "+46701234567", "name": NSNull(), "email": NSNull()]
        let item = try decodedItem(record)
        #expect(item.text == nil && item.owner.name == nil && item.owner.email == nil && item.attachments.isEmpty)
    }

    @Test func ignoresUnknownFieldsAtEveryLevel() throws {
        var record = RecordBuilder.fullMessage()
        record["x-vendor"] = ["nested": [["deep": true]]]
        record = RecordBuilder.changing(record, "from.futurePartyField", to: "42")
        record = RecordBuilder.changing(record, "attachments.0.thumbnail", to: #"{"w":1}"#)
        #expect(try decodedItem(record).id == "wa-3EB0C4F1A2")
    }

    @Test func decodesACall() throws {
        var record = RecordBuilder.minimalMessage()
        record["kind"] = "call"
        record["attachments"] = [["id": "rec-1", "size": 10, "kind": "audio"]]
        record["call"] = [
            "media": "video", "status": "missed", "startedAt": "2026-11-23T10:14:00Z", "durationSeconds": 0,
            "recordingAttachmentId": "rec-1",
        ]
        let call = try #require(try decodedItem(record).call)
        #expect(call.media == .video)
        #expect(call.status == .missed)
        #expect(call.startedAt == RFC3339.parse("2026-11-23T10:14:00Z"))
        #expect(call.durationSeconds == 0)
        #expect(call.recordingAttachmentID == "rec-1")
    }

    @Test func decodesADeletion() throws {
        var record = RecordBuilder.minimalMessage()
        record["kind"] = "deletion"
        record["target"] = [
            "id": "wa-1", "sentAt": "2026-11-23T09:00:00Z", "text": "the deleted text",
            "attachmentNames": ["a.pdf", "b.jpg"], "scope": "everyone", "readState": "unread",
        ]
        let target = try #require(try decodedItem(record).target)
        #expect(target.id == "wa-1")
        #expect(target.sentAt == RFC3339.parse("2026-11-23T09:00:00Z"))
        #expect(target.text == "the deleted text")
        #expect(target.attachmentNames == ["a.pdf", "b.jpg"])
        #expect(target.scope == .everyone)
        #expect(target.readState == .unread)
    }

    @Test func decodesAnEditAndAReaction() throws {
        var edit = RecordBuilder.minimalMessage()
        edit["kind"] = "edit"
        edit["target"] = ["id": "wa-1", "text": "before", "newText": "after"]
        let editTarget = try #require(try decodedItem(edit).target)
        #expect(editTarget.text == "before" && editTarget.newText == "after")

        var reaction = RecordBuilder.minimalMessage()
        reaction["kind"] = "reaction"
        reaction["target"] = ["id": "wa-1", "emoji": "👍🏽"]
        #expect(try decodedItem(reaction).target?.emoji == "👍🏽")
        reaction["target"] = ["id": "wa-1", "emoji": ""]
        #expect(try decodedItem(reaction).target?.emoji == "")
    }

    @Test func decodesAnEvent() throws {
        var record = RecordBuilder.minimalMessage()
        record["kind"] = "event"
        record["event"] = [
            "type": "subject_changed", "actor": ["phone": "+46701234567", "name": "Alice"],
            "targets": [["phone": "+4915112345678"]], "subject": "New subject", "description": "Alice changed it",
        ]
        let event = try #require(try decodedItem(record).event)
        #expect(event.type == .subjectChanged)
        #expect(event.actor == Party(phone: "+46701234567", name: "Alice"))
        #expect(event.targets == [Party(phone: "+4915112345678")])
        #expect(event.subject == "New subject")
        #expect(event.description == "Alice changed it")
    }

    @Test func keepsAnUnknownKindWithItsExactJSON() throws {
        let text =
            #"{"id":"p-1","network":"whatsapp","kind":"poll","capturedAt":"2026-11-23T10:15:02Z","#
            + #""sentAt":"2026-11-23T10:15:00Z","owner":{"phone":"+46701234567"},"#
            + #""conversation":{"id":"g@g.us","type":"group"},"from":{"phone":"+46701234567"},"to":[],"#
            + #""poll":{"question":"Lunch?","options":["A","B"]}}"#
        guard case .item(let item) = decoder.decode(Array((text + "\r").utf8), position: "line 1") else {
            Issue.record("an unknown kind must be kept")
            return
        }
        #expect(item.kind == ItemKind(rawValue: "poll"))
        #expect(!item.kind.isKnown)
        #expect(item.rawJSON == text)
    }

    @Test func keepsUnknownEnumerationValues() throws {
        var record = RecordBuilder.minimalMessage()
        record["network"] = "signal"
        record["captureMode"] = "satellite"
        record["conversation"] = ["id": "c", "type": "community"]
        record["attachments"] = [["id": "a", "size": 1, "kind": "hologram"]]
        let item = try decodedItem(record)
        #expect(item.network.rawValue == "signal")
        #expect(item.captureMode?.rawValue == "satellite")
        #expect(item.conversation.type.rawValue == "community")
        #expect(item.attachments.first?.kind?.rawValue == "hologram")
    }

    @Test func keepsHostileDisplayTextAsData() throws {
        var record = RecordBuilder.minimalMessage()
        record["from"] = ["phone": "+46701234567", "name": "Eve\r\nBcc: x@evil.example\u{0}\u{202E}"]
        #expect(try decodedItem(record).from.name == "Eve\r\nBcc: x@evil.example\u{0}\u{202E}")
    }

    @Test(arguments: [
        "2026-11-23T10:15:00Z", "2026-11-23T10:15:00.1Z", "2026-11-23T10:15:00.123456789Z", "2026-11-23T12:15:00+02:00",
    ])
    func acceptsRFC3339Timestamps(_ timestamp: String) throws {
        var record = RecordBuilder.minimalMessage()
        record["sentAt"] = timestamp
        #expect(try decodedItem(record).sentAt == RFC3339.parse(timestamp))
    }

    // MARK: - Every malformed case

    @Test(arguments: [
        "id", "network", "kind", "capturedAt", "sentAt", "owner", "conversation", "from", "to", "owner.phone",
        "from.phone", "to.0.phone", "conversation.id", "conversation.type", "attachments.0.id", "attachments.0.size",
        "location.latitude", "location.longitude",
    ])
    func missingRequiredFieldIsInvalid(_ path: String) {
        for value: String? in [nil, "null"] {
            let record = RecordBuilder.changing(RecordBuilder.fullMessage(), path, to: value)
            guard case .invalid(let invalid) = decode(record) else {
                Issue.record("\(path) = \(value ?? "absent") should be invalid")
                continue
            }
            let field = path.replacingOccurrences(of: ".0.", with: "[0].")
            #expect(invalid.reason == "missing required field \"\(field)\"")
            #expect(invalid.position == "items.jsonl line 7")
            #expect(invalid.itemID == (path == "id" ? nil : "wa-3EB0C4F1A2"))
        }
    }

    @Test(arguments: [
        ("call", "call"), ("deletion", "target"), ("edit", "target"), ("reaction", "target"), ("event", "event"),
    ])
    func kindSpecificObjectIsRequired(kind: String, field: String) {
        var record = RecordBuilder.minimalMessage()
        record["kind"] = kind
        guard case .invalid(let invalid) = decode(record) else {
            Issue.record("a \(kind) without \(field) should be invalid")
            return
        }
        #expect(invalid.reason.hasPrefix("missing required field \"\(field)\""))
    }

    @Test(
        arguments: [
            ("target.id", nil, "missing required field \"target.id\""),
            ("event.type", nil, "missing required field \"event.type\""),
            (
                "event.actor.phone", "\"12\"",
                "invalid phone \"12\" in \"event.actor.phone\": expected E.164, + and 6 to 15 digits"
            ),
            ("event.targets.0.phone", "5", "\"event.targets[0].phone\" must be a string, not a number"),
        ] as [(String, String?, String)]
    )
    func nestedKindObjectsAreChecked(path: String, value: String?, reason: String) {
        var record = RecordBuilder.minimalMessage()
        record["kind"] = "event"
        record["event"] = [
            "type": "participant_added", "actor": ["phone": "+46701234567"], "targets": [["phone": "+4915112345678"]],
        ]
        record["target"] = ["id": "wa-1"]
        let changed = RecordBuilder.changing(record, path, to: value)
        guard case .invalid(let invalid) = decode(changed) else {
            Issue.record("\(path) should make the record invalid")
            return
        }
        #expect(invalid.reason == reason)
    }

    @Test(
        arguments: [
            ("id", "\"\"", "invalid id \"\" in \"id\": an id has 1 to 256 printable ASCII characters"),
            (
                "id", "\"has space\"",
                "invalid id \"has space\" in \"id\": an id has 1 to 256 printable ASCII characters"
            ),
            ("id", "\"wa-é\"", "invalid id \"wa-é\" in \"id\": an id has 1 to 256 printable ASCII characters"),
            ("id", "42", "\"id\" must be a string, not a number"),
            (
                "replyTo", "\"a\\nb\"",
                "invalid id \"a\\u{a}b\" in \"replyTo\": an id has 1 to 256 printable ASCII characters"
            ),
            ("network", "\"\"", "\"network\" is empty"),
            ("kind", "\"\"", "\"kind\" is empty"),
            ("kind", "[\"message\"]", "\"kind\" must be a string, not an array"),
            (
                "capturedAt", "\"2026-11-23 10:15\"",
                "invalid timestamp \"2026-11-23 10:15\" in \"capturedAt\": expected RFC 3339, for example 2026-11-23T10:15:00Z"
            ),
            (
                "sentAt", "\"2026-02-30T10:15:00Z\"",
                "invalid timestamp \"2026-02-30T10:15:00Z\" in \"sentAt\": expected RFC 3339, for example 2026-11-23T10:15:00Z"
            ),
            ("sentAt", "1700000000", "\"sentAt\" must be a string, not a number"),
            ("owner", "\"+46701234567\"", "\"owner\" must be an object, not a string"),
            ("from.phone", "\"+12\"", "invalid phone \"+12\" in \"from.phone\": expected E.164, + and 6 to 15 digits"),
            (
                "from.phone", "\"46701234567\"",
                "invalid phone \"46701234567\" in \"from.phone\": expected E.164, + and 6 to 15 digits"
            ),
            (
                "from.phone", "\"+1234567890123456\"",
                "invalid phone \"+1234567890123456\" in \"from.phone\": expected E.164, + and 6 to 15 digits"
            ),
            (
                "to.1.phone", "\"+1 212 432\"",
                "invalid phone \"+1 212 432\" in \"to[1].phone\": expected E.164, + and 6 to 15 digits"
            ),
            ("to", "{}", "\"to\" must be an array, not an object"),
            ("to.0", "\"Bernd\"", "\"to[0]\" must be an object, not a string"),
            ("from.name", "7", "\"from.name\" must be a string, not a number"),
            ("text", "true", "\"text\" must be a string, not a boolean"),
            ("forwarded", "\"yes\"", "\"forwarded\" must be true or false, not a string"),
            ("conversation.type", "\"\"", "\"conversation.type\" is empty"),
            ("attachments", "{}", "\"attachments\" must be an array, not an object"),
            (
                "attachments.0.id", "\"../etc/passwd\"",
                "invalid attachment id \"../etc/passwd\" in \"attachments[0].id\": an attachment id matches [A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
            ),
            (
                "attachments.0.id", "\".hidden\"",
                "invalid attachment id \".hidden\" in \"attachments[0].id\": an attachment id matches [A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
            ),
            ("attachments.0.size", "-1", "\"attachments[0].size\" must be a whole number of at least 0, not \"-1\""),
            ("attachments.0.size", "1.5", "\"attachments[0].size\" must be a whole number of at least 0, not \"1.5\""),
            (
                "attachments.0.size", "99999999999999999999",
                "\"attachments[0].size\" must be a whole number of at least 0, not \"99999999999999999999\""
            ),
            ("attachments.0.size", "\"10\"", "\"attachments[0].size\" must be a number, not a string"),
            (
                "attachments.0.sha256", "\"ABCD\"",
                "invalid digest \"ABCD\" in \"attachments[0].sha256\": expected 64 lowercase hexadecimal digits"
            ),
            ("location.latitude", "91", "\"location.latitude\" must be a number from -90.0 to 90.0, not \"91\""),
            ("location.longitude", "\"18\"", "\"location.longitude\" must be a number, not a string"),
        ] as [(String, String?, String)]
    )
    func malformedFieldIsInvalidWithItsReason(path: String, value: String?, reason: String) {
        let record = RecordBuilder.changing(RecordBuilder.fullMessage(), path, to: value)
        guard case .invalid(let invalid) = decode(record) else {
            Issue.record("\(path) = \(value ?? "absent") should be invalid")
            return
        }
        #expect(invalid.reason == reason)
    }

    @Test func callFieldsAreChecked() {
        var record = RecordBuilder.minimalMessage()
        record["kind"] = "call"
        for (call, reason) in [
            (["durationSeconds": -5], "\"call.durationSeconds\" must be a whole number of at least 0, not \"-5\""),
            (
                ["startedAt": "yesterday"],
                "invalid timestamp \"yesterday\" in \"call.startedAt\": expected RFC 3339, for example 2026-11-23T10:15:00Z"
            ),
            (
                ["recordingAttachmentId": "a/b"],
                "invalid attachment id \"a/b\" in \"call.recordingAttachmentId\": an attachment id matches [A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
            ),
        ] as [([String: Any], String)] {
            record["call"] = call
            guard case .invalid(let invalid) = decode(record) else {
                Issue.record("\(call) should be invalid")
                continue
            }
            #expect(invalid.reason == reason)
        }
    }

    @Test func deletionAttachmentNamesMustBeStrings() {
        var record = RecordBuilder.minimalMessage()
        record["kind"] = "deletion"
        record["target"] = ["id": "wa-1", "attachmentNames": ["a.pdf", 3]]
        guard case .invalid(let invalid) = decode(record) else {
            Issue.record("a number in attachmentNames should be invalid")
            return
        }
        #expect(invalid.reason == "\"target.attachmentNames[1]\" must be a string, not a number")
    }

    @Test func anIDOf256CharactersIsTheLongestAccepted() throws {
        var record = RecordBuilder.minimalMessage()
        record["id"] = String(repeating: "~", count: 256)
        #expect(try decodedItem(record).id.count == 256)
        record["id"] = String(repeating: "~", count: 257)
        #expect(invalid(RecordBuilder.bytes(record)) != nil)
    }

    // MARK: - Hostile bytes

    @Test(arguments: [
        ("", "not valid JSON: the text ends early at byte 1"),
        ("   ", "not valid JSON: the text ends early at byte 4"),
        ("not json", "not valid JSON: unexpected character at byte 1"),
        ("{\"id\": \"a\",}", "not valid JSON: expected a quoted member name at byte 12"),
        ("{\"id\": \"a\"", "not valid JSON: the text ends early at byte 11"),
        ("{\"id\": \"a\"} {}", "not valid JSON: unexpected text after the JSON value at byte 13"),
        ("{\"id\": 01}", "not valid JSON: expected \",\" or \"}\" at byte 9"),
        ("{\"size\": 1e}", "not valid JSON: invalid number at byte 12"),
        ("{\"size\": -}", "not valid JSON: invalid number at byte 11"),
        ("{\"size\": 1.}", "not valid JSON: invalid number at byte 12"),
        ("{\"id\": \"a\tb\"}", "not valid JSON: a control character must be escaped in a string at byte 10"),
        ("{\"id\": \"\\x\"}", "not valid JSON: invalid escape sequence at byte 10"),
        ("{\"id\": \"\\u12\"}", "not valid JSON: \\u must be followed by four hexadecimal digits at byte 13"),
        ("[1, 2]", "the record is not a JSON object"),
        ("\"text\"", "the record is not a JSON object"),
        ("{\"id\": \"a\", \"id\": \"b\"}", "the field \"id\" appears twice"),
        // A member name from the input is escaped in the reason, which is one line (a fuzzer finding).
        ("{\"\\r\\n\": 1, \"\\r\\n\": 2}", "the field \"\\u{d}\\u{a}\" appears twice"),
        ("{\"id\": NaN}", "not valid JSON: unexpected character at byte 8"),
        ("{\"id\": tru}", "not valid JSON: unexpected character at byte 8"),
    ])
    func malformedJSONIsInvalid(text: String, reason: String) {
        let record = invalid(Array(text.utf8))
        #expect(record?.reason == reason)
        #expect(record?.position == "page 3 item 12")
    }

    @Test(arguments: [
        ([0x7B, 0x22, 0x69, 0x64, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D] as [UInt8], 8),  // a byte never in UTF-8
        ([0x7B, 0x22, 0xC3, 0x22, 0x7D], 3),  // a truncated sequence
        ([0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x7D], 3),  // an overlong "/"
        ([0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x7D], 3),  // an encoded UTF-16 surrogate
        ([0x7B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x7D], 3),  // past U+10FFFF
    ])
    func invalidUTF8IsInvalid(bytes: [UInt8], offset: Int) {
        #expect(invalid(bytes)?.reason == "not valid UTF-8 at byte \(offset)")
    }

    @Test func duplicateNamesInNestedObjectsAreInvalid() {
        var record = RecordBuilder.minimalMessage()
        record["from"] = ["phone": "+46701234567", "name": "PLACEHOLDER"]
        let text = String(decoding: RecordBuilder.bytes(record), as: UTF8.self)
            .replacingOccurrences(of: "\"PLACEHOLDER\"", with: "\"Alice\", \"phone\": \"+46701234568\"")
        #expect(invalid(Array(text.utf8))?.reason == "the field \"from.phone\" appears twice")
    }

    @Test func anExponentIsNotAWholeNumber() {
        var record = RecordBuilder.minimalMessage()
        record["attachments"] = [["id": "a", "size": 7]]
        let text = String(decoding: RecordBuilder.bytes(record), as: UTF8.self)
            .replacingOccurrences(of: "\"size\":7", with: "\"size\":1e3")
        #expect(
            invalid(Array(text.utf8))?.reason
                == "\"attachments[0].size\" must be a whole number of at least 0, not \"1e3\""
        )
    }

    @Test func loneSurrogateEscapesAreInvalid() {
        for escape in ["\\uD800", "\\uDC00", "\\uD800\\u0041", "\\uD83D"] {
            var record = RecordBuilder.minimalMessage()
            record["text"] = "PLACEHOLDER"
            let text = String(decoding: RecordBuilder.bytes(record), as: UTF8.self)
                .replacingOccurrences(of: "PLACEHOLDER", with: "x" + escape + "y")
            #expect(
                invalid(Array(text.utf8))?.reason.hasPrefix("\"text\" holds a lone surrogate escape") == true,
                "\(escape)"
            )
        }
    }

    @Test func escapesAreDecoded() throws {
        var record = RecordBuilder.minimalMessage()
        record["text"] = "PLACEHOLDER"
        let text = String(decoding: RecordBuilder.bytes(record), as: UTF8.self)
            .replacingOccurrences(of: "PLACEHOLDER", with: #"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00\u0000"#)
        guard case .item(let item) = decoder.decode(Array(text.utf8), position: "x") else {
            Issue.record("valid escapes should decode")
            return
        }
        #expect(item.text == "\"\\/\u{8}\u{C}\n\r\té😀\u{0}")
    }

    @Test func deepNestingIsInvalidWithoutCrashing() {
        let depth = 100_000
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        #expect(invalid(Array(text.utf8))?.reason == "not valid JSON: nesting deeper than 64 levels at byte 65")
        var record = RecordBuilder.minimalMessage()
        record["unknown"] = "PLACEHOLDER"
        let nested = String(decoding: RecordBuilder.bytes(record), as: UTF8.self)
            .replacingOccurrences(
                of: "\"PLACEHOLDER\"",
                with: String(repeating: "{\"a\":", count: 70) + "1" + String(repeating: "}", count: 70)
            )
        #expect(invalid(Array(nested.utf8))?.reason.contains("nesting deeper than 64 levels") == true)
    }

    @Test func recordsOverTheSizeLimitAreInvalid() {
        var configuration = ItemDecoder.Configuration()
        configuration.maximumRecordBytes = 1000
        let small = ItemDecoder(configuration: configuration)
        var record = RecordBuilder.minimalMessage()
        record["text"] = String(repeating: "x", count: 2000)
        guard case .invalid(let invalid) = small.decode(RecordBuilder.bytes(record), position: "x") else {
            Issue.record("an oversized record should be invalid")
            return
        }
        #expect(invalid.reason.hasPrefix("the record is 2"))
        #expect(invalid.reason.hasSuffix("bytes long, more than the limit of 1000"))
    }

    @Test func hugeStringsDecode() throws {
        var record = RecordBuilder.minimalMessage()
        record["text"] = String(repeating: "é", count: 2_000_000)
        #expect(try decodedItem(record).text?.count == 2_000_000)
    }

    @Test func reportsTheExcerptOfHostileValuesSafely() {
        let record = RecordBuilder.changing(
            RecordBuilder.fullMessage(),
            "from.phone",
            to: "\"+1\\r\\nInjected: yes" + String(repeating: "9", count: 100) + "\""
        )
        guard case .invalid(let invalid) = decode(record) else {
            Issue.record("expected invalid")
            return
        }
        #expect(!invalid.reason.contains("\r") && !invalid.reason.contains("\n"))
        #expect(invalid.reason.contains("…"))
    }
}
