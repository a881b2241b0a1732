/// One body part of a multipart message the converter writes.
enum EMLPart {
    /// The quoted-printable text the reader reads.
    case text([UInt8])
    /// The quoted-printable text that stands in for an attachment the source could not provide.
    case placeholder([UInt8])
    /// An attachment, streamed from the reader opened for the item's attachment number `index`.
    case attachment(index: Int, summary: EMLBodyRenderer.AttachmentSummary)
    /// The raw JSON of an item of an unknown kind.
    case rawJSON([UInt8])
}

extension EMLPart {
    /// Whether a line of the part's in-memory content starts with `prefix`; streamed attachments are base64, whose
    /// alphabet has no `_`, so they never hold a boundary and are not scanned.
    func hasLine(startingWith prefix: [UInt8]) -> Bool {
        let content: [UInt8]
        switch self {
        case .text(let bytes), .placeholder(let bytes): content = bytes
        case .attachment, .rawJSON: return false
        }
        var lineStart = 0
        while lineStart < content.count {
            if content[lineStart...].starts(with: prefix) { return true }
            guard let end = content[lineStart...].firstIndex(of: 0x0A) else { return false }
            lineStart = end + 1
        }
        return false
    }
}
