/// Turns an item into the RFC 5322 / MIME message for every mailbox it reaches: the SDK's standard ``MessageConverter``.
///
/// The message has `Date`, `From`, `To`, `Subject` in the TeleMessage archive's convention, a `Message-ID` derived
/// from the item alone, `In-Reply-To` and `References` that thread replies, deletions, edits and reactions under
/// their targets and every item under its conversation, and `X-TeleMessage-Item-Id` and `X-WhatsApp-*` headers. Its
/// body is a quoted-printable `text/plain` part that a reviewer reads without tools; attachments follow as base64
/// parts in a `multipart/mixed`, streamed from the source in bounded memory. An attachment the source cannot
/// provide becomes a `text/plain` part that names it and says why, and is reported in
/// ``EmailMessage/partialReasons``.
///
/// The bytes obey RFC 5322 and RFC 2045–2047 and 2231: CRLF line endings, lines of at most 998 octets (76 for
/// encoded bodies), an ASCII-only header section, and no header line that untrusted text could create.
///
/// ```swift
/// let converter = try EMLConverter(configuration: .init(messageIDDomain: "archive.contoso.com"))
/// let message = try await converter.convert(request)
/// try await message.body.write(to: &sinkWriter)
/// ```
public struct EMLConverter: MessageConverter {
    /// How the converter names what it invents.
    public let configuration: Configuration

    /// Creates a converter.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` when the configuration is not usable.
    public init(configuration: Configuration = Configuration()) throws {
        try configuration.validate()
        self.configuration = configuration
    }

    /// The `Message-ID` (without angle brackets) of every message made from `item`, in every mailbox.
    public func messageID(for item: Item) -> String {
        EMLIdentifiers.message(itemID: item.id, domain: configuration.messageIDDomain)
    }

    /// Converts one item; the message names every participant by their mailbox, so it is the same for every
    /// mailbox of the request.
    ///
    /// Opens every attachment first: one the source cannot provide (``ArchiverError/Code/attachmentMissing``,
    /// ``ArchiverError/Code/attachmentIntegrity``) is replaced by a placeholder part and listed in
    /// ``EmailMessage/partialReasons``; any other error closes what was opened and is rethrown. The returned body
    /// streams the attachments' bytes when it is written (the first write from the readers opened here, later
    /// writes from readers opened again) and throws ``AttachmentFailure`` when one fails while streamed; the
    /// message's ``EmailMessage/fallback`` is then the same message with a placeholder for that attachment.
    ///
    /// - Throws: ``ArchiverError/Code/conversionFailed`` (item scope) when the item id is not 1 to 256 printable
    ///   ASCII characters, as the export format requires; errors from the attachments as described.
    public func convert(_ request: ConversionRequest) async throws -> EmailMessage {
        let item = request.item
        try Self.checkItemID(item.id)
        let opened = EMLOpenedAttachments()
        var summaries: [EMLBodyRenderer.AttachmentSummary] = []
        var partialReasons: [PartialReason] = []
        for (index, attachment) in item.attachments.enumerated() {
            var summary = EMLBodyRenderer.AttachmentSummary(
                id: UntrustedText.singleLine(attachment.id, maximumCharacters: 128),
                fileName: UntrustedText.fileName(attachment.fileName, fallback: Self.fallbackName(attachment, index)),
                contentType: MIMEContentType.validated(attachment.contentType),
                size: attachment.size,
                caption: attachment.caption
            )
            do {
                opened.keep(try await attachment.content.open(), at: index)
            } catch let error as ArchiverError
                where error.code == .attachmentMissing || error.code == .attachmentIntegrity
            {
                summary.failure = error
                partialReasons.append(Self.partialReason(summary, error))
            } catch {
                opened.closeAll()
                throw error
            }
            summaries.append(summary)
        }
        do {
            return try assemble(request, summaries: summaries, partialReasons: partialReasons, opened: opened)
        } catch {
            opened.closeAll()
            throw error
        }
    }

