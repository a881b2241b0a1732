/// An error raised by the archiver or by one of its roles.
///
/// `ArchiverError` is a struct with an extensible ``Code`` rather than an enum, so that new failure modes can be
/// added without breaking code that switches over them. Every error says what went wrong and what to do about it
/// (``message``), whether it concerns one item or the whole run (``scope``), and carries the error that caused it
/// (``underlying``), if any.
///
/// The `Connector` uses ``scope`` to decide what happens next: an ``Scope/item`` error is counted against that one
/// item in the run report and the run goes on; a ``Scope/run`` error stops the run with the checkpoint at the last
/// durable point.
///
/// Messages never contain secrets: passwords and tokens are not part of any error this package creates.
public struct ArchiverError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable identifier for a kind of failure.
    ///
    /// The raw value is a short `snake_case` code. For item-scoped codes it is also the `reason` written to the run
    /// report, so these values are part of the public contract.
    public struct Code: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The stable `snake_case` identifier of this code.
        public let rawValue: String

        /// Creates a code; integrators may define their own codes for their own roles.
        public init(_ rawValue: String) {
            self.rawValue = rawValue
        }

        /// Creates a code from a literal raw value, so that `report.failures[0].reason == "unmapped"` reads as the
        /// JSON report does.
        public init(stringLiteral rawValue: String) {
            self.rawValue = rawValue
        }

        /// A textual representation: the raw value.
        public var description: String { rawValue }

        /// The item was not valid: bad JSON, a missing required field, an unparseable timestamp or phone number.
        public static let invalidItem = Code("invalid_item")
        /// No participant of the item maps to a mailbox.
        public static let unmapped = Code("unmapped")
        /// An attachment could not be obtained from the source (gone from the server, file missing).
        public static let attachmentMissing = Code("attachment_missing")
        /// An attachment's bytes did not match its declared size or SHA-256 digest.
        public static let attachmentIntegrity = Code("attachment_integrity")
        /// The converter could not turn the item into a message for this mailbox.
        public static let conversionFailed = Code("conversion_failed")
        /// The sink refused this one message (for example, a mailbox name it cannot store).
        public static let deliveryRejected = Code("delivery_rejected")

        /// The source could not be reached or kept failing after retries.
        public static let sourceUnavailable = Code("source_unavailable")
        /// The source rejected the credentials.
        public static let authenticationFailed = Code("authentication_failed")
        /// The configuration or a command-line argument is not valid.
        public static let invalidConfiguration = Code("invalid_configuration")
        /// The user-mapping file could not be read or has errors.
        public static let mappingFileInvalid = Code("mapping_file_invalid")
        /// Storage failed: disk full, permission denied, read-only file system, I/O error.
        public static let storageFailed = Code("storage_failed")
        /// The checkpoint could not be read or written.
        public static let checkpointFailed = Code("checkpoint_failed")
        /// The source broke the export contract (for example, a cursor that does not advance).
        public static let protocolViolation = Code("protocol_violation")
    }

    /// Whether an error concerns one item or the whole run.
    public enum Scope: Sendable, Hashable {
        /// The error concerns one item (or one delivery of it); the run goes on.
        case item
        /// The error concerns the run; the run stops.
        case run
    }

    /// What kind of failure this is.
    public var code: Code
    /// What went wrong and, where it helps, what to do about it. Never contains secrets.
    public var message: String
    /// Whether the error concerns one item or the whole run.
    public var scope: Scope
    /// The error that caused this one, if any.
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - code: The kind of failure.
    ///   - message: What went wrong and what to do about it.
    ///   - scope: Whether the failure concerns one item or the run; defaults to the code's usual scope.
    ///   - underlying: The error that caused this one.
    public init(_ code: Code, _ message: String, scope: Scope? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.scope = scope ?? code.defaultScope
        self.underlying = underlying
    }

    /// `code: message`, followed by the underlying error's description.
    public var description: String {
        var text = "\(code.rawValue): \(message)"
        if let underlying {
            text += " (caused by: \(String(describing: underlying)))"
        }
        return text
    }
}

extension ArchiverError.Code {
    /// The scope an error with this code has unless its creator says otherwise.
    public var defaultScope: ArchiverError.Scope {
        switch self {
        case .invalidItem, .unmapped, .attachmentMissing, .attachmentIntegrity, .conversionFailed, .deliveryRejected:
            return .item
        default:
            return .run
        }
    }
}
