import Foundation
import WhatsAppArchiver

/// Rebuilds an `Item` from the JSON object of an `X-WhatsApp-Item-Record` (version 1, written by the EML
/// converter). Attachments come back without content; their bytes are the message's parts.
enum ItemRecordDecoder {
    static func item(_ object: [String: Any]) -> Item? {
        guard object["version"] as? Int == 1, let id = object["id"] as? String,
            let kind = object["kind"] as? String,
            let sentAt = date(object["sentAt"]), let capturedAt = date(object["capturedAt"]),
            let owner = party(object["owner"]), let from = party(object["from"]),
            let conversationObject = object["conversation"] as? [String: Any],
            let conversationID = conversationObject["id"] as? String,
            let conversationType = conversationObject["type"] as? String
        else { return nil }
        let to = (object["to"] as? [Any] ?? []).compactMap(party)
        let attachments = (object["attachments"] as? [[String: Any]] ?? []).compactMap { fields -> Attachment? in
            guard let attachmentID = fields["id"] as? String else { return nil }
            return Attachment(
                id: attachmentID,
                fileName: fields["fileName"] as? String,
                contentType: fields["contentType"] as? String ?? "application/octet-stream",
                size: Int64(fields["size"] as? Int ?? 0),
                sha256: fields["sha256"] as? String,
                kind: (fields["kind"] as? String).map(Attachment.Kind.init(rawValue:)),
                caption: fields["caption"] as? String,
                content: .unavailable(
                    ArchiverError(.attachmentMissing, "Attachment \(attachmentID) is not in the archived message.")
                )
            )
        }
        var item = Item(
            id: id,
            network: Item.Network(rawValue: object["network"] as? String ?? "whatsapp"),
            captureMode: (object["captureMode"] as? String).map(Item.CaptureMode.init(rawValue:)),
            kind: ItemKind(rawValue: kind),
            capturedAt: capturedAt,
            sentAt: sentAt,
            owner: owner,
            conversation: Conversation(
                id: conversationID,
                type: ConversationType(rawValue: conversationType),
                name: conversationObject["name"] as? String
            ),
            from: from,
            to: to,
            text: object["text"] as? String,
            replyTo: object["replyTo"] as? String,
            forwarded: object["forwarded"] as? Bool ?? false,
            attachments: attachments,
            rawJSON: object["rawJSON"] as? String
        )
        if let fields = object["location"] as? [String: Any], let latitude = number(fields["latitude"]),
            let longitude = number(fields["longitude"])
        {
            item.location = Location(
                latitude: latitude,
                longitude: longitude,
                name: fields["name"] as? String,
                address: fields["address"] as? String
            )
        }
        if let fields = object["call"] as? [String: Any] {
            item.call = Call(
                media: (fields["media"] as? String).map(Call.Media.init(rawValue:)),
                status: (fields["status"] as? String).map(Call.Status.init(rawValue:)),
                startedAt: date(fields["startedAt"]),
                durationSeconds: fields["durationSeconds"] as? Int,
                recordingAttachmentID: fields["recordingAttachmentId"] as? String
            )
        }
        if let fields = object["target"] as? [String: Any], let targetID = fields["id"] as? String {
            item.target = Target(
                id: targetID,
                sentAt: date(fields["sentAt"]),
                text: fields["text"] as? String,
                newText: fields["newText"] as? String,
                attachmentNames: fields["attachmentNames"] as? [String] ?? [],
                scope: (fields["scope"] as? String).map(Target.Scope.init(rawValue:)),
                readState: (fields["readState"] as? String).map(Target.ReadState.init(rawValue:)),
                emoji: fields["emoji"] as? String
            )
        }
        if let fields = object["event"] as? [String: Any], let type = fields["type"] as? String {
            item.event = Event(
                type: Event.EventType(rawValue: type),
                actor: party(fields["actor"]),
                targets: (fields["targets"] as? [Any] ?? []).compactMap(party),
                subject: fields["subject"] as? String,
                description: fields["description"] as? String
            )
        }
        return item
    }

    private static func date(_ value: Any?) -> Date? {
        (value as? String).flatMap(RFC3339.parse)
    }

    private static func number(_ value: Any?) -> Double? {
        (value as? NSNumber)?.doubleValue
    }

    private static func party(_ value: Any?) -> Party? {
        guard let fields = value as? [String: Any], let phone = fields["phone"] as? String else { return nil }
        return Party(phone: phone, name: fields["name"] as? String, email: fields["email"] as? String)
    }
}
