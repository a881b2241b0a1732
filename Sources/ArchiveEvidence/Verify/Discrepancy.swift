/// One thing a verification found wrong: a message added outside the log, altered or missing, a log that does not
/// hold together, a head that differs from an anchored one, or a message an interrupted commit stored and has not
/// logged yet.
///
/// ``description`` is the line `archive-verify` prints, word for word what `Documentation/verify_archive.py`
/// prints for the same archive.
public struct Discrepancy: Sendable, Hashable, CustomStringConvertible {
    /// What kind of discrepancy.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The word the line starts with.
        public let rawValue: String
        /// A file in a folder that no log entry accounts for, and whose `Message-ID` is not logged either.
        public static let added = Kind(rawValue: "added")
        /// A file whose bytes differ from its logged entry's (same `Message-ID`, other SHA-256).
        public static let altered = Kind(rawValue: "altered")
        /// A logged entry whose bytes no file in the folder holds.
        public static let missing = Kind(rawValue: "missing")
        /// A log that does not hold together: a line that is no record, an entry out of order, a head that does
        /// not match the entries before it.
        public static let log = Kind(rawValue: "log")
        /// An anchored head that the log does not reproduce.
        public static let head = Kind(rawValue: "head")
        /// A file stored by a commit that was interrupted before it was logged: the archiver's next run logs it.
        public static let pending = Kind(rawValue: "pending")
        /// The word.
        public var description: String { rawValue }
    }

    /// What kind.
    public var kind: Kind
    /// What it is about: a folder (`alice@contoso.com/.WhatsApp Archiver`) or a file in it (`…/cur/name`).
    public var subject: String
    /// What is wrong.
    public var detail: String

    /// A discrepancy.
    public init(_ kind: Kind, _ subject: String, _ detail: String) {
        self.kind = kind
        self.subject = subject
        self.detail = detail
    }

    /// `kind subject: detail`.
    public var description: String { "\(kind) \(subject): \(detail)" }
}
