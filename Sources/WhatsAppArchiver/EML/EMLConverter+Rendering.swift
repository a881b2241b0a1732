extension EMLConverter {
    /// The header section, blank line included.
    func headerSection(
        _ request: ConversionRequest,
        messageID: String,
        addresses: EMLAddressBook,
        boundary: String?
    ) -> [UInt8] {
        let item = request.item
        let domain = configuration.messageIDDomain
        typealias Token = MIMEHeaderEncoder.Token
        var head: [UInt8] = []
        // One allocation for the usual header section (about 700 bytes), instead of one per field and regrowth.
        head.reserveCapacity(1536)
        head.append(contentsOf: "Date: ".utf8)
        RFC5322Date.append(item.sentAt, to: &head)
        head.append(0x0D)
        head.append(0x0A)
        let from = addresses.headerMailbox(for: item.from)
        if !MIMEHeaderEncoder.appendQuotedMailboxes("From", [from], to: &head) {
            MIMEHeaderEncoder.appendField("From", addresses.mailboxTokens(for: item.from), to: &head)
        }
        if item.to.isEmpty {
            MIMEHeaderEncoder.appendSingleToken("To", "undisclosed-recipients:;", to: &head)
        } else if !MIMEHeaderEncoder.appendQuotedMailboxes("To", item.to.map(addresses.headerMailbox), to: &head) {
            var tokens: [Token] = []
            for party in item.to {
                if !tokens.isEmpty { tokens[tokens.count - 1].text += "," }
                tokens += addresses.mailboxTokens(for: party)
            }
            MIMEHeaderEncoder.appendField("To", tokens, to: &head)
        }
        MIMEHeaderEncoder.appendUnstructured("Subject", EMLSubjectRenderer.subject(for: item), to: &head)
        MIMEHeaderEncoder.appendAngleBracketed("Message-ID", messageID, to: &head)
        let root = EMLIdentifiers.conversationRoot(conversationID: item.conversation.id, domain: domain)
        // Compared one by one: an array literal here was an allocation per message.
        let kind = item.kind
        let parentID: String? =
            kind == .deletion || kind == .edit || kind == .reaction ? item.target?.id ?? item.replyTo : item.replyTo
        if let parentID {
            let parent = EMLIdentifiers.message(itemID: parentID, domain: domain)
            MIMEHeaderEncoder.appendAngleBracketed("In-Reply-To", parent, to: &head)
            MIMEHeaderEncoder.appendAngleBracketed("References", root, parent, to: &head)
        } else {
            MIMEHeaderEncoder.appendAngleBracketed("References", root, to: &head)
        }
        head.append(contentsOf: Self.mimeVersionField)
        if let boundary {
            MIMEHeaderEncoder.appendField(
                "Content-Type",
                MIMEHeaderEncoder.withParameters(
                    "multipart/mixed",
                    [MIMEHeaderEncoder.parameterTokens("boundary", boundary)]
                ),
                to: &head
            )
        } else {
            head += Self.textPartHeaders
        }
        // The id as it is, so that it can be searched for; one that holds "=?" would be decoded by readers as an
        // encoded-word, so it is written as encoded-words that decode to exactly the id.
        let itemIDTokens =
            MIMEHeaderEncoder.hasEncodedWordMarker(Substring(item.id))
            ? MIMEHeaderEncoder.encodedWords(item.id).map { Token(text: $0, spaceBefore: true) }
            : [Token(text: item.id, spaceBefore: true)]
        MIMEHeaderEncoder.appendField("X-TeleMessage-Item-Id", itemIDTokens, to: &head)
        MIMEHeaderEncoder.appendUnstructured("X-WhatsApp-Kind", item.kind.rawValue, maximumCharacters: 64, to: &head)
        MIMEHeaderEncoder.appendUnstructured(
            "X-WhatsApp-Conversation-Id",
            item.conversation.id,
            maximumCharacters: 256,
            to: &head
        )
        MIMEHeaderEncoder.appendUnstructured(
            "X-WhatsApp-Conversation-Type",
            item.conversation.type.rawValue,
            maximumCharacters: 64,
            to: &head
        )
        MIMEHeaderEncoder.appendUnstructured(
            "X-WhatsApp-Network",
            item.network.rawValue,
            maximumCharacters: 64,
            to: &head
        )
        if let captureMode = item.captureMode {
            MIMEHeaderEncoder.appendUnstructured(
                "X-WhatsApp-Capture-Mode",
                captureMode.rawValue,
                maximumCharacters: 64,
                to: &head
            )
        }
        if item.forwarded {
            MIMEHeaderEncoder.appendSingleToken("X-WhatsApp-Forwarded", "yes", to: &head)
        }
        if let reason = request.quarantineReason {
            MIMEHeaderEncoder.appendUnstructured("X-Archiver-Quarantine-Reason", reason, to: &head)
        }
        // The item as data, for programs that rebuild it from the archive alone (the RSMF production, #15).
        if configuration.includesItemRecord { EMLItemRecord.appendHeaderField(for: item, to: &head) }
        head += [0x0D, 0x0A]
        return head
    }

    /// Writes one part of a multipart body: its headers, a blank line, and its encoded content.
    ///
    /// An attachment is streamed from the reader `convert` opened (or, on a later write of the body, from a new
    /// one); when opening or reading it fails as missing or corrupt, the write throws ``AttachmentFailure``.
    static func write(
        _ part: EMLPart,
        attachments: [Attachment],
        opened: EMLOpenedAttachments?,
        chunkSize: Int,
        to output: MIMEOutput
    ) async throws {
        typealias Token = MIMEHeaderEncoder.Token
        switch part {
        case .text(let bytes):
            output.append(textPartHeaders + [0x0D, 0x0A])
            output.append(bytes)
        case .placeholder(let bytes):
            output.append(textPartHeaders)
            output.append(MIMEHeaderEncoder.field("Content-Disposition", [Token(text: "inline", spaceBefore: true)]))
            output.append(MIMEHeaderEncoder.unstructured("Content-Description", "Attachment not archived"))
            output.append([0x0D, 0x0A])
            output.append(bytes)
        case .rawJSON(let bytes):
            output.append(attachmentHeaders(contentType: "application/json", fileName: "item.json", id: nil))
            var encoder = Base64LineEncoder()
            bytes.withUnsafeBytes { encoder.encode($0, to: output) }
            encoder.finish(to: output)
        case .attachment(let index, let summary):
            output.append(
                attachmentHeaders(contentType: summary.contentType, fileName: summary.fileName, id: summary.id)
            )
            do {
                try await streamAttachment(attachments[index], index: index, opened: opened, chunkSize, to: output)
            } catch let error as ArchiverError
                where error.code == .attachmentMissing || error.code == .attachmentIntegrity
            {
                throw AttachmentFailure(attachmentID: attachments[index].id, reason: partialReason(summary, error))
            }
        }
        try await output.flushIfFull()
    }

    /// Streams an attachment's bytes as base64 lines, flushing after each chunk.
    private static func streamAttachment(
        _ attachment: Attachment,
        index: Int,
        opened: EMLOpenedAttachments?,
        _ chunkSize: Int,
        to output: MIMEOutput
    ) async throws {
        let reader: any AttachmentReader
        if let kept = opened?.take(index) {
            reader = kept
        } else {
            reader = try await attachment.content.open()
        }
        defer { reader.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 16)
        defer { buffer.deallocate() }
        var encoder = Base64LineEncoder()
        while true {
            let count = try await reader.read(into: buffer)
            if count == 0 { break }
            encoder.encode(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), to: output)
            try await output.flushIfFull()
        }
        encoder.finish(to: output)
    }

    private static let mimeVersionField: [UInt8] = MIMEHeaderEncoder.field(
        "MIME-Version",
        [MIMEHeaderEncoder.Token(text: "1.0", spaceBefore: true)]
    )

    private static let textPartHeaders: [UInt8] =
        MIMEHeaderEncoder.field(
            "Content-Type",
            MIMEHeaderEncoder.withParameters("text/plain", [MIMEHeaderEncoder.parameterTokens("charset", "utf-8")])
        )
        + MIMEHeaderEncoder.field(
            "Content-Transfer-Encoding",
            [MIMEHeaderEncoder.Token(text: "quoted-printable", spaceBefore: true)]
        )

    private static func attachmentHeaders(contentType: String, fileName: String, id: String?) -> [UInt8] {
        typealias Token = MIMEHeaderEncoder.Token
        var bytes = MIMEHeaderEncoder.field("Content-Type", [Token(text: contentType, spaceBefore: true)])
        bytes += MIMEHeaderEncoder.field(
            "Content-Disposition",
            MIMEHeaderEncoder.withParameters("attachment", [MIMEHeaderEncoder.parameterTokens("filename", fileName)])
        )
        bytes += MIMEHeaderEncoder.field("Content-Transfer-Encoding", [Token(text: "base64", spaceBefore: true)])
        if let id, Attachment.isValidID(id) {
            // A valid id is a single token of at most 128 safe characters: written as it is, for search.
            bytes += MIMEHeaderEncoder.field("X-TeleMessage-Attachment-Id", [Token(text: id, spaceBefore: true)])
        } else if let id {
            bytes += MIMEHeaderEncoder.unstructured("X-TeleMessage-Attachment-Id", id, maximumCharacters: 128)
        }
        return bytes + [0x0D, 0x0A]
    }
}
