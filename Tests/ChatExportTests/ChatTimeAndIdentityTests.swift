import ChatExport
import Foundation
import Testing
import WhatsAppArchiver

/// Zones, daylight-saving gaps and overlaps, stable ids, people.
struct ChatTimeAndIdentityTests {
    @Test func daylightSavingGapAndOverlapInBerlin() async throws {
        let (items, _, _) = try await ChatFixtures.readAll(
            try ChatFixtures.source("dst-berlin.txt", zone: "Europe/Berlin")
        )
        #expect(
            items.map(\.capturedAt)
                == [
                    // 01:30 CET.
                    "2024-03-31T00:30:00Z",
                    // 02:30 does not exist: read with the offset before the gap (+01:00), shown as 03:30 CEST.
                    "2024-03-31T01:30:00Z",
                    // 03:30 CEST.
                    "2024-03-31T01:30:00Z",
                    // 02:30 happens twice: the first occurrence, CEST (+02:00).
                    "2024-10-27T00:30:00Z",
                    // 03:30 CET.
                    "2024-10-27T02:30:00Z",
                ].map(ChatFixtures.date)
        )
    }

    @Test func theZoneMovesTimesButNotIDs() async throws {
        let utc = try await ChatFixtures.readAll(try ChatFixtures.source("android-it.txt"))
        let tokyo = try await ChatFixtures.readAll(try ChatFixtures.source("android-it.txt", zone: "Asia/Tokyo"))
        #expect(zip(utc.items, tokyo.items).allSatisfy { $0.capturedAt.timeIntervalSince($1.capturedAt) == 9 * 3600 })
        #expect(utc.items.map(\.id) == tokyo.items.map(\.id))
    }

    @Test func idsAreStableAcrossExportsAndFileNames() async throws {
        let first = try await ChatFixtures.readAll(try ChatFixtures.source("later/WhatsApp Chat with Bob.txt"))
        let second = try await ChatFixtures.readAll(try ChatFixtures.source("later/WhatsApp Chat with Bob (1).txt"))
        #expect(first.items.count == 4 && second.items.count == 7)
        #expect(Set(first.items.map(\.id)).isSubset(of: Set(second.items.map(\.id))))
        #expect(Set(second.items.map(\.id)).count == 7)
        #expect(first.items.allSatisfy { $0.id.hasPrefix("wa-chat-") && $0.id.count == 40 })
        // Another chat with the same messages is another conversation, with other ids.
        let other = try await ChatFixtures.readAll(
            try ChatFixtures.source("later/WhatsApp Chat with Bob.txt") { $0.chatName = "Someone else" }
        )
        #expect(Set(other.items.map(\.id)).isDisjoint(with: Set(first.items.map(\.id))))
    }

    /// A cursor names the same place for a fresh source as for the one that returned it: every page fetched again
    /// from a new source with the previous page's cursor is the page the first source returned. (A page that
    /// holds back an item for the next one used to count it twice, so a fresh source started one item late per
    /// page break before it.)
    @Test(arguments: [1, 2, 3])
    func aCursorResumesAFreshSourceAtTheSamePlace(limit: Int) async throws {
        let name = "android-en-24h-dmy.txt"
        let source = try ChatFixtures.source(name)
        var cursor: SourceCursor?
        var pages: [(cursor: SourceCursor?, ids: [String], next: SourceCursor?)] = []
        repeat {
            let page = try await source.fetchPage(PageRequest(window: source.wholeExport, cursor: cursor, limit: limit))
            pages.append((cursor, page.items.map(\.id), page.nextCursor))
            cursor = page.nextCursor
        } while cursor != nil
        await source.close()
        #expect(pages.count > 2)
        for page in pages {
            let fresh = try ChatFixtures.source(name)
            let again = try await fresh.fetchPage(
                PageRequest(window: fresh.wholeExport, cursor: page.cursor, limit: limit)
            )
            #expect(again.items.map(\.id) == page.ids, "the page at cursor \(page.cursor?.rawValue ?? "start")")
            #expect(again.nextCursor == page.next)
            await fresh.close()
        }
    }

    @Test func smallPagesGiveTheSameItemsAndKeepSameTimeRunsTogether() async throws {
        let whole = try await ChatFixtures.readAll(try ChatFixtures.source("android-en-24h-dmy.txt"))
        let paged = try await ChatFixtures.readAll(try ChatFixtures.source("android-en-24h-dmy.txt"), limit: 1)
        #expect(Set(paged.items.map(\.id)) == Set(whole.items.map(\.id)))
        #expect(paged.items.count == whole.items.count)
        #expect(paged.pages < whole.items.count + 1)
        for (earlier, later) in zip(paged.items, paged.items.dropFirst()) where earlier.capturedAt == later.capturedAt {
            #expect(earlier.id < later.id)
        }
    }

    @Test func participantsOwnerAndNumbers() async throws {
        let participants = try ChatParticipants(contentsOf: ChatFixtures.path("participants.csv"))
        let source = try ChatFixtures.source("android-en-24h-dmy.txt") {
            $0.participants = participants
            $0.owner = PhoneNumber("+44 7700 900123")
        }
        let (items, _, _) = try await ChatFixtures.readAll(source)
        let welcome = try #require(items.first { $0.text == "Welcome to the deal team" })
        #expect(welcome.from == Party(phone: "+447700900123", name: "Alice Smith", email: "alice@contoso.com"))
        #expect(welcome.owner == welcome.from)
        #expect(welcome.to.contains(Party(phone: "+447700900234", name: "Bob Jones", email: "bob@contoso.com")))
        #expect(welcome.to.contains(Party(phone: "", name: "Dave")) == false)
        let added = try #require(items.last { $0.event?.type == .participantAdded })
        #expect(added.from.email == "alice@contoso.com")
        #expect(items.first { $0.from.name == "Carol" }?.from.phone == "+447700900345")
    }

    @Test func aBrokenParticipantsFileNamesTheLine() {
        #expect {
            _ = try ChatParticipants(csv: Array("Name,Phone,Email\nAlice,not a number,\n".utf8))
        } throws: { error in
            let error = error as? ArchiverError
            return error?.code == .mappingFileInvalid && error?.message.contains("line 2") == true
        }
        #expect(throws: ArchiverError.self) { _ = try ChatParticipants(csv: Array("Who,What\n".utf8)) }
    }
}
