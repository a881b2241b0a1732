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
        String(decoding: jsonBytes(for: item), as: UTF8.self)
    }

    /// The record's JSON, UTF-8.
    package static func jsonBytes(for item: Item) -> [UInt8] {
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
        object.raw("conversation", conversation.bytes)
        object.raw("from", party(item.from))
        object.raw("to", JSONObjectWriter.array(item.to.map(party)))
        object.string("text", item.text)
        object.string("replyTo", item.replyTo)
        if item.forwarded { object.raw("forwarded", "true") }
        if !item.attachments.isEmpty {
            object.raw("attachments", JSONObjectWriter.array(item.attachments.map(attachment)))
        }
        if let location = item.location {
            var fields = JSONObjectWriter()
            fields.double("latitude", location.latitude)
            fields.double("longitude", location.longitude)
            fields.string("name", location.name)
            fields.string("address", location.address)
            object.raw("location", fields.bytes)
        }
        if let call = item.call {
            var fields = JSONObjectWriter()
            fields.string("media", call.media?.rawValue)
            fields.string("status", call.status?.rawValue)
            fields.string("startedAt", call.startedAt.map(RFC3339.format))
            if let duration = call.durationSeconds { fields.number("durationSeconds", duration) }
            fields.string("recordingAttachmentId", call.recordingAttachmentID)
            object.raw("call", fields.bytes)
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
            object.raw("target", fields.bytes)
        }
        if let event = item.event {
            var fields = JSONObjectWriter()
            fields.string("type", event.type.rawValue)
            if let actor = event.actor { fields.raw("actor", party(actor)) }
            fields.raw("targets", JSONObjectWriter.array(event.targets.map(party)))
            fields.string("subject", event.subject)
            fields.string("description", event.description)
            object.raw("event", fields.bytes)
        }
        object.string("rawJSON", item.rawJSON)
        return object.bytes
    }

    /// The header field, folded into lines of 64 base64 characters, CRLF at the end: the folding
    /// `MIMEHeaderEncoder.field` gives 64-character tokens, written straight into bytes.
    package static func headerField(for item: Item) -> [UInt8] {
        let encoded = Array(Data(jsonBytes(for: item)).base64EncodedString().utf8)
        var bytes = Array(headerName.utf8) + [UInt8(ascii: ":")]
        bytes.reserveCapacity(bytes.count + encoded.count + encoded.count / 32 + 4)
        var column = bytes.count
        var index = 0
        while index < encoded.count {
            let end = min(index + 64, encoded.count)
            if index > 0 && column + 1 + (end - index) > MIMEHeaderEncoder.preferredLineLength {
                bytes += [0x0D, 0x0A]
                column = 0
            }
            bytes.append(UInt8(ascii: " "))
            bytes += encoded[index..<end]
            column += 1 + end - index
            index = end
        }
        bytes += [0x0D, 0x0A]
        return bytes
    }

    private static func party(_ party: Party) -> [UInt8] {
        var fields = JSONObjectWriter()
        fields.string("phone", party.phone)
        fields.string("name", party.name)
        fields.string("email", party.email)
        return fields.bytes
    }

    private static func attachment(_ attachment: Attachment) -> [UInt8] {
        var fields = JSONObjectWriter()
        fields.string("id", attachment.id)
        fields.string("fileName", attachment.fileName)
        fields.string("contentType", attachment.contentType)
        fields.number("size", Int(attachment.size))
        fields.string("sha256", attachment.sha256)
        fields.string("kind", attachment.kind?.rawValue)
        fields.string("caption", attachment.caption)
        return fields.bytes
    }
}

/// One compact JSON object, keys in the order written, `nil` values left out, as UTF-8 bytes.
private struct JSONObjectWriter {
    private var body: [UInt8] = []

    var bytes: [UInt8] { [UInt8(ascii: "{")] + body + [UInt8(ascii: "}")] }
    var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func key(_ key: String) {
        if !body.isEmpty { body.append(UInt8(ascii: ",")) }
        JSONText.appendQuoted(key, to: &body)
        body.append(UInt8(ascii: ":"))
    }

    mutating func raw(_ key: String, _ value: [UInt8]) {
        self.key(key)
        body += value
    }

    mutating func raw(_ key: String, _ value: String) {
        raw(key, Array(value.utf8))
    }

    mutating func string(_ key: String, _ value: String?) {
        guard let value else { return }
        self.key(key)
        JSONText.appendQuoted(value, to: &body)
    }

    mutating func number(_ key: String, _ value: Int) {
        raw(key, String(value))
    }

    mutating func double(_ key: String, _ value: Double) {
        // JSON has no NaN or infinity; a source that sent one has its raw JSON kept elsewhere.
        if value.isFinite { raw(key, "\(value)") }
    }

    /// A JSON array of already-written values.
    static func array(_ values: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "[")]
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out += value
        }
        out.append(UInt8(ascii: "]"))
        return out
    }
}
