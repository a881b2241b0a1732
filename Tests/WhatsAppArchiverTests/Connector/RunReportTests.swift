import Foundation
import Testing
import WhatsAppArchiver

struct RunReportTests {
    @Test func encodesTheJSONOfArchiveDaily() throws {
        var report = RunReport(
            window: try TimeWindow(
                from: RFC3339.parse("2026-11-23T00:00:00Z")!,
                until: RFC3339.parse("2026-11-24T00:00:00Z")!
            )
        )
        report.itemsFromSource = 2
        report.itemsForImport = 3
        report.imported = 1
        report.partiallyImported = 1
        report.failed = 1
        report.failures = [
            RunReport.Failure(itemID: "wa-17", sourceUser: "+4915112345678", mailbox: nil, reason: "unmapped")
        ]
        report.partials = [
            RunReport.Partial(
                itemID: "wa-40",
                mailbox: MailboxAddress("alice@contoso.com")!,
                reason: "attachment_missing",
                detail: "att-1 (offer.pdf): gone"
            )
        ]
        #expect(report.invariantHolds)
        let object = try #require(JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "window", "itemsFromSource", "itemsForImport", "imported", "partiallyImported", "skippedDuplicates",
                "failed", "failures", "partials",
            ]
        )
        let window = try #require(object["window"] as? [String: String])
        #expect(window == ["from": "2026-11-23T00:00:00Z", "until": "2026-11-24T00:00:00Z"])
        let failure = try #require((object["failures"] as? [[String: Any]])?.first)
        #expect(failure["itemId"] as? String == "wa-17")
        #expect(failure["sourceUser"] as? String == "+4915112345678")
        #expect(failure["mailbox"] is NSNull)
        #expect(failure["reason"] as? String == "unmapped")
        #expect(failure["detail"] == nil)
        let partial = try #require((object["partials"] as? [[String: Any]])?.first)
        #expect(partial["mailbox"] as? String == "alice@contoso.com")
        #expect(partial["reason"] as? String == "attachment_missing")
        // Keys appear in the documented order, so that a person reading the file finds the counts first.
        let text = String(decoding: try report.jsonData(), as: UTF8.self)
        let order = ["\"window\"", "\"itemsFromSource\"", "\"itemsForImport\"", "\"imported\"", "\"failures\""]
        let positions = order.map { text.range(of: $0)!.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test func untrustedTextInADetailStaysInsideItsJSONString() throws {
        var report = RunReport(window: try TimeWindow(from: Date(timeIntervalSince1970: 0), until: Date()))
        let hostile = "line\nbreak \"quote\" back\\slash \u{0}nul \u{1B}[31m \u{2028} 🎉"
        report.failures = [
            RunReport.Failure(itemID: hostile, sourceUser: nil, mailbox: nil, reason: "x", detail: hostile)
        ]
        let object = try #require(JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        let failure = try #require((object["failures"] as? [[String: Any]])?.first)
        #expect(failure["itemId"] as? String == hostile)
        #expect(failure["detail"] as? String == hostile)
    }

    @Test func theInvariantDetectsAMiscount() throws {
        var report = RunReport(window: try TimeWindow(from: Date(timeIntervalSince1970: 0), until: Date()))
        report.itemsForImport = 2
        report.imported = 1
        #expect(!report.invariantHolds)
    }
}
