import Foundation

/// Keeps the connector's progress between runs.
///
/// The default implementation is ``FileCheckpointStore``; tests use an in-memory store.
public protocol CheckpointStore: Sendable {
    /// The last saved checkpoint; `nil` before the first run.
    func load() async throws -> Checkpoint?

    /// Replaces the checkpoint, durably, before returning.
    func save(_ checkpoint: Checkpoint) async throws
}

/// How far the archive is complete: every item captured before ``position`` is durably delivered.
public struct Checkpoint: Sendable, Hashable, Codable {
    /// Every item with `capturedAt` before this instant is durably archived.
    public var position: Date
    /// When the checkpoint was written.
    public var savedAt: Date

    /// Creates a checkpoint.
    public init(position: Date, savedAt: Date) {
        self.position = position
        self.savedAt = savedAt
    }

    private enum CodingKeys: String, CodingKey {
        case position
        case savedAt
        case version
    }

    /// Decodes the checkpoint's JSON form (RFC 3339 timestamps).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let positionText = try container.decode(String.self, forKey: .position)
        let savedAtText = try container.decode(String.self, forKey: .savedAt)
        guard let position = RFC3339.parse(positionText), let savedAt = RFC3339.parse(savedAtText) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [CodingKeys.position], debugDescription: "The checkpoint's timestamps are invalid.")
            )
        }
        self.position = position
        self.savedAt = savedAt
    }

    /// Encodes the checkpoint as JSON with RFC 3339 timestamps and a format version.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(1, forKey: .version)
        try container.encode(RFC3339.format(position), forKey: .position)
        try container.encode(RFC3339.format(savedAt), forKey: .savedAt)
    }
}
