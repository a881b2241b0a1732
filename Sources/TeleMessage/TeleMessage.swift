/// The TeleMessage source module: reads items from a live TeleMessage account (HTTP binding) or from a saved export
/// (directory binding).
///
/// This module is the only one in the package that links `FoundationNetworking`.
public enum TeleMessage {
    /// The version of the export format this module reads (`telemessage-export.md`).
    public static let exportFormatVersion = "1"
}
