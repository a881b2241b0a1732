import Foundation

extension RunReport {
    /// The report as UTF-8 JSON, keys in the documented order (counts first, lists last), with a trailing newline.
    public func jsonData() throws -> Data {
        var json = JSONText()
        json.beginObject()
        json.beginObject("window")
        json.field("from", RFC3339.format(window.from))
        json.field("until", RFC3339.format(window.until))
        json.endObject()
        json.field("itemsFromSource", itemsFromSource)
        json.field("itemsForImport", itemsForImport)
        json.field("imported", imported)
        json.field("partiallyImported", partiallyImported)
        json.field("skippedDuplicates", skippedDuplicates)
        json.field("failed", failed)
        json.beginArray("failures")
        for failure in failures {
            json.beginObject()
            json.field("itemId", failure.itemID)
            json.field("sourceUser", failure.sourceUser)
            json.field("mailbox", failure.mailbox?.rawValue)
            json.field("reason", failure.reason.rawValue)
            if let detail = failure.detail { json.field("detail", detail) }
            json.endObject()
        }
        json.endArray()
        json.beginArray("partials")
        for partial in partials {
            json.beginObject()
            json.field("itemId", partial.itemID)
            json.field("mailbox", partial.mailbox.rawValue)
            json.field("reason", partial.reason.rawValue)
            if let detail = partial.detail { json.field("detail", detail) }
            json.endObject()
        }
        json.endArray()
        json.endObject()
        return Data((json.result + "\n").utf8)
    }
}
