import Foundation
import TeleMessage
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

struct ExportDirectorySourceTests {
    func source(_ directory: String = Fixtures.exportDirectory) throws -> TeleMessageSource {
        try TeleMessageSource(exportDirectory: directory)
    }

    @Test(arguments: [1, 2, 3, 7, 500])
    func readsTheWindowWhateverThePageSize(limit: Int) async throws {
        let source = try source()
        let result = try await Fixtures.readAll(source, limit: limit)
        #expect(result.items.map(\.id) == Fixtures.itemIDs)
        #expect(result.invalid.map(\.position) == ["items.jsonl line 5", "items.jsonl line 14"])
        #expect(result.invalid.map(\.itemID) == [nil, "wa-010"])
        #expect(result.invalid[0].reason.hasPrefix("not valid JSON: the text ends early"))
        #expect(result.invalid[1].reason.hasPrefix("invalid phone \"+12\" in \"from.phone\""))
        if limit == 1 { #expect(result.pages >= 12) }
        await source.close()
    }

    /// The source reads the next page ahead over a saved export; a request for anything else (a restart, another
    /// limit) is answered exactly as a source without a read-ahead would, and closing with a read-ahead under way
    /// neither hangs nor leaves anything behind.
    @Test func aRequestForAnotherPageThanTheOneReadAheadIsAnsweredExactly() async throws {
        let reference = try source()
        let first = try await reference.fetchPage(PageRequest(window: Fixtures.window, limit: 3))
        let second = try await reference.fetchPage(
            PageRequest(window: Fixtures.window, cursor: first.nextCursor, limit: 2)
        )
        await reference.close()
        #expect(first.nextCursor != nil, "a next page, which the source reads ahead")
        #expect(!second.items.isEmpty)

        let source = try source()
        _ = try await source.fetchPage(PageRequest(window: Fixtures.window, limit: 3))
        // The page after it is being read ahead (limit 3); a restart asks for the first page again.
        let restarted = try await source.fetchPage(PageRequest(window: Fixtures.window, limit: 3))
        #expect(restarted.items.map(\.id) == first.items.map(\.id))
        #expect(restarted.nextCursor == first.nextCursor)
        // Another limit than the page read ahead: what was asked for.
        let other = try await source.fetchPage(
            PageRequest(window: Fixtures.window, cursor: restarted.nextCursor, limit: 2)
        )
        #expect(other.items.map(\.id) == second.items.map(\.id))
        #expect(other.invalidRecords.map(\.position) == second.invalidRecords.map(\.position))
        #expect(other.nextCursor == second.nextCursor)
        await source.close()
    }

    @Test func collapsesARepeatedID() async throws {
        let result = try await Fixtures.readAll(try source())
        let first = try #require(result.items.first { $0.id == "wa-001" })
        #expect(result.items.filter { $0.id == "wa-001" }.count == 1)
        #expect(first.text == "Good morning 👋")
    }

    @Test func keepsAnUnknownKindWithItsLine() async throws {
        let result = try await Fixtures.readAll(try source())
        let poll = try #require(result.items.first { $0.id == "wa-009" })
        #expect(poll.kind.rawValue == "poll")
        let lines = try String(contentsOfFile: Fixtures.exportDirectory + "/items.jsonl", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        #expect(poll.rawJSON == String(lines[11]))
    }

    @Test func servesVerifiedAttachmentsToEveryOpen() async throws {
        let source = try source()
        let result = try await Fixtures.readAll(source)
        let item = try #require(result.items.first { $0.id == "wa-002" })
        for attachment in item.attachments {
            let expected = try Array(
                Data(contentsOf: URL(fileURLWithPath: Fixtures.exportDirectory + "/attachments/" + attachment.id))
            )
            #expect(try await Fixtures.bytes(of: attachment) == expected)
            #expect(try await Fixtures.bytes(of: attachment) == expected, "a second open reads the same bytes")
            #expect(SHA256.hexDigest(expected) == attachment.sha256)
        }
        await source.close()
    }

    @Test func missingAndCorruptAttachmentsAreItemScoped() async throws {
        let result = try await Fixtures.readAll(try source())
        let item = try #require(result.items.first { $0.id == "wa-003" })
        let gone = try #require(item.attachments.first { $0.id == "att-gone" })
        let corrupt = try #require(item.attachments.first { $0.id == "att-corrupt" })
        let missing = await #expect(throws: ArchiverError.self) { _ = try await gone.content.open() }
        #expect(missing?.code == .attachmentMissing)
        #expect(missing?.scope == .item)
        let integrity = await #expect(throws: ArchiverError.self) { _ = try await corrupt.content.open() }
        #expect(integrity?.code == .attachmentIntegrity)
        #expect(integrity?.scope == .item)
        #expect(integrity?.message.contains("SHA-256") == true)
    }

    @Test func aSizeMismatchIsAnIntegrityError() async throws {
        let bytes = Array("0123456789".utf8)
        let directory = try Fixtures.export(
            lines: [
                Fixtures.line(
                    id: "m1",
                    capturedAt: "2026-11-23T10:00:00Z",
                    extra: #","attachments":[{"id":"a1","size":11}]"#
                )
            ],
            attachments: ["a1": bytes]
        )
        let result = try await Fixtures.readAll(try source(directory))
        let attachment = try #require(result.items.first?.attachments.first)
        let error = await #expect(throws: ArchiverError.self) { _ = try await attachment.content.open() }
        #expect(error?.code == .attachmentIntegrity)
        #expect(error?.message == "Attachment a1 has 10 bytes, but its item declares 11.")
    }

    @Test func aSymbolicLinkIsNotServed() async throws {
        let directory = try Fixtures.export(
            lines: [
                Fixtures.line(
                    id: "m1",
                    capturedAt: "2026-11-23T10:00:00Z",
                    extra: #","attachments":[{"id":"a1","size":4}]"#
                )
            ]
        )
        try FileManager.default.createSymbolicLink(
            atPath: directory + "/attachments/a1",
            withDestinationPath: "/etc/hostname"
        )
        let result = try await Fixtures.readAll(try source(directory))
        let attachment = try #require(result.items.first?.attachments.first)
        let error = await #expect(throws: ArchiverError.self) { _ = try await attachment.content.open() }
        #expect(error?.code == .attachmentMissing)
    }

    @Test func blankLinesAreIgnoredAndLinePositionsCountThem() async throws {
        let directory = try Fixtures.export(lines: [
            "", "  \r", Fixtures.line(id: "m1", capturedAt: "2026-11-23T10:00:00Z"), "\t", "{oops", "",
        ])
        let result = try await Fixtures.readAll(try source(directory))
        #expect(result.items.map(\.id) == ["m1"])
        #expect(result.invalid.map(\.position) == ["items.jsonl line 5"])
    }

    @Test func aByteOrderMarkAndCRLFAreTolerated() async throws {
        let directory = try Fixtures.export(lines: [
            "\u{FEFF}" + Fixtures.line(id: "m1", capturedAt: "2026-11-23T10:00:00Z") + "\r",
            Fixtures.line(id: "m2", capturedAt: "2026-11-23T11:00:00Z") + "\r",
        ])
        #expect(try await Fixtures.readAll(try source(directory)).items.map(\.id) == ["m1", "m2"])
    }

    /// Consecutive windows report each bad line exactly once: in the window of the nearest readable capturedAt
    /// before it, or after it at the start of the file.
    @Test func badLinesAreReportedInExactlyOneOfConsecutiveWindows() async throws {
        let directory = try Fixtures.export(lines: [
            "not json at the start",
            Fixtures.line(id: "m1", capturedAt: "2026-11-22T10:00:00Z"),
            "{\"broken\": ",
            Fixtures.line(id: "m2", capturedAt: "2026-11-23T10:00:00Z"),
            #"{"id":"bad-phone","capturedAt":"2026-11-24T10:00:00Z","from":{"phone":"1"}}"#,
            "[still not an item]",
        ])
        let days = ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"]
        var reported: [String: [String]] = [:]
        for (from, until) in zip(days, days.dropFirst()) {
            let window = try TimeWindow(
                from: RFC3339.parse(from + "T00:00:00Z")!,
                until: RFC3339.parse(until + "T00:00:00Z")!
            )
            let result = try await Fixtures.readAll(try source(directory), window: window, limit: 2)
            reported[from] = result.invalid.map(\.position) + result.items.map(\.id)
        }
        #expect(reported["2026-11-21"] == [])
        #expect(reported["2026-11-22"] == ["items.jsonl line 1", "items.jsonl line 3", "m1"])
        #expect(reported["2026-11-23"] == ["m2"])
        #expect(reported["2026-11-24"] == ["items.jsonl line 5", "items.jsonl line 6"])
    }

    @Test func aLineOverTheLimitIsReportedWithoutBeingHeld() async throws {
        let long =
            #"{"id":"big","capturedAt":"2026-11-23T10:00:00Z","text":""# + String(repeating: "x", count: 5000) + "\"}"
        let directory = try Fixtures.export(lines: [
            Fixtures.line(id: "m1", capturedAt: "2026-11-23T09:00:00Z"), long,
            Fixtures.line(id: "m2", capturedAt: "2026-11-23T11:00:00Z"),
        ])
        var configuration = ItemDecoder.Configuration()
        configuration.maximumRecordBytes = 1000
        var sourceConfiguration = TeleMessageSource.Configuration()
        sourceConfiguration.decoder = configuration
        let source = TeleMessageSource(
            transport: try ExportDirectoryTransport(directory: directory, decoderConfiguration: configuration),
            configuration: sourceConfiguration
        )
        let result = try await Fixtures.readAll(source)
        #expect(result.items.map(\.id) == ["m1", "m2"])
        #expect(
            result.invalid.map(\.reason) == ["the line is \(long.utf8.count) bytes long, more than the limit of 1000"]
        )
        #expect(result.invalid.map(\.position) == ["items.jsonl line 2"])
    }

    @Test func aDirectoryWithoutItemsIsAClearConfigurationError() throws {
        let directory = try Fixtures.scratchDirectory()
        let error = #expect(throws: ArchiverError.self) { try ExportDirectoryTransport(directory: directory) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.scope == .run)
        #expect(error?.message.contains("items.jsonl") == true)
    }

    @Test func aForeignCursorIsRefused() async throws {
        let transport = try ExportDirectoryTransport(directory: Fixtures.exportDirectory)
        await #expect(throws: ArchiverError.self) {
            _ = try await transport.fetchRecords(PageRequest(window: Fixtures.window, cursor: SourceCursor("42")))
        }
    }

