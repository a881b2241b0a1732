/// A group or system event: a group created, participants added or removed, the subject changed, and so on.
public struct Event: Sendable, Hashable {
    /// What happened.
    public var type: EventType
    /// Who did it.
    public var actor: Party?
    /// To whom it was done.
    public var targets: [Party]
    /// The new group subject. Untrusted text.
    public var subject: String?
    /// Free text describing the event. Untrusted text.
    public var description: String?

    /// Creates an event.
    public init(
        type: EventType,
        actor: Party? = nil,
        targets: [Party] = [],
        subject: String? = nil,
        description: String? = nil
    ) {
        self.type = type
        self.actor = actor
        self.targets = targets
        self.subject = subject
        self.description = description
    }

    /// What happened in a group or system event. Unknown values are kept as they are.
    public struct EventType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The value as it appears in the export.
        public var rawValue: String
        /// Creates a value from its export form.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The export value.
        public var description: String { rawValue }
        /// The group was created.
        public static let groupCreated = EventType(rawValue: "group_created")
        /// Participants were added.
        public static let participantAdded = EventType(rawValue: "participant_added")
        /// Participants were removed.
        public static let participantRemoved = EventType(rawValue: "participant_removed")
        /// A participant joined (by link).
        public static let participantJoined = EventType(rawValue: "participant_joined")
        /// A participant left.
        public static let participantLeft = EventType(rawValue: "participant_left")
        /// The group subject changed.
        public static let subjectChanged = EventType(rawValue: "subject_changed")
        /// The group icon changed.
        public static let iconChanged = EventType(rawValue: "icon_changed")
        /// A participant's security code changed.
        public static let securityCodeChanged = EventType(rawValue: "security_code_changed")
        /// Any other event.
        public static let other = EventType(rawValue: "other")
    }
}
