import Foundation
import WhatsAppArchiver

extension ChatExportSource {
    /// What a chat-export source reads and how.
    public struct Configuration: Sendable {
        /// The `.txt`, a folder holding it and the media files, or the `.zip` as WhatsApp made it.
        public var path: String
        /// The phone number of the person who exported the chat; their messages and the export are theirs.
        public var owner: PhoneNumber?
        /// The people of the chat, from the participants file.
        public var participants = ChatParticipants()
        /// The zone of the exporting phone: export times carry none.
        public var timeZone = TimeZone(identifier: "UTC")!
        /// How `01/02/24` is read.
        public var dateOrder = ChatDateOrder.automatic
        /// The chat's name when the file name does not give it (and instead of it when set).
        public var chatName: String?
        /// Where a `.zip` is extracted: a private directory (`0700`) is created inside and removed at `close()`.
        /// Default: `$TMPDIR`, else `/tmp`.
        public var temporaryDirectory: String
        /// The longest message accepted, in bytes; a longer one is reported `invalid_item`. WhatsApp's own limit
        /// is 65,536 characters.
        public var maximumMessageBytes = 1 << 20
        /// The most entries a `.zip` may have.
        public var maximumArchiveEntries = 100_000
        /// The most bytes one entry of a `.zip` may expand to.
        public var maximumEntryBytes: Int64 = 4 << 30
        /// The most bytes a whole `.zip` may expand to.
        public var maximumArchiveBytes: Int64 = 16 << 30
        /// The largest expansion ratio of an entry above 1 MiB: a photo or video barely compresses, a bomb does.
        public var maximumCompressionRatio: Int64 = 100

        /// Creates a configuration for the export at `path`.
        public init(path: String) {
            self.path = path
            let environment = ProcessInfo.processInfo.environment["TMPDIR"] ?? ""
            self.temporaryDirectory = environment.isEmpty ? "/tmp" : environment
        }

        var zipLimits: ZipArchive.Limits {
            ZipArchive.Limits(
                maximumEntries: maximumArchiveEntries,
                maximumEntryBytes: maximumEntryBytes,
                maximumTotalBytes: maximumArchiveBytes,
                maximumRatio: maximumCompressionRatio
            )
        }
    }
}
