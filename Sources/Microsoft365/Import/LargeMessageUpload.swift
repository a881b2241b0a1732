import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A message too large for one `importMime` request: created as a received, non-draft message
/// (`POST …/mailFolders/{f}/messages` with `PR_MESSAGE_FLAGS` = 1) marked unfinished, its attachments added one by one
/// (a `POST` under 3 MB, an upload session above, in chunks of 3.125 MiB, a multiple of 320 KiB), then marked
/// complete. A run killed in between leaves the mark, and the next run removes the unfinished message and stores it
/// again.
struct LargeMessageUpload {
    /// Attachments under this size (the documents' "3 MB") are posted whole: their base64 JSON stays under the
    /// 4 MiB request limit. From this size on, an upload session.
    static let directLimit: Int64 = 3_000_000
    /// The largest attachment Exchange Online takes through an upload session.
    static let sessionLimit: Int64 = 150 << 20
    /// Bytes per upload-session `PUT`: 10 × 320 KiB.
    static let chunkSize = 10 * 320 * 1024

    let client: GraphClient
    let lane: MailboxLane

    func store(
        _ parsed: MIMEFileParser.Parsed,
        size: Int64,
        messageID: String,
        date: Date
    ) async throws
        -> MessageImporter.Outcome
    {
        let tooLarge = parsed.attachments.filter { $0.size > Self.sessionLimit }
        var partials: [PartialReason] = []
        var text = parsed.text
        if !tooLarge.isEmpty {
            text += "\n\nNot imported into Exchange Online (over its 150 MiB attachment limit):\n"
            for attachment in tooLarge {
                text += "  - \"\(attachment.name)\" (\(attachment.contentType), \(attachment.size) bytes)\n"
                partials.append(
                    PartialReason(
                        code: .attachmentTooLarge,
                        detail: "\(attachment.name): \(attachment.size) bytes, over Exchange Online's 150 MiB limit"
                    )
                )
            }
        }
        let graphID = try await createMessage(parsed, text: text, messageID: messageID, date: date)
        try await lane.markUnfinished(messageID, graphID: graphID)
        for attachment in parsed.attachments where attachment.size <= Self.sessionLimit {
            if attachment.size < Self.directLimit {
                try await postAttachment(attachment, graphID: graphID, messageID: messageID)
            } else {
                try await uploadAttachment(attachment, graphID: graphID, messageID: messageID)
            }
        }
        let finish = try GraphRequest.json(
            "PATCH",
            client.url("v1.0", mailbox: lane.mailbox, "messages/\(graphID)"),
            ["singleValueExtendedProperties": [["id": MailboxLane.uploadMarker, "value": "complete"]]]
        )
        let response = try await client.send(finish, mailbox: lane.mailbox)
        guard response.status == 200 else {
            throw MessageImporter.refusal(response, mailbox: lane.mailbox, messageID: messageID)
        }
        return MessageImporter.Outcome(stored: true, byteCount: size, partialReasons: partials)
    }

    private func createMessage(
        _ parsed: MIMEFileParser.Parsed,
        text: String,
        messageID: String,
        date: Date
    )
        async throws -> String
    {
        func recipients(_ field: String) -> [[String: Any]] {
            MIMEHeaders.addresses(parsed.field(field) ?? "").map {
                ["emailAddress": ["name": $0.name, "address": $0.address]]
            }
        }
        var message: [String: Any] = [
            "subject": MIMEHeaders.decodeWords(parsed.field("subject") ?? ""),
            "body": ["contentType": "text", "content": text],
            "internetMessageId": "<\(messageID)>",
            "toRecipients": recipients("to"),
            "ccRecipients": recipients("cc"),
            "receivedDateTime": RFC3339.format(date),
            "sentDateTime": RFC3339.format(date),
            "singleValueExtendedProperties": [
                ["id": "Integer 0x0E07", "value": "1"],
                ["id": MailboxLane.uploadMarker, "value": "incomplete"],
            ],
        ]
        // The X- headers (the item id, the kind, the conversation) as internet message headers, as many as Graph
        // takes (5), so that the message is found by them as the imported ones are.
        let custom = parsed.fields.filter { $0.name.hasPrefix("x-") }.prefix(5)
        if !custom.isEmpty {
            message["internetMessageHeaders"] = custom.map { field in
                ["name": Self.headerName(field.name), "value": field.value]
            }
        }
        if let from = recipients("from").first {
            message["from"] = from
            message["sender"] = from
        }
        let folderID = await lane.folderID
        let request = try GraphRequest.json(
            "POST",
            client.url("v1.0", mailbox: lane.mailbox, "mailFolders/\(folderID)/messages"),
            message,
            kind: .storing
        )
        for _ in 1...client.limits.maximumAttempts {
            let response: GraphResponse
            do {
                response = try await client.send(request, mailbox: lane.mailbox)
            } catch is GraphClient.AnswerLost {
                // Created or not? An unfinished copy found is removed, so that the message is made once, whole.
                if let found = try await lane.holds(messageID) {
                    let delete = GraphRequest(
                        "DELETE",
                        client.url("v1.0", mailbox: lane.mailbox, "messages/\(found.id)")
                    )
                    _ = try await client.send(delete, mailbox: lane.mailbox)
                }
                continue
            }
            if response.status == 201, let id = response.jsonObject?["id"] as? String { return id }
            throw MessageImporter.refusal(response, mailbox: lane.mailbox, messageID: messageID)
        }
        throw MessageImporter.kept(lane.mailbox, messageID)
    }