    /// The whole pipeline over the sample export: counts, partials, and a rerun that adds nothing.
    @Test func connectorRunAndRerun() async throws {
        let source = try source()
        let sink = RecordingSink()
        var configuration = Connector.Configuration()
        configuration.pageSize = 3
        let connector = Connector(
            source: source,
            mapper: StaticMapper(),
            converter: SummaryConverter(),
            sink: sink,
            checkpoints: InMemoryCheckpointStore(),
            configuration: configuration
        )
        let report = try await connector.run(window: Fixtures.window)
        #expect(report.itemsFromSource == 12)
        #expect(report.itemsForImport == 22)
        #expect(report.imported == 18)
        #expect(report.partiallyImported == 2)
        #expect(report.failed == 2)
        #expect(report.invariantHolds)
        #expect(Set(report.partials.map(\.reason)) == ["attachment_missing", "attachment_integrity"])
        #expect(report.failures.map(\.reason) == ["invalid_item", "invalid_item"])
        #expect(sink.messages.count == 20)

        let rerun = try await connector.run(window: Fixtures.window)
        #expect(rerun.itemsFromSource == 12)
        #expect(rerun.skippedDuplicates == 20)
        #expect(rerun.imported == 0)
        #expect(rerun.failed == 2)
        #expect(sink.messages.count == 20)
    }
}
