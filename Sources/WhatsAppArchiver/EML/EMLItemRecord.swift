import Foundation

/// The machine-readable record of an item that each message carries in its `X-WhatsApp-Item-Record` header: the
/// whole ``Item`` (but the attachments' bytes, which are the message's parts) as one JSON object, base64-encoded and
/// folded.
///
/// It lets a program rebuild the item from the archive alone, years later, when the source is gone: the RSMF
/// production (`archive-export`) reads it instead of the text written for people. Keys are written in a fixed order
/// and absent values left out; version 1 is documented in `Documentation/Conversion.md`.
package enum EMLItemRecord {
    /// The header's name.
    package static let headerName = "X-WhatsApp-Item-Record"

    /// The record's JSON text.
    package static func json(for item: Item) -> String {
        var object = JSONObjectWriter()
        object.number("version", 1)
        object.string("id", item.id)
        object.string("kind", item.kind.rawValue)
        object.string("network", item.network.rawValue)
        object.string("captureMode", item.captureMode?.rawValue)
        object.string("sentAt", RFC3339.format(item.sentAt))
        object.string("capturedAt", RFC3339.format(item.capturedAt))
        object.raw("owner", party(item.owner))
        var conversation = JSONObjectWriter()
        conversation.string("id", item.conversation.id)
        conversation.string("type", item.conversation.type.rawValue)
        conversation.string("name", item.conversation.name)
        object.raw("conversation", conversation.text)
        object.raw("from", party(item.from))
        object.raw("to", "[" + item.to.map(party).joined(separator: ",") + "]")
        object.string("text", item.text)
        object.string("replyTo", item.replyTo)
        if item.forwarded { object.raw("forwarded", "true") }
        if !item.attachments.isEmpty {
            object.raw("attachments", "[" + item.attachments.map(attachment).joined(separator: ",") + "]")
        }
        if let location = item.location {
            var fields = JSONObjectWriter()
            fields.double("latitude", location.latitude)
            fields.double("longitude", location.longitude)
            fields.string("name", location.name)
            fields.string("address", location.address)
            object.raw("location", fields.text)
        }
        if let call = item.call {
            var fields = JSONObjectWriter()
            fields.string("media", call.media?.rawValue)
            fields.string("status", call.status?.rawValue)
            fields.string("startedAt", call.startedAt.map(RFC3339.format))
            if let duration = call.durationSeconds { fields.number("durationSeconds", duration) }
            fields.string("recordingAttachmentId", call.recordingAttachmentID)
            object.raw("call", fields.text)
        }
        if let target = item.target {
            var fields = JSONObjectWriter()
            fields.string("id", target.id)
            fields.string("sentAt", target.sentAt.map(RFC3339.format))
            fields.string("text", target.text)
            fields.string("newText", target.newText)
            if !target.attachmentNames.isEmpty {
                fields.raw(
                    "attachmentNames",
                    "[" + target.attachmentNames.map(JSONText.quoted).joined(separator: ",") + "]"
                )
            }
            fields.string("scope", target.scope?.rawValue)
            fields.string("readState", target.readState?.rawValue)
            fields.string("emoji", target.emoji)
            object.raw("target", fields.text)
        }
        if let event = item.event {
            var fields = JSONObjectWriter()
            fields.string("type", event.type.rawValue)
            if let actor = event.actor { fields.raw("actor", party(actor)) }
            fields.raw("targets", "[" + event.targets.map(party).joined(separator: ",") + "]")
            fields.string("subject", event.subject)
            fields.string("description", event.description)
            object.raw("event", fields.text)
        }
        object.string("rawJSON", item.rawJSON)
        return object.text
    }

    /// The header field, folded into lines of 64 base64 characters, CRLF at the end.
    package static func headerField(for item: Item) -> [UInt8] {
        let encoded = Data(json(for: item).utf8).base64EncodedString()
        var tokens: [MIMEHeaderEncoder.Token] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 64, limitedBy: encoded.endIndex) ?? encoded.endIndex
            tokens.append(MIMEHeaderEncoder.Token(text: String(encoded[index..<end]), spaceBefore: true))
            index = end
        }
        return MIMEHeaderEncoder.field(headerName, tokens)
    }

    private static func party(_ party: Party) -> String {
        var fields = JSONObjectWriter()
        fields.string("phone", party.phone)
        fields.string("name", party.name)
        fields.string("email", party.email)
        return fields.text
    }

    private static func attachment(_ attachment: Attachment) -> String {
        var fields = JSONObjectWriter()
        fields.string("id", attachment.id)
        fields.string("fileName", attachment.fileName)
        fields.string("contentType", attachment.contentType)
        fields.number("size", Int(attachment.size))
        fields.string("sha256", attachment.sha256)
        fields.string("kind", attachment.kind?.rawValue)
        fields.string("caption", attachment.caption)
        return fields.text
    }
}

/// One compact JSON object, keys in the order written, `nil` values left out.
private struct JSONObjectWriter {
    private var body = ""

    var text: String { "{" + body + "}" }

    mutating func raw(_ key: String, _ value: String) {
        if !body.isEmpty { body += "," }
        body += JSONText.quoted(key) + ":" + value
    }

    mutating func string(_ key: String, _ value: String?) {
        if let value { raw(key, JSONText.quoted(value)) }
    }

    mutating func number(_ key: String, _ value: Int) {
        raw(key, String(value))
    }

    mutating func double(_ key: String, _ value: Double) {
        // JSON has no NaN or infinity; a source that sent one has its raw JSON kept elsewhere.
        if value.isFinite { raw(key, "\(value)") }
    }
}