    /// The message for `request` with these attachment summaries; its fallback assembles the message again with
    /// one more summary marked failed.
    ///
    /// - Parameter previousBoundary: The boundary of the message this one falls back from, kept when no part's
    ///   text holds it (it never does: see ``makeBoundary(avoiding:)``), so that a fallback needs no generator.
    private func assemble(
        _ request: ConversionRequest,
        summaries: [EMLBodyRenderer.AttachmentSummary],
        partialReasons: [PartialReason],
        opened: EMLOpenedAttachments?,
        previousBoundary: String? = nil
    ) throws -> EmailMessage {
        let item = request.item
        let addresses = EMLAddressBook(mapping: request.mapping, configuration: configuration)
        let text = EMLBodyRenderer.text(
            for: item,
            attachments: summaries,
            label: addresses.label(for:),
            quarantineReason: request.quarantineReason
        )
        var parts: [EMLPart] = [.text(QuotedPrintableEncoder.encode(text))]
        for (index, summary) in summaries.enumerated() {
            if let failure = summary.failure {
                parts.append(.placeholder(QuotedPrintableEncoder.encode(Self.placeholderText(summary, failure))))
            } else {
                parts.append(.attachment(index: index, summary: summary))
            }
        }
        if !item.kind.isKnown, let rawJSON = item.rawJSON {
            parts.append(.rawJSON(Array(rawJSON.utf8)))
        }
        let boundary: String?
        if parts.count == 1 {
            boundary = nil
        } else if let previousBoundary,
            !parts.contains(where: { $0.hasLine(startingWith: Array(("--" + previousBoundary).utf8)) })
        {
            boundary = previousBoundary
        } else {
            boundary = try makeBoundary(avoiding: parts)
        }
        let head = headerSection(request, addresses: addresses, boundary: boundary)
        let attachments = item.attachments
        let chunkSize = configuration.attachmentChunkSize
        let body = EmailBody { [parts] writer in
            let output = MIMEOutput(writer: writer)
            defer { writer = output.writer }
            output.append(head)
            if let boundary {
                for part in parts {
                    output.append("--" + boundary + "\r\n")
                    try await Self.write(
                        part,
                        attachments: attachments,
                        opened: opened,
                        chunkSize: chunkSize,
                        to: output
                    )
                }
                output.append("--" + boundary + "--\r\n")
            } else if case .text(let bytes) = parts[0] {
                output.append(bytes)
            }
            try await output.flush()
        }
        let fallback: @Sendable (AttachmentFailure) -> EmailMessage = { failure in
            var summaries = summaries
            var partialReasons = partialReasons
            if let index = Self.index(of: failure, in: attachments, summaries: summaries) {
                summaries[index].failure = ArchiverError(failure.reason.code, failure.reason.detail, scope: .item)
            }
            partialReasons.append(failure.reason)
            // The fallback's boundary is the same one, so `makeBoundary` cannot fail; the message never opened
            // readers of its own, so every write of its body opens the attachments again.
            return
                (try? self.assemble(
                    request,
                    summaries: summaries,
                    partialReasons: partialReasons,
                    opened: nil,
                    previousBoundary: boundary
                ))
                ?? EmailMessage(
                    messageID: self.messageID(for: item),
                    date: item.sentAt,
                    partialReasons: partialReasons,
                    body: EmailBody { _ in throw failure }
                )
        }
        return EmailMessage(
            messageID: messageID(for: item),
            date: item.sentAt,
            partialReasons: partialReasons,
            body: body,
            fallback: fallback
        )
    }

    /// The position of the attachment that `failure` names and that is not yet failed.
    private static func index(
        of failure: AttachmentFailure,
        in attachments: [Attachment],
        summaries: [EMLBodyRenderer.AttachmentSummary]
    ) -> Int? {
        attachments.indices.first { attachments[$0].id == failure.attachmentID && summaries[$0].failure == nil }
    }

    /// The partial reason for an attachment that `error` made unavailable.
    static func partialReason(_ summary: EMLBodyRenderer.AttachmentSummary, _ error: ArchiverError) -> PartialReason {
        PartialReason(
            code: error.code,
            detail: "attachment \(summary.id) \"\(summary.fileName)\": \(UntrustedText.singleLine(error.message))"
        )
    }

    /// A boundary `=_WA_<token>` that no line of the in-memory parts starts with.
    ///
    /// Quoted-printable and base64 cannot produce `=_`, so the first candidate always fits today; the check keeps
    /// that true if a part is ever written as 7bit or 8bit, and guards against a generator that repeats itself.
    private func makeBoundary(avoiding parts: [EMLPart]) throws -> String {
        for _ in 0..<8 {
            let token = configuration.boundaryGenerator.makeToken().unicodeScalars.filter { scalar in
                scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "._-".unicodeScalars.contains(scalar))
            }
            let boundary = "=_WA_" + String(String.UnicodeScalarView(token.prefix(60)))
            if !parts.contains(where: { $0.hasLine(startingWith: Array(("--" + boundary).utf8)) }) {
                return boundary
            }
        }
        throw ArchiverError(
            .conversionFailed,
            "Every multipart boundary the boundary generator offered occurs in the message's text; "
                + "use RandomMIMEBoundaryGenerator.",
            scope: .item
        )
    }

    private static func checkItemID(_ id: String) throws {
        guard (1...256).contains(id.utf8.count), id.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw ArchiverError(
                .conversionFailed,
                "The item id is not 1 to 256 printable ASCII characters, as the export format requires; the item "
                    + "cannot be given a stable identity. Report the item to the source's operator.",
                scope: .item
            )
        }
    }

    private static func fallbackName(_ attachment: Attachment, _ index: Int) -> String {
        Attachment.isValidID(attachment.id) ? "attachment-" + attachment.id : "attachment-\(index + 1)"
    }

    private static func placeholderText(
        _ summary: EMLBodyRenderer.AttachmentSummary,
        _ failure: ArchiverError
    ) -> String {
        """
        The attachment "\(summary.fileName)" (\(summary.contentType), \(summary.size) bytes, id \(summary.id)) is \
        not in this archived message.
        Reason: \(EMLBodyRenderer.reason(failure))
        The rest of the item was archived; the delivery is counted as partially imported.
        """
    }
}
