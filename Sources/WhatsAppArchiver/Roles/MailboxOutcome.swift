/// What a sink did with a delivery: one outcome per mailbox.
public struct DeliveryResult: Sendable, Equatable {
    /// One outcome per mailbox, in the order of ``Delivery/mailboxes``.
    public var outcomes: [MailboxOutcome]

    /// Creates a result.
    public init(outcomes: [MailboxOutcome]) {
        self.outcomes = outcomes
    }
}

/// What a sink did with a message for one mailbox.
public struct MailboxOutcome: Sendable, Equatable {
    /// The mailbox.
    public var mailbox: MailboxAddress
    /// Stored, already there, taken for later, or refused.
    public var status: Status
    /// The bytes stored; 0 unless ``status`` is ``Status/stored``.
    public var byteCount: Int64
    /// Why the stored message is incomplete: the message's ``EmailMessage/partialReasons``, or its fallback's when
    /// the sink stored that.
    public var partialReasons: [PartialReason]
    /// For ``Status/refused``: the item-scoped problem, this mailbox alone.
    public var problem: ArchiverError?

    /// Creates an outcome.
    public init(
        mailbox: MailboxAddress,
        status: Status,
        byteCount: Int64 = 0,
        partialReasons: [PartialReason] = [],
        problem: ArchiverError? = nil
    ) {
        self.mailbox = mailbox
        self.status = status
        self.byteCount = byteCount
        self.partialReasons = partialReasons
        self.problem = problem
    }

    /// The message was stored; it becomes durable with the batch it belongs to.
    public static func stored(
        _ mailbox: MailboxAddress,
        byteCount: Int64,
        partialReasons: [PartialReason] = []
    ) -> MailboxOutcome {
        MailboxOutcome(mailbox: mailbox, status: .stored, byteCount: byteCount, partialReasons: partialReasons)
    }

    /// A message with the same `Message-ID` is already in the mailbox's folder; nothing was stored.
    public static func duplicate(_ mailbox: MailboxAddress) -> MailboxOutcome {
        MailboxOutcome(mailbox: mailbox, status: .duplicate)
    }

    /// The sink took the message; the receipt of its batch says what became of it.
    public static func accepted(_ mailbox: MailboxAddress, partialReasons: [PartialReason] = []) -> MailboxOutcome {
        MailboxOutcome(mailbox: mailbox, status: .accepted, partialReasons: partialReasons)
    }

    /// The sink cannot store the message in this mailbox, for `problem` (item-scoped).
    public static func refused(_ mailbox: MailboxAddress, _ problem: ArchiverError) -> MailboxOutcome {
        MailboxOutcome(mailbox: mailbox, status: .refused, problem: problem)
    }

    /// Whether two outcomes say the same: equal fields, and problems of the same code, scope and message.
    public static func == (lhs: MailboxOutcome, rhs: MailboxOutcome) -> Bool {
        lhs.mailbox == rhs.mailbox && lhs.status == rhs.status && lhs.byteCount == rhs.byteCount
            && lhs.partialReasons == rhs.partialReasons && lhs.problem?.code == rhs.problem?.code
            && lhs.problem?.scope == rhs.problem?.scope && lhs.problem?.message == rhs.problem?.message
    }

    /// What a sink did with a message for one mailbox. New statuses may be added; switch with a `default`.
    public struct Status: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// A short stable name.
        public var rawValue: String
        /// Creates a status.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The name.
        public var description: String { rawValue }

        /// The message was stored; it becomes durable with the batch it belongs to.
        public static let stored = Status(rawValue: "stored")
        /// A message with the same `Message-ID` is already in the folder; nothing was stored.
        public static let duplicate = Status(rawValue: "duplicate")
        /// The sink took the message and will say what became of it in the ``CommitReceipt`` of the batch it
        /// belongs to (a network sink with requests still in flight).
        public static let accepted = Status(rawValue: "accepted")
        /// The sink cannot store the message in this mailbox; ``MailboxOutcome/problem`` says why.
        public static let refused = Status(rawValue: "refused")
    }
}
