import Foundation

extension RunReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case window
        case itemsFromSource
        case itemsForImport
        case imported
        case partiallyImported
        case skippedDuplicates
        case failed
        case failures
        case partials
    }

    private enum WindowKeys: String, CodingKey {
        case from
        case until
    }

    /// Encodes the report in the JSON form of `archive-daily.md`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        var windowContainer = container.nestedContainer(keyedBy: WindowKeys.self, forKey: .window)
        try windowContainer.encode(RFC3339.format(window.from), forKey: .from)
        try windowContainer.encode(RFC3339.format(window.until), forKey: .until)
        try container.encode(itemsFromSource, forKey: .itemsFromSource)
        try container.encode(itemsForImport, forKey: .itemsForImport)
        try container.encode(imported, forKey: .imported)
        try container.encode(partiallyImported, forKey: .partiallyImported)
        try container.encode(skippedDuplicates, forKey: .skippedDuplicates)
        try container.encode(failed, forKey: .failed)
        try container.encode(failures, forKey: .failures)
        try container.encode(partials, forKey: .partials)
    }

    /// The report as UTF-8 JSON, keys in the documented order, with a trailing newline.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }
}

extension RunReport.Failure: Encodable {
    private enum CodingKeys: String, CodingKey {
        case itemId
        case sourceUser
        case mailbox
        case reason
        case detail
    }

    /// Encodes the entry; `itemId`, `sourceUser` and `mailbox` are written as `null` when absent.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(itemID, forKey: .itemId)
        try container.encode(sourceUser, forKey: .sourceUser)
        try container.encode(mailbox?.rawValue, forKey: .mailbox)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(detail, forKey: .detail)
    }
}

extension RunReport.Partial: Encodable {
    private enum CodingKeys: String, CodingKey {
        case itemId
        case mailbox
        case reason
        case detail
    }

    /// Encodes the entry.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(itemID, forKey: .itemId)
        try container.encode(mailbox.rawValue, forKey: .mailbox)
        try container.encode(reason, forKey: .reason)
        try container.encodeIfPresent(detail, forKey: .detail)
    }
}
