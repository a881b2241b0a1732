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
