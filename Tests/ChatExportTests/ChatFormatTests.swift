import ChatExport
import Foundation
import Testing
import WhatsAppArchiver

/// Every layout, clock, date form and language of the fixtures, read to items.
struct ChatFormatTests {
    @Test func androidEnglishTwentyFourHourDayFirst() async throws {
        let source = try ChatFixtures.source("android-en-24h-dmy.txt")
        #expect(source.dateOrder == .dayMonthYear)
        let (items, invalid, _) = try await ChatFixtures.readAll(source)
        #expect(invalid.isEmpty)
        #expect(items.count == 25)
        #expect(source.conversation.type == .group)

        let byText = Dictionary(items.map { ($0.text ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        let notice = try #require(items.first)
        #expect(notice.kind == .event && notice.event?.type == .encryptionNotice)
        #expect(notice.capturedAt == ChatFixtures.date("2024-01-14T09:00:00Z"))

        let created = try #require(items.first { $0.event?.type == .groupCreated })
        #expect(created.event?.type == .groupCreated && created.event?.subject == "Deal Team")
        #expect(created.event?.actor?.name == "Alice Smith")
        let added = try #require(items.first { $0.event?.type == .participantAdded })
        #expect(added.event?.type == .participantAdded)
        #expect(added.event?.targets.map { $0.name ?? $0.phone } == ["Bob Jones", "Carol", "+447700900456"])

        let multiLine = try #require(
            byText["Thanks. Three lines:\nsecond line\n15/01/2024 was the deadline, this line is text"]
        )
        #expect(multiLine.from.name == "Bob Jones")

        let oks = items.filter { $0.text == "ok" }
        #expect(oks.count == 2 && oks[0].id != oks[1].id)

        let number = try #require(byText["Hello from a number"])
        #expect(number.from.phone == "+447700900456" && number.from.name == nil)

        let omitted = try #require(items.first { $0.attachments.first?.fileName == "media omitted from the export" })
        #expect(omitted.attachments.count == 1 && omitted.from.name == "Bob Jones")
        await #expect(throws: ArchiverError.self) { _ = try await omitted.attachments[0].content.open() }

        let deleted = try #require(items.first { $0.kind == .deletion })
        #expect(deleted.from.name == "Carol" && deleted.target?.scope == .everyone)
        let edited = try #require(items.first { $0.kind == .edit })
        #expect(edited.text == "Price is 10" && edited.target?.newText == "Price is 10")

        let location = try #require(items.first { $0.location != nil }?.location)
        #expect(location.latitude == 51.507351 && location.longitude == -0.127758)

        let poll = try #require(items.first { $0.kind.rawValue == "poll" })
        #expect(poll.rawJSON?.contains("\"question\":\"Which day?\"") == true)
        #expect(poll.rawJSON?.contains("{\"option\":\"Monday\",\"votes\":2}") == true)

        let card = try #require(items.first { $0.attachments.first?.fileName == "Dave.vcf" })
        #expect(card.attachments[0].kind == .contact && card.attachments[0].contentType == "text/vcard")
        let photo = try #require(items.first { $0.attachments.first?.fileName == "IMG-20240114-WA0001.jpg" })
        #expect(photo.text == "the term sheet" && photo.attachments[0].kind == .image)

        // 09:01 holds two events: messages that share a time go out in id order, so that pair is compared as a set.
        var types = items.compactMap { $0.event?.type.rawValue }
        types[1...2].sort()
        #expect(
            types == [
                "encryption_notice", "group_created", "participant_added", "subject_changed", "icon_changed",
                "participant_joined", "participant_removed", "participant_left", "number_changed",
                "security_code_changed", "participant_added",
            ]
        )
        let subject = try #require(items.first { $0.event?.type == .subjectChanged })
        #expect(subject.event?.subject == "Deal Team: Q1")
        let security = try #require(items.first { $0.event?.type == .securityCodeChanged })
        #expect(security.event?.targets.first?.name == "Bob Jones")
        let byOwner = try #require(items.last { $0.event?.type == .participantAdded })
        #expect(byOwner.event?.actor == byOwner.owner && byOwner.event?.targets.first?.name == "Erin")

        let pasted = try #require(items.first { $0.text?.hasPrefix("forwarded:") == true })
        #expect(pasted.text?.contains("\n[13/01/2024, 10:00:00] Pasted: an iOS line inside an Android message") == true)
        #expect(pasted.text?.hasSuffix("\n13/01/2024, 10:00:00 looks like a date but is text") == true)
        #expect(items.last?.capturedAt == ChatFixtures.date("2024-01-15T23:59:00Z"))
    }

    @Test func androidTwelveHourMonthFirstWithCRLF() async throws {
        let source = try ChatFixtures.source("android-en-12h-mdy.txt")
        #expect(source.dateOrder == .monthDayYear)
        let (items, invalid, _) = try await ChatFixtures.readAll(source)
        #expect(invalid.isEmpty)
        #expect(
            items.map(\.capturedAt)
                == [
                    "2024-01-14T09:00:00Z", "2024-01-14T09:05:00Z", "2024-01-14T12:00:00Z", "2024-01-14T00:30:00Z",
                    "2024-01-15T21:05:00Z",
                ].map(ChatFixtures.date)
        )
        #expect(items.map(\.text).compactMap { $0 }.filter { $0.contains("\r") }.isEmpty)
        #expect(source.conversation.type == .individual)
    }

