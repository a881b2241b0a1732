import Foundation

extension Connector {
    /// How a ``Connector`` runs.
    public struct Configuration: Sendable {
        /// The folder inside each mailbox that receives the items.
        public var folder: String = "WhatsApp Archiver"
        /// The most items the connector asks the source for in one page.
        public var pageSize: Int = 500
        /// How far before the saved checkpoint a default window starts, in seconds, so that an item stored late
        /// is not missed. Items read twice are recognised as duplicates by the sink.
        public var overlap: TimeInterval = 15 * 60
        /// How far before now the first run's default window starts, in seconds.
        public var firstRunLookback: TimeInterval = 24 * 60 * 60
        /// Commit (and move the checkpoint) after this many deliveries.
        public var commitEveryDeliveries: Int = 1000
        /// Commit (and move the checkpoint) after this many bytes delivered.
        public var commitEveryBytes: Int64 = 256 << 20
        /// The source of "now".
        public var clock: any WallClock = SystemClock()

        /// Creates the default configuration.
        public init() {}
    }
}
