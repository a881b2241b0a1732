import Foundation

/// A voice or video call.
public struct Call: Sendable, Hashable {
    /// Voice or video.
    public var media: Media?
    /// How the call ended.
    public var status: Status?
    /// When the call started.
    public var startedAt: Date?
    /// How long the call lasted, in seconds.
    public var durationSeconds: Int?
    /// The ``Attachment/id`` of the item's attachment that holds a recording of the call.
    public var recordingAttachmentID: String?

    /// Creates a call.
    public init(
        media: Media? = nil,
        status: Status? = nil,
        startedAt: Date? = nil,
        durationSeconds: Int? = nil,
        recordingAttachmentID: String? = nil
    ) {
        self.media = media
        self.status = status
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.recordingAttachmentID = recordingAttachmentID
    }

    /// Voice or video. Unknown values are kept as they are.
    public struct Media: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a value from its export form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }
        /// A voice call.
        public static let voice = Media(rawValue: "voice")
        /// A video call.
        public static let video = Media(rawValue: "video")
    }

    /// How a call ended. Unknown values are kept as they are.
    public struct Status: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a value from its export form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }
        /// The call was answered.
        public static let answered = Status(rawValue: "answered")
        /// The call was not answered.
        public static let missed = Status(rawValue: "missed")
        /// The callee declined the call.
        public static let declined = Status(rawValue: "declined")
        /// The call failed.
        public static let failed = Status(rawValue: "failed")
    }
}
