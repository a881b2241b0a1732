extension RunReport {
    /// A folder's evidence-log head after a run: what `archive-verify --heads` checks the log against later.
    public struct LogHead: Sendable, Hashable {
        /// The folder's directory relative to the Maildir root: `alice@contoso.com/.WhatsApp Archiver`.
        public var path: String
        /// The number of log entries the root covers.
        public var size: Int
        /// The RFC 9162 Merkle tree root of those entries, in 64 lowercase hexadecimal digits.
        public var root: String

        /// A head.
        public init(path: String, size: Int, root: String) {
            self.path = path
            self.size = size
            self.root = root
        }
    }
}
