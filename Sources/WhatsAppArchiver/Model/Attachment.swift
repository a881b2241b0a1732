/// A file sent with an item: an image, a video, a voice note, a document, a call recording.
///
/// The metadata is held here; the bytes are not. ``content`` is a handle that opens a stream of the bytes when a
/// converter asks for them, so that an attachment of any size passes through in bounded memory.
public struct Attachment: Sendable {
    /// Identifier within the account; matches `[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}`.
    public var id: String
    /// The sender's name for the file. Untrusted: may hold path separators, `..` or control characters.
    public var fileName: String?
    /// The declared MIME type; `application/octet-stream` when absent. Untrusted: validate before use.
    public var contentType: String
    /// The declared size in bytes.
    public var size: Int64
    /// The declared SHA-256 of the bytes: 64 lowercase hexadecimal digits.
    public var sha256: String?
    /// What sort of file it is.
    public var kind: Kind?
    /// The caption the sender gave the file. Untrusted text.
    public var caption: String?
    /// Opens the bytes as a stream; fails with ``ArchiverError/Code/attachmentMissing`` or
    /// ``ArchiverError/Code/attachmentIntegrity`` when the source cannot provide them.
    public var content: AttachmentContent

    /// Creates an attachment.
    public init(
        id: String,
        fileName: String? = nil,
        contentType: String = "application/octet-stream",
        size: Int64,
        sha256: String? = nil,
        kind: Kind? = nil,
        caption: String? = nil,
        content: AttachmentContent
    ) {
        self.id = id
        self.fileName = fileName
        self.contentType = contentType
        self.size = size
        self.sha256 = sha256
        self.kind = kind
        self.caption = caption
        self.content = content
    }

    /// Whether `id` has the form the export format allows: `[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}`.
    ///
    /// Such an id is safe to use as a file name: it has no path separator and cannot be `.` or `..`.
    public static func isValidID(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard let first = utf8.first, (1...128).contains(utf8.count), first != UInt8(ascii: ".") else {
            return false
        }
        return utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
    }

    /// What sort of file an attachment is. Unknown values are kept as they are.
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a value from its export form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }
        /// A picture.
        public static let image = Kind(rawValue: "image")
        /// A video.
        public static let video = Kind(rawValue: "video")
        /// An audio file.
        public static let audio = Kind(rawValue: "audio")
        /// A voice note.
        public static let voice = Kind(rawValue: "voice")
        /// A document.
        public static let document = Kind(rawValue: "document")
        /// A sticker.
        public static let sticker = Kind(rawValue: "sticker")
        /// A contact card.
        public static let contact = Kind(rawValue: "contact")
        /// Anything else.
        public static let other = Kind(rawValue: "other")
    }
}
