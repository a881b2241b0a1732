import WhatsAppArchiver

/// A ``MessageConverter`` that writes a short plain-text message: for tests of sources, mappers, sinks and the
/// `Connector`, where the exact email format does not matter.
///
/// The `Message-ID` is derived from the item id alone (hex-encoded, so any id is safe), as the contract requires.
/// Each attachment is opened and read to the end; one that cannot be provided is listed in the body and reported
/// in ``EmailMessage/partialReasons``, as a real converter would. The SDK's real converter is the EML converter.
public struct SummaryConverter: MessageConverter {
    /// The domain of the generated `Message-ID`s.
    public var domain: String

    /// Creates a converter.
    public init(domain: String = "archiver.invalid") {
        self.domain = domain
    }

    /// The `Message-ID` this converter gives `item`.
    public func messageID(for item: Item) -> String {
        "wa."
            + item.id.utf8.map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }.joined() + "@" + domain
    }

    /// Writes a short message with the item's id, kind, sender, mailboxes, text and attachment sizes.
    public func convert(_ request: ConversionRequest) async throws -> EmailMessage {
        let item = request.item
        var partial: [PartialReason] = []
        var attachmentLines: [String] = []
        for attachment in item.attachments {
            do {
                let reader = try await attachment.content.open()
                defer { reader.close() }
                let total = try await reader.forEachChunk { _ in }
                attachmentLines.append("Attachment \(attachment.id): \(total) bytes")
            } catch let error as ArchiverError
                where error.code == .attachmentMissing || error.code == .attachmentIntegrity
            {
                partial.append(PartialReason(code: error.code, detail: "\(attachment.id): \(error.message)"))
                attachmentLines.append("Attachment \(attachment.id): not available (\(error.code))")
            }
        }
        var lines = [
            "Message-ID: <\(messageID(for: item))>",
            "Date: \(RFC3339.format(item.sentAt))",
            "X-TeleMessage-Item-Id: \(item.id.filter { $0.isASCII && !$0.isNewline })",
            "X-Mailboxes: \(request.mailboxes.map(\.rawValue).joined(separator: ", "))",
            "Subject: \(item.kind) from \(item.from.phone)",
            "",
            Self.printable(item.text ?? ""),
        ]
        lines += attachmentLines
        if let reason = request.quarantineReason { lines.append("Quarantined: \(Self.printable(reason))") }
        let text = lines.joined(separator: "\r\n") + "\r\n"
        return EmailMessage(
            messageID: messageID(for: item),
            date: item.sentAt,
            partialReasons: partial,
            body: EmailBody(bytes: Array(text.utf8))
        )
    }

    private static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.value < 0x20 ? " " : Character($0) })
    }
}
