import Foundation
import Testing
import WhatsAppArchiver

/// `archive-daily` over an export of hostile items, generated at test time (the 50 MB text is not committed):
/// header injection in every text field, path traversal in file names and addresses, invalid UTF-8, lone
/// surrogates, 10,000 participants, a 50 MB text, deeply nested JSON, absurd timestamps, zero-byte, missing and
/// size-mismatched attachments. The run completes; each item is archived safely or reported invalid; nothing is
/// written outside the Maildir root; Python's `email` package (Scripts/check-eml.py) finds no defect in any stored
/// message, and no injected header in any part.
@Suite(.serialized)
struct HostileCorpusTests {
    /// What must become of an item.
    enum Outcome {
        /// Stored in its mailbox, and not reported as failed.
        case archived
        /// Stored, and reported as partially imported with this reason.
        case partial(String)
        /// Reported as an invalid item; never stored.
        case invalid
        /// Either archived or reported invalid: the spec leaves the choice to the decoder.
        case archivedOrInvalid
    }

    struct Entry {
        var id: String
        var line: [UInt8]
        var outcome: Outcome
    }

    static let injection = "Hi\r\nBcc: evil@attacker.example\r\nX-Injected: yes\r\n\r\n--boundary\r\n"
    static let mailbox = "alice@contoso.com"

    /// A message from Alice captured at minute `minute` of the window, with `changes` applied on top.
    static func record(_ id: String, minute: Int, _ changes: [String: Any] = [:]) -> [String: Any] {
        let stamp = String(format: "2026-11-23T%02d:%02d:00Z", minute / 60, minute % 60)
        var record: [String: Any] = [
            "id": id, "network": "whatsapp", "kind": "message", "capturedAt": stamp, "sentAt": stamp,
            "owner": ["phone": "+46701234567", "email": mailbox],
            "conversation": ["id": "46701234567@s.whatsapp.net", "type": "individual"],
            "from": ["phone": "+46701234567", "name": "Alice", "email": mailbox], "to": [], "text": "hello",
        ]
        record.merge(changes) { $1 }
        return record
    }

