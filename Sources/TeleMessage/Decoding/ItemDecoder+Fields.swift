import Foundation
import WhatsAppArchiver

extension ItemDecoder {
    /// Builds an item from the record's top-level object, field by field as the export format's table says.
    static func item(_ record: ObjectReader) throws(DecodingFailure) -> Item {
        let id = try record.itemID("id")
        let kind = ItemKind(rawValue: try record.requiredNonEmptyString("kind"))
        var item = Item(
            id: id,
            network: Item.Network(rawValue: try record.requiredNonEmptyString("network")),
            captureMode: try record.optionalString("captureMode").map(Item.CaptureMode.init(rawValue:)),
            kind: kind,
            capturedAt: try record.requiredTimestamp("capturedAt"),
            sentAt: try record.requiredTimestamp("sentAt"),
            owner: try party(record.requiredObject("owner")),
            conversation: try conversation(record.requiredObject("conversation")),
            from: try party(record.requiredObject("from")),
            to: try record.objects("to", required: true).map { (reader) throws(DecodingFailure) in try party(reader) },
            text: try record.optionalString("text"),
            replyTo: try record.optionalItemID("replyTo"),
            forwarded: try record.optionalBool("forwarded") ?? false,
            attachments: try record.objects("attachments").map { (reader) throws(DecodingFailure) in
                try attachment(reader)
            },
            location: try record.optionalObject("location").map { (reader) throws(DecodingFailure) in
                try location(reader)
            },
            call: try record.optionalObject("call").map { (reader) throws(DecodingFailure) in try call(reader) },
            target: try record.optionalObject("target").map { (reader) throws(DecodingFailure) in try target(reader) },
            event: try record.optionalObject("event").map { (reader) throws(DecodingFailure) in try event(reader) }
        )
        switch kind {
        case .call where item.call == nil:
            throw DecodingFailure(reason: "missing required field \"call\" (required when \"kind\" is \"call\")")
        case .deletion, .edit, .reaction:
            if item.target == nil {
                throw DecodingFailure(
                    reason: "missing required field \"target\" (required when \"kind\" is \"\(kind.rawValue)\")"
                )
            }
        case .event where item.event == nil:
            throw DecodingFailure(reason: "missing required field \"event\" (required when \"kind\" is \"event\")")
        default:
            break
        }
        if !kind.isKnown {
            // Kept whole so that nothing of a kind this version does not understand is lost. The record's bytes
            // were checked to be UTF-8 before parsing.
            item.rawJSON = String(decoding: record.document.bytes, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return item
    }

    static func party(_ reader: ObjectReader) throws(DecodingFailure) -> Party {
        Party(
            phone: try reader.requiredPhone("phone"),
            name: try reader.optionalString("name"),
            email: try reader.optionalString("email")
        )
    }

    static func conversation(_ reader: ObjectReader) throws(DecodingFailure) -> Conversation {
        Conversation(
            id: try reader.requiredNonEmptyString("id"),
            type: ConversationType(rawValue: try reader.requiredNonEmptyString("type")),
            name: try reader.optionalString("name")
        )
    }

    static func attachment(_ reader: ObjectReader) throws(DecodingFailure) -> Attachment {
        let id = try reader.attachmentID("id")
        let sha256 = try reader.optionalString("sha256")
        if let sha256, !isLowercaseHexDigest(sha256) {
            throw DecodingFailure(
                reason: "invalid digest \(ObjectReader.excerpt(sha256)) in \"\(reader.field("sha256"))\": "
                    + "expected 64 lowercase hexadecimal digits"
            )
        }
        return Attachment(
            id: id,
            fileName: try reader.optionalString("fileName"),
            contentType: try reader.optionalString("contentType") ?? "application/octet-stream",
            size: try reader.requiredCount("size"),
            sha256: sha256,
            kind: try reader.optionalString("kind").map(Attachment.Kind.init(rawValue:)),
            caption: try reader.optionalString("caption"),
            content: .unavailable(
                ArchiverError(.attachmentMissing, "Attachment \(id) has no content: the decoder does not fetch bytes.")
            )
        )
    }

    static func location(_ reader: ObjectReader) throws(DecodingFailure) -> Location {
        Location(
            latitude: try reader.requiredDouble("latitude", range: -90...90),
            longitude: try reader.requiredDouble("longitude", range: -180...180),
            name: try reader.optionalString("name"),
            address: try reader.optionalString("address")
        )
    }

    static func call(_ reader: ObjectReader) throws(DecodingFailure) -> Call {
        let duration = try reader.optionalCount("durationSeconds")
        if let duration, duration > Int64(Int32.max) {
            throw DecodingFailure(reason: "\"\(reader.field("durationSeconds"))\" is too large: \(duration)")
        }
        return Call(
            media: try reader.optionalString("media").map(Call.Media.init(rawValue:)),
            status: try reader.optionalString("status").map(Call.Status.init(rawValue:)),
            startedAt: try reader.optionalTimestamp("startedAt"),
            durationSeconds: duration.map { Int($0) },
            recordingAttachmentID: try reader.optionalAttachmentID("recordingAttachmentId")
        )
    }

    static func target(_ reader: ObjectReader) throws(DecodingFailure) -> Target {
        Target(
            id: try reader.itemID("id"),
            sentAt: try reader.optionalTimestamp("sentAt"),
            text: try reader.optionalString("text"),
            newText: try reader.optionalString("newText"),
            attachmentNames: try reader.strings("attachmentNames"),
            scope: try reader.optionalString("scope").map(Target.Scope.init(rawValue:)),
            readState: try reader.optionalString("readState").map(Target.ReadState.init(rawValue:)),
            emoji: try reader.optionalString("emoji")
        )
    }

    static func event(_ reader: ObjectReader) throws(DecodingFailure) -> Event {
        Event(
            type: Event.EventType(rawValue: try reader.requiredNonEmptyString("type")),
            actor: try reader.optionalObject("actor").map { (actor) throws(DecodingFailure) in try party(actor) },
            targets: try reader.objects("targets").map { (target) throws(DecodingFailure) in try party(target) },
            subject: try reader.optionalString("subject"),
            description: try reader.optionalString("description")
        )
    }

    static func isLowercaseHexDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
    }
}
