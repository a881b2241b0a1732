extension EMLConverter {
    /// How the converter names things it has to invent: addresses for participants without a mailbox, message
    /// identifiers, multipart boundaries.
    public struct Configuration: Sendable {
        /// The domain of the placeholder address of a participant who maps to no mailbox and has no valid email
        /// property: `<phone digits>@<placeholderDomain>`. Under the RFC 2606 `.invalid` top-level domain by
        /// default, so that no reply can ever reach a real mailbox.
        public var placeholderDomain: String
        /// The domain of every `Message-ID`, `In-Reply-To` and `References` identifier.
        ///
        /// Changing it changes every message's identity: a sink that recognises duplicates by `Message-ID` would
        /// archive items again. Choose it once.
        public var messageIDDomain: String
        /// Makes the random part of multipart boundaries.
        public var boundaryGenerator: any MIMEBoundaryGenerator
        /// The longest display name written in a header, in characters; the body always shows the whole name.
        public var maximumHeaderNameLength: Int
        /// The size of the chunks read from an attachment.
        public var attachmentChunkSize: Int
        /// Whether each message carries the item as data (`X-WhatsApp-Item-Record`: base64 JSON), so that the
        /// archive alone can rebuild it, as `archive-export` does for RSMF productions. On by default.
        public var includesItemRecord: Bool = true

        /// Creates a configuration.
        public init(
            placeholderDomain: String = "whatsapp.invalid",
            messageIDDomain: String = "archiver.invalid",
            boundaryGenerator: any MIMEBoundaryGenerator = RandomMIMEBoundaryGenerator(),
            maximumHeaderNameLength: Int = 128,
            attachmentChunkSize: Int = 1 << 16
        ) {
            self.placeholderDomain = placeholderDomain
            self.messageIDDomain = messageIDDomain
            self.boundaryGenerator = boundaryGenerator
            self.maximumHeaderNameLength = maximumHeaderNameLength
            self.attachmentChunkSize = attachmentChunkSize
        }

        /// Checks the configuration.
        ///
        /// - Throws: ``ArchiverError/Code/invalidConfiguration`` naming the field that is not acceptable.
        public func validate() throws {
            for (field, domain) in [("placeholderDomain", placeholderDomain), ("messageIDDomain", messageIDDomain)] {
                if let problem = MailboxAddress.problem(with: "x@" + domain) {
                    throw ArchiverError(
                        .invalidConfiguration,
                        "EMLConverter.Configuration.\(field) \"\(domain)\" is not a usable domain: \(problem). "
                            + "Use a domain name such as \"archiver.invalid\"."
                    )
                }
            }
            guard maximumHeaderNameLength >= 8 else {
                throw ArchiverError(
                    .invalidConfiguration,
                    "EMLConverter.Configuration.maximumHeaderNameLength must be at least 8 (it is "
                        + "\(maximumHeaderNameLength))."
                )
            }
            guard (1...(1 << 24)).contains(attachmentChunkSize) else {
                throw ArchiverError(
                    .invalidConfiguration,
                    "EMLConverter.Configuration.attachmentChunkSize must be between 1 and 16 MiB (it is "
                        + "\(attachmentChunkSize))."
                )
            }
        }
    }
}