    static func json(_ record: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// `line` with the bytes of its `"text":"hello"` value replaced by `bytes`, which need not be valid.
    static func replacingText(in line: [UInt8], with bytes: [UInt8]) -> [UInt8] {
        let marker = Array(#""text":"hello""#.utf8)
        let start = line.indices.first { line[$0...].starts(with: marker) }!
        return Array(line[..<start]) + Array(#""text":""#.utf8) + bytes + [0x22]
            + Array(line[(start + marker.count)...])
    }

    /// The corpus: one entry per hostile item, in capturedAt order, with the attachment files it refers to.
    static func corpus() -> (entries: [Entry], attachments: [String: [UInt8]]) {
        var entries: [Entry] = []
        var attachments: [String: [UInt8]] = [:]
        var minute = 1
        func add(_ id: String, _ outcome: Outcome, _ changes: [String: Any]) {
            entries.append(Entry(id: id, line: json(record(id, minute: minute, changes)), outcome: outcome))
            minute += 1
        }
        func addRaw(_ id: String, _ outcome: Outcome, _ line: String) {
            entries.append(Entry(id: id, line: Array(line.utf8), outcome: outcome))
            minute += 1
        }
        let stamp = { (minute: Int) in String(format: "2026-11-23T%02d:%02d:00Z", minute / 60, minute % 60) }

        // Header injection in every text field a message shows.
        let injected = injection
        attachments["att-inject"] = Array("x".utf8)
        add(
            "inject-message",
            .archived,
            [
                "from": ["phone": "+46701234567", "name": injected, "email": mailbox],
                "owner": ["phone": "+46701234567", "name": injected, "email": mailbox],
                "to": [["phone": "+4915112345678", "name": injected]],
                "conversation": ["id": "120363025@g.us\r\nX-Injected: yes", "type": "group", "name": injected],
                "text": injected, "replyTo": "wa-1",
                "attachments": [
                    [
                        "id": "att-inject", "fileName": injected, "contentType": "text/plain\r\nX-Injected: yes",
                        "size": 1, "caption": injected,
                    ]
                ],
                "location": ["latitude": 1.5, "longitude": 2.5, "name": injected, "address": injected],
            ]
        )
        add(
            "inject-deletion",
            .archived,
            [
                "kind": "deletion",
                "target": [
                    "id": "wa-1", "text": injected, "attachmentNames": [injected, "../../x"],
                    "scope": "everyone", "readState": "read",
                ],
            ]
        )
        add(
            "inject-edit",
            .archived,
            ["kind": "edit", "target": ["id": "wa-1", "text": injected, "newText": injected]]
        )
        add("inject-reaction", .archived, ["kind": "reaction", "target": ["id": "wa-1", "emoji": injected]])
        add(
            "inject-event",
            .archived,
            [
                "kind": "event",
                "event": [
                    "type": "subject_changed", "actor": ["phone": "+46701234567", "name": injected],
                    "targets": [["phone": "+4915112345678", "name": injected]], "subject": injected,
                    "description": injected,
                ],
            ]
        )
        add(
            "inject-call",
            .archived,
            [
                "kind": "call",
                "call": ["media": "voice", "status": "answered", "startedAt": stamp(30), "durationSeconds": 5],
            ]
        )
        add("inject-unknown-kind", .archived, ["kind": "poll\r\nX-Injected: yes", "poll": ["question": injected]])
        // An id, a replyTo and a target id are printable ASCII: a line break makes the item invalid.
        add("inject-id\r\nX-Injected: yes", .invalid, [:])
        add("inject-reply-to", .invalid, ["replyTo": "wa-1\r\nX-Injected: yes"])
        add("inject-target-id", .invalid, ["kind": "reaction", "target": ["id": "wa-1\r\nBcc: x@example.com"]])
        add("wa-<b>\"';`$(x)", .archived, [:])

        // Path traversal in file names, attachment ids, addresses and conversation ids.
        attachments["att-traversal"] = Array("traversal".utf8)
        add(
            "traversal-names",
            .archived,
            [
                "conversation": ["id": "../../../../etc/passwd", "type": "group", "name": "../../.."],
                "attachments": [
                    [
                        "id": "att-traversal", "fileName": "../../../../etc/passwd", "size": 9,
                        "sha256": SHA256.hexDigest(Array("traversal".utf8)),
                    ],
                    ["id": "att-traversal", "fileName": "..\\..\\windows\\win.ini", "size": 9],
                    ["id": "att-traversal", "fileName": "/etc/shadow\u{0}.pdf", "size": 9],
                ],
            ]
        )
        add("traversal-attachment-id", .invalid, ["attachments": [["id": "../items.jsonl", "size": 1]]])
        add(
            "traversal-addresses",
            .archived,
            [
                "to": [
                    ["phone": "+4915112345670", "email": "../../escape@contoso.com"],
                    ["phone": "+4915112345671", "email": "a/../../b@contoso.com"],
                    ["phone": "+4915112345672", "email": "..@contoso.com"],
                    ["phone": "+4915112345673", "email": "x@../../contoso.com"],
                    ["phone": "+4915112345674", "email": ".archiver-state@contoso.com"],
                    ["phone": "+4915112345675", "email": "a/b@contoso.com"],
                    ["phone": "+4915112345676", "email": "..%2F..%2Fetc@contoso.com"],
                ]
            ]
        )

        // Invalid UTF-8 and lone surrogates.
        entries.append(
            Entry(
                id: "invalid-utf8",
                line: replacingText(
                    in: json(record("invalid-utf8", minute: minute)),
                    with: [0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80]
                ),
                outcome: .invalid
            )
        )
        minute += 1
        let surrogate = String(decoding: json(record("lone-surrogate", minute: minute)), as: UTF8.self)
            .replacingOccurrences(of: "\"text\":\"hello\"", with: #""text":"a\ud800b\udc00c\ud83d""#)
        addRaw("lone-surrogate", .archivedOrInvalid, surrogate)
        let surrogateName = String(decoding: json(record("lone-surrogate-name", minute: minute)), as: UTF8.self)
            .replacingOccurrences(of: "\"name\":\"Alice\"", with: #""name":"\udfff\r\nX-Injected: yes""#)
        addRaw("lone-surrogate-name", .archivedOrInvalid, surrogateName)

        // Crowds and sizes.
        let crowd: [[String: Any]] = (0..<10_000).map { index in
            var party: [String: Any] = ["phone": String(format: "+4670%07d", index), "name": "Member \(index)\r\n"]
            if index % 4000 == 1 { party["email"] = "member\(index)@contoso.com" }
            return party
        }
        add("ten-thousand-participants", .archived, ["conversation": ["id": "1@g.us", "type": "group"], "to": crowd])
        add("long-word", .archived, ["text": String(repeating: "x", count: 200_000)])
        add("control-characters", .archived, ["text": "nul\u{0} bell\u{7} bidi\u{202E}txt.exe del\u{7F} \u{FEFF}bom"])

        // Deep nesting, in an ignored field and in a known one.
        addRaw(
            "deep-nesting",
            .invalid,
            String(String(decoding: json(record("deep-nesting", minute: minute)), as: UTF8.self).dropLast())
                + #","future":"#
                + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        )
        addRaw(
            "deep-nesting-object",
            .invalid,
            String(String(decoding: json(record("deep-nesting-object", minute: minute)), as: UTF8.self).dropLast())
                + #","location":"# + String(repeating: #"{"a":"#, count: 50_000) + "1"
                + String(repeating: "}", count: 50_000) + "}"
        )

        // Absurd timestamps and numbers.
        for (index, sentAt) in [
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "2026-02-30T00:00:00Z", "2026-11-23T25:61:61Z",
            "+275760-09-13T00:00:00Z", "2026-12-31T23:59:60Z",
            "2026-11-23T10:15:00.\(String(repeating: "9", count: 500))Z",
            "1970-01-01T00:00:00-23:59", "9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59",
        ].enumerated() {
            add("absurd-sent-\(index)", .archivedOrInvalid, ["sentAt": sentAt])
        }
        add(
            "absurd-call",
            .archivedOrInvalid,
            [
                "kind": "call",
                "call": [
                    "media": "video", "status": "answered", "startedAt": "9999-12-31T23:59:59Z",
                    "durationSeconds": 9_223_372_036_854_775_807,
                ],
            ]
        )
        add("absurd-coordinates", .archivedOrInvalid, ["location": ["latitude": 1e308, "longitude": -1e308]])
        add("negative-duration", .archivedOrInvalid, ["kind": "call", "call": ["durationSeconds": -1]])

        // Attachments: empty, missing, and not what they claim.
        attachments["att-empty"] = []
        add(
            "zero-byte-attachment",
            .archived,
            [
                "attachments": [
                    ["id": "att-empty", "fileName": "empty.txt", "size": 0, "sha256": SHA256.hexDigest([UInt8]())]
                ]
            ]
        )
        attachments["att-short"] = Array(repeating: 0x41, count: 50)
        add("size-too-large", .partial("attachment_integrity"), ["attachments": [["id": "att-short", "size": 100]]])
        add("size-too-small", .partial("attachment_integrity"), ["attachments": [["id": "att-short", "size": 10]]])
        add(
            "wrong-digest",
            .partial("attachment_integrity"),
            ["attachments": [["id": "att-short", "size": 50, "sha256": String(repeating: "0", count: 64)]]]
        )
        add("missing-attachment", .partial("attachment_missing"), ["attachments": [["id": "att-nowhere", "size": 5]]])
        add(
            "absurd-size",
            .archivedOrInvalid,
            ["attachments": [["id": "att-short", "size": 1e300]]]
        )

        // Not JSON at all, and JSON that is not an item.
        addRaw("not-json", .invalid, "{\"id\":\"not-json\", \u{1}")
        addRaw("array-line", .invalid, "[\"id\", \"array-line\"]")
        add("null-fields", .invalid, ["from": NSNull(), "to": NSNull()])

        // A 50 MB text: over the decoder's record limit, reported without being held in memory.
        let huge = replacingText(
            in: json(record("fifty-megabytes", minute: minute)),
            with: Array(repeating: 0x61, count: 50 << 20)
        )
        entries.append(Entry(id: "fifty-megabytes", line: huge, outcome: .invalid))
        minute += 1
        return (entries, attachments)
    }

    @Test(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed for the EML oracle"))
    func everyHostileItemIsArchivedSafelyOrReportedInvalidAndNothingEscapesTheRoot() throws {
        let (entries, attachments) = Self.corpus()
        let scratch = try Fixtures.scratchDirectory()
        let export = scratch + "/export"
        try FileManager.default.createDirectory(atPath: export + "/attachments", withIntermediateDirectories: true)
        var items: [UInt8] = []
        for entry in entries { items += entry.line + [0x0A] }
        try Data(items).write(to: URL(fileURLWithPath: export + "/items.jsonl"))
        for (id, bytes) in attachments {
            try Data(bytes).write(to: URL(fileURLWithPath: export + "/attachments/" + id))
        }
        let maildir = scratch + "/archive"
        let result = try ArchiveInspection.run(
            [
                "--export", export, "--maildir", maildir, "--domain", "contoso.com", "--report",
                scratch + "/report.json",
            ] + ArchiveDailyEndToEndTests.window,
            timeout: 300
        )
        #expect(!result.timedOut)
        try #require(result.status == 0, "\(result.errors)")

        let report = try ArchiveDailyEndToEndTests.report(scratch + "/report.json")
        let failures = report["failures"] as? [[String: Any]] ?? []
        let partials = report["partials"] as? [[String: Any]] ?? []
        #expect(report["itemsFromSource"] as? Int == entries.count)
        let counted = ["imported", "partiallyImported", "skippedDuplicates", "failed"].map { report[$0] as? Int ?? -1 }
        #expect(counted.reduce(0, +) == report["itemsForImport"] as? Int)

        let stored = try ArchiveInspection.storedPairs(in: maildir)
        let storedIDs = Set(stored.keys.map { String($0[..<$0.lastIndex(of: " ")!]) })
        for (line, entry) in entries.enumerated() {
            let position = "items.jsonl line \(line + 1):"
            let failed = failures.contains {
                ($0["itemId"] as? String == entry.id || ($0["detail"] as? String)?.hasPrefix(position) == true)
                    && $0["reason"] as? String == "invalid_item"
            }
            let isStored = storedIDs.contains(entry.id)
            switch entry.outcome {
            case .archived:
                #expect(isStored && !failed, "\(entry.id) should be archived")
                #expect(stored["\(entry.id) \(Self.mailbox)"] == 1, "\(entry.id) should be in \(Self.mailbox) once")
            case .partial(let reason):
                #expect(isStored, "\(entry.id) should be archived")
                #expect(partials.contains { $0["itemId"] as? String == entry.id && $0["reason"] as? String == reason })
            case .invalid:
                #expect(failed && !isStored, "\(entry.id) should be reported invalid")
            case .archivedOrInvalid:
                #expect(isStored != failed, "\(entry.id) should be either archived or reported invalid")
            }
        }

        // Nothing outside the root; inside it, only lower-case mailbox directories and the state directory.
        #expect(
            Set(try FileManager.default.contentsOfDirectory(atPath: scratch)) == ["export", "archive", "report.json"]
        )
        for name in try FileManager.default.contentsOfDirectory(atPath: maildir) where name != ".archiver-state" {
            #expect(name.contains("@") && name == name.lowercased() && !name.hasPrefix("."), "\(name) in the root")
            #expect(
                Set(try FileManager.default.contentsOfDirectory(atPath: maildir + "/" + name))
                    .isSubset(of: ["cur", "new", "tmp", ".WhatsApp Archiver", "subscriptions"]),
                "\(name) holds something a Maildir does not"
            )
        }
        #expect(ArchiveInspection.temporaryFiles(in: maildir).isEmpty)
        try Self.expectPythonFindsNoDefect(in: maildir, scratch: scratch)
    }

    /// Copies every stored message as a CRLF `.eml` and runs Scripts/check-eml.py over them, then checks with
    /// Python's parser that no part of any message has an injected header.
    static func expectPythonFindsNoDefect(in maildir: String, scratch: String) throws {
        let corpus = scratch + "/eml"
        try FileManager.default.createDirectory(atPath: corpus, withIntermediateDirectories: true)
        var count = 0
        for (_, files) in try ArchiveDailyEndToEndTests.messages(in: maildir) {
            for file in files {
                var crlf: [UInt8] = []
                for byte in try Data(contentsOf: URL(fileURLWithPath: file)) {
                    if byte == 0x0A { crlf.append(0x0D) }
                    crlf.append(byte)
                }
                count += 1
                try Data(crlf).write(to: URL(fileURLWithPath: corpus + "/\(count).eml"))
            }
        }
        #expect(count > 0)
        let checker = try python([checkEMLScript, corpus])
        #expect(checker.status == 0, "check-eml found defects:\n\(checker.output)")
        let injected = try python(["-c", injectionCheck, corpus])
        #expect(injected.status == 0, "\(injected.output)")
        try FileManager.default.removeItem(atPath: corpus)
    }

    static let checkEMLScript = URL(fileURLWithPath: Fixtures.fakeServerScript).deletingLastPathComponent()
        .appendingPathComponent("check-eml.py").path

    static let injectionCheck = """
        import email, email.policy, os, sys
        bad = []
        for name in sorted(os.listdir(sys.argv[1])):
            message = email.message_from_bytes(open(os.path.join(sys.argv[1], name), "rb").read(), policy=email.policy.default)
            for part in message.walk():
                for key in part.keys():
                    if key.lower() in ("bcc", "x-injected"):
                        bad.append(name + ": injected header " + key)
        print("\\n".join(bad[:20]))
        sys.exit(1 if bad else 0)
        """

    static func python(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