    /// `length` bytes of the spooled file at `offset`, read straight into the request body.
    static func read(_ descriptor: Int32, offset: Int64, length: Int, path: String) throws -> Data {
        var data = Data(count: length)
        let count = data.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(offset)) }
        guard count == length else { throw POSIXFiles.failure("read the spooled attachment", path, errno) }
        return data
    }

    /// `x-telemessage-item-id` → `X-TeleMessage-Item-Id`: the converter's spelling, for readers of the headers.
    static func headerName(_ lowercased: String) -> String {
        let known = ["x-telemessage-item-id": "X-TeleMessage-Item-Id"]
        if let name = known[lowercased] { return name }
        return lowercased.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined(
            separator: "-"
        )
    }

    private func postAttachment(
        _ attachment: MIMEFileParser.Attachment,
        graphID: String,
        messageID: String
    )
        async throws
    {
        guard let bytes = try POSIXFiles.readFile(attachment.path) else {
            throw ArchiverError(.storageFailed, "The spooled attachment \(attachment.path) is gone.", scope: .run)
        }
        let request = try GraphRequest.json(
            "POST",
            client.url("v1.0", mailbox: lane.mailbox, "messages/\(graphID)/attachments"),
            [
                "@odata.type": "#microsoft.graph.fileAttachment", "name": attachment.name,
                "contentType": attachment.contentType, "contentBytes": Data(bytes).base64EncodedString(),
            ],
            // Repeating it after a lost answer could attach it twice to a message that is still marked unfinished;
            // the whole message is then made again by the next run rather than checked attachment by attachment.
            kind: .storing
        )
        let response: GraphResponse
        do {
            response = try await client.send(request, mailbox: lane.mailbox)
        } catch is GraphClient.AnswerLost {
            throw MessageImporter.kept(lane.mailbox, messageID)
        }
        guard response.status == 201 else {
            throw MessageImporter.refusal(response, mailbox: lane.mailbox, messageID: messageID)
        }
    }

    private func uploadAttachment(
        _ attachment: MIMEFileParser.Attachment,
        graphID: String,
        messageID: String
    )
        async throws
    {
        let create = try GraphRequest.json(
            "POST",
            client.url("v1.0", mailbox: lane.mailbox, "messages/\(graphID)/attachments/createUploadSession"),
            ["AttachmentItem": ["attachmentType": "file", "name": attachment.name, "size": attachment.size]]
        )
        let response = try await client.send(create, mailbox: lane.mailbox)
        guard response.status == 201, let text = response.jsonObject?["uploadUrl"] as? String,
            let uploadURL = URL(string: text)
        else {
            throw MessageImporter.refusal(response, mailbox: lane.mailbox, messageID: messageID)
        }
        guard GraphEndpoint.mayCarryCredentials(uploadURL) else {
            throw ArchiverError(
                .protocolViolation,
                "Microsoft Graph gave an upload URL that is not https (\(uploadURL.host ?? "?")); refusing it.",
                scope: .run
            )
        }
        let descriptor = open(attachment.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXFiles.failure("open the spooled attachment", attachment.path, errno) }
        defer { _ = SystemError.closeIgnoringInterrupts(descriptor) }
        var offset: Int64 = 0
        while offset < attachment.size {
            let length = Int(min(Int64(Self.chunkSize), attachment.size - offset))
            await client.chunkUploads.acquire()
            let answer: GraphResponse
            do {
                var put = GraphRequest(
                    "PUT",
                    uploadURL,
                    body: try Self.read(descriptor, offset: offset, length: length, path: attachment.path),
                    contentType: "application/octet-stream"
                )
                put.authenticated = false  // the upload URL is pre-authenticated: no bearer token goes there
                put.headers["Content-Range"] = "bytes \(offset)-\(offset + Int64(length) - 1)/\(attachment.size)"
                answer = try await client.send(put, mailbox: lane.mailbox)
                client.chunkUploads.release()
            } catch {
                client.chunkUploads.release()
                throw error
            }
            guard answer.status == 200 || answer.status == 201 else {
                throw MessageImporter.refusal(answer, mailbox: lane.mailbox, messageID: messageID)
            }
            offset += Int64(length)
        }
    }
}
