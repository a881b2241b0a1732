import Foundation
import WhatsAppArchiver

/// Stores one message in one mailbox folder: `importMime` when its base64 fits a request, else a non-draft message
/// with its attachments uploaded after it. A write whose answer was lost is checked before it is sent again.
struct MessageImporter: Sendable {
    /// What became of one (message, mailbox) pair.
    struct Outcome: Sendable {
        var stored: Bool
        var byteCount: Int64
        var partialReasons: [PartialReason]
    }

    let client: GraphClient

    /// A message as it is sent: its MIME for `importMime`, or its parts for the large-message path.
    enum Payload: Sendable {
        case mime([UInt8])
        case large(MIMEFileParser.Parsed, size: Int64)
    }

    /// Stores `payload` (the message `messageID`) in `lane`'s folder.
    ///
    /// - Throws: An item-scoped `ArchiverError` (`ArchiverError/Code/rejectedByService`,
    ///   `ArchiverError/Code/mailboxAccessDenied`, …) for this pair alone; a run-scoped one when
    ///   the run must stop.
    func store(
        _ payload: Payload,
        messageID: String,
        date: Date,
        in lane: MailboxLane
    ) async throws
        -> Outcome
    {
        switch try await lane.claim(messageID) {
        case .duplicate:
            return Outcome(stored: false, byteCount: 0, partialReasons: [])
        case .write(let replacing):
            do {
                if let replacing { try await removeUnfinished(replacing, lane: lane) }
                try await lane.markPending(messageID)
                let outcome: Outcome
                switch payload {
                case .mime(let bytes):
                    outcome = try await importMime(bytes, messageID: messageID, lane: lane)
                case .large(let parsed, let size):
                    let large = LargeMessageUpload(client: client, lane: lane)
                    outcome = try await large.store(parsed, size: size, messageID: messageID, date: date)
                }
                try await lane.markStored(messageID)
                return outcome
            } catch {
                await lane.release(messageID)
                throw error
            }
        }
    }

    private func importMime(_ mime: [UInt8], messageID: String, lane: MailboxLane) async throws -> Outcome {
        let folderID = await lane.folderID
        let url = client.url("beta", mailbox: lane.mailbox, "mailFolders/\(folderID)/importMime")
        let body = Data(mime).base64EncodedData()
        var request = GraphRequest("POST", url, body: body, contentType: "text/plain", kind: .storing)
        request.responseLimit = 1 << 20
        for _ in 1...client.limits.maximumAttempts {
            let response: GraphResponse
            do {
                response = try await client.send(request, mailbox: lane.mailbox)
            } catch is GraphClient.AnswerLost {
                if let found = try await lane.holds(messageID), found.complete {
                    return Outcome(stored: true, byteCount: Int64(mime.count), partialReasons: [])
                }
                continue
            }
            if response.status == 201 || response.status == 200 {
                return Outcome(stored: true, byteCount: Int64(mime.count), partialReasons: [])
            }
            throw Self.refusal(response, mailbox: lane.mailbox, messageID: messageID)
        }
        throw Self.kept(lane.mailbox, messageID)
    }

    private func removeUnfinished(_ graphID: String, lane: MailboxLane) async throws {
        let url = client.url("v1.0", mailbox: lane.mailbox, "messages/\(graphID)")
        let response = try await client.send(GraphRequest("DELETE", url), mailbox: lane.mailbox)
        guard response.status == 204 || response.status == 404 || response.status == 200 else {
            throw Self.refusal(response, mailbox: lane.mailbox, messageID: graphID)
        }
    }

    /// What a refusal of one message means: the pair fails with the service's code, or the mailbox cannot be used.
    static func refusal(_ response: GraphResponse, mailbox: String, messageID: String) -> ArchiverError {
        let code = response.errorCode ?? "HTTP \(response.status)"
        switch response.status {
        case 403:
            return .pair(.mailboxAccessDenied, "The app may not write into mailbox \(mailbox) (\(code)).")
        case 400, 404, 409, 413, 415, 422:
            return .pair(
                .rejectedByService,
                "Exchange Online refused message <\(messageID)> for \(mailbox): \(response.status) \(code) "
                    + response.errorMessage
            )
        default:
            return ArchiverError(
                .destinationUnavailable,
                "Microsoft Graph answered \(response.status) \(code) for message <\(messageID)> in \(mailbox).",
                scope: .run
            )
        }
    }

    static func kept(_ mailbox: String, _ messageID: String) -> ArchiverError {
        ArchiverError(
            .destinationUnavailable,
            "Microsoft Graph kept losing the answer to storing <\(messageID)> in \(mailbox); run again later (the "
                + "next run checks the mailbox before it stores it again).",
            scope: .run
        )
    }
}