    @Test func iosTwelveHourWithDirectionMarks() async throws {
        let source = try ChatFixtures.source("ios-en-12h.txt")
        #expect(source.dateOrder == .monthDayYear)
        #expect(source.authors == ["Alice Smith", "Bob Jones", "+44 7700 900456"])
        let (items, invalid, _) = try await ChatFixtures.readAll(source)
        #expect(invalid.isEmpty)
        #expect(items.count == 8)
        #expect(items[0].event?.type == .encryptionNotice)
        #expect(items[1].event?.type == .groupCreated && items[1].event?.subject == "Deal Team")
        #expect(items[2].event?.targets.first?.name == "Bob Jones")
        #expect(items[3].capturedAt == ChatFixtures.date("2024-01-14T21:05:12Z") && items[3].text == "Hello")
        #expect(items[4].attachments.first?.fileName == "00000042-PHOTO-2024-01-14-21-06-00.jpg")
        #expect(items[5].attachments.first?.kind == .image && items[5].attachments.first?.size == 0)
        #expect(items[6].from.phone == "+447700900456")
        #expect(items[7].text == "multi\nline")
    }

    @Test(arguments: [
        ("ios-de-24h.txt", ChatDateOrder.dayMonthYear, 5, "2024-01-15T21:05:12Z"),
        ("android-de-dot.txt", .dayMonthYear, 5, "2024-01-15T21:05:00Z"),
        ("android-es-ampm.txt", .dayMonthYear, 4, "2024-01-15T09:05:00Z"),
        ("android-fr.txt", .dayMonthYear, 3, "2024-01-15T21:05:00Z"),
        ("android-pt.txt", .dayMonthYear, 3, "2024-01-15T21:05:00Z"),
        ("android-it.txt", .dayMonthYear, 3, "2024-01-15T21:05:00Z"),
        ("android-nl.txt", .dayMonthYear, 3, "2024-01-15T21:05:00Z"),
        ("android-ja-ymd.txt", .yearMonthDay, 2, "2024-01-15T09:05:00Z"),
        ("android-ko-ymd.txt", .yearMonthDay, 2, "2024-01-15T09:05:00Z"),
        ("android-iso.txt", .yearMonthDay, 2, "2024-01-15T21:05:00Z"),
    ])
    func locales(file: String, order: ChatDateOrder, count: Int, firstTime: String) async throws {
        let source = try ChatFixtures.source(file)
        #expect(source.dateOrder == order)
        let (items, invalid, _) = try await ChatFixtures.readAll(source)
        #expect(invalid.isEmpty)
        #expect(items.count == count)
        #expect(items.first?.capturedAt == ChatFixtures.date(firstTime))
        #expect(items.allSatisfy { $0.kind == .event || $0.from.name?.isEmpty == false })
    }

    @Test(arguments: [
        "android-de-dot.txt", "android-es-ampm.txt", "android-fr.txt", "android-pt.txt", "android-it.txt",
        "android-nl.txt", "ios-de-24h.txt",
    ])
    func mediaOmittedAndDeletedInEveryLanguage(file: String) async throws {
        let (items, _, _) = try await ChatFixtures.readAll(try ChatFixtures.source(file))
        #expect(items.contains { $0.attachments.first?.fileName?.hasSuffix("omitted from the export") == true })
        if file != "android-de-dot.txt" { #expect(items.contains { $0.kind == .deletion }) }
        if file == "ios-de-24h.txt" { #expect(items.last?.kind == .edit && items.last?.text == "Preis 10") }
        if file == "android-de-dot.txt" {
            #expect(items.contains { $0.attachments.first?.fileName == "IMG-20240115-WA0001.jpg" })
            #expect(items.contains { $0.event?.type == .participantRemoved && $0.event?.targets.first?.name == "Ben" })
        }
    }

    @Test func ambiguousDatesNeedAnOrder() async throws {
        #expect {
            _ = try ChatFixtures.source("ambiguous.txt")
        } throws: { error in
            let error = try #require(error as? ArchiverError)
            return error.code == .chatExportInvalid && error.scope == .run
                && error.message.contains("--chat-date-order") && error.message.contains("line 1")
        }
        let dayFirst = try await ChatFixtures.readAll(try ChatFixtures.source("ambiguous.txt", order: .dayMonthYear))
        #expect(dayFirst.items.first?.capturedAt == ChatFixtures.date("2024-02-01T10:00:00Z"))
        let monthFirst = try await ChatFixtures.readAll(try ChatFixtures.source("ambiguous.txt", order: .monthDayYear))
        #expect(monthFirst.items.first?.capturedAt == ChatFixtures.date("2024-01-02T10:00:00Z"))
    }

    @Test func conflictingDatesAreAnErrorNamingBothLines() throws {
        #expect {
            _ = try ChatFixtures.source("conflicting.txt")
        } throws: { error in
            let message = (error as? ArchiverError)?.message ?? ""
            return message.contains("line 1") && message.contains("line 2")
        }
    }

    @Test func linesBeforeTheFirstMessageAndImpossibleDatesAreInvalidItems() async throws {
        let (items, invalid, _) = try await ChatFixtures.readAll(try ChatFixtures.source("orphans.txt"))
        #expect(items.map(\.text) == ["first real message", "last"])
        #expect(invalid.map(\.position) == ["orphans.txt lines 1–2", "orphans.txt line 4"])
        #expect(invalid[1].reason.contains("has no day 31"))
    }
}
