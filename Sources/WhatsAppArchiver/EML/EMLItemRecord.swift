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
        var record = JSONRecordWriter()
        record.bytes.reserveCapacity(1024 + (item.text?.utf8.count ?? 0) + (item.rawJSON?.utf8.count ?? 0))
        record.beginObject()
        record.number("version", 1)
        record.string("id", item.id)
        record.string("kind", item.kind.rawValue)
        record.string("network", item.network.rawValue)
        record.string("captureMode", item.captureMode?.rawValue)
        record.date("sentAt", item.sentAt)
        record.date("capturedAt", item.capturedAt)
        record.object("owner") { party(item.owner, &$0) }
        record.object("conversation") { fields in
            fields.string("id", item.conversation.id)
            fields.string("type", item.conversation.type.rawValue)
            fields.string("name", item.conversation.name)
        }
        record.object("from") { party(item.from, &$0) }
        record.array("to", item.to) { party($1, &$0) }
        record.string("text", item.text)
        record.string("replyTo", item.replyTo)
        if item.forwarded { record.literal("forwarded", "true") }
        if !item.attachments.isEmpty {
            record.array("attachments", item.attachments) { attachment($1, &$0) }
        }
        if let location = item.location {
            record.object("location") { fields in
                fields.double("latitude", location.latitude)
                fields.double("longitude", location.longitude)
                fields.string("name", location.name)
                fields.string("address", location.address)
            }
        }
        if let call = item.call {
            record.object("call") { fields in
                fields.string("media", call.media?.rawValue)
                fields.string("status", call.status?.rawValue)
                if let startedAt = call.startedAt { fields.date("startedAt", startedAt) }
                if let duration = call.durationSeconds { fields.number("durationSeconds", duration) }
                fields.string("recordingAttachmentId", call.recordingAttachmentID)
            }
        }
        if let target = item.target {
            record.object("target") { fields in
                fields.string("id", target.id)
                if let sentAt = target.sentAt { fields.date("sentAt", sentAt) }
                fields.string("text", target.text)
                fields.string("newText", target.newText)
                if !target.attachmentNames.isEmpty { fields.strings("attachmentNames", target.attachmentNames) }
                fields.string("scope", target.scope?.rawValue)
                fields.string("readState", target.readState?.rawValue)
                fields.string("emoji", target.emoji)
            }
        }
        if let event = item.event {
            record.object("event") { fields in
                fields.string("type", event.type.rawValue)
                if let actor = event.actor { fields.object("actor") { party(actor, &$0) } }
                fields.array("targets", event.targets) { party($1, &$0) }
                fields.string("subject", event.subject)
                fields.string("description", event.description)
            }
        }
        record.string("rawJSON", item.rawJSON)
        record.endObject()
        return record.bytes
    }

    /// Appends the header field to `bytes`, folded into lines of 64 base64 characters, CRLF at the end (the folding
    /// `MIMEHeaderEncoder.field` gives 64-character tokens): the base64 is encoded token by token straight into
    /// them, with no intermediate string (the record was about 7% of converting a message).
    package static func appendHeaderField(for item: Item, to bytes: inout [UInt8]) {
        let json = jsonBytes(for: item)
        let tokenInput = 48  // 64 base64 characters
        bytes.reserveCapacity(bytes.count + headerName.utf8.count + 4 + (json.count + 2) / 3 * 4 * 67 / 64)
        bytes.append(contentsOf: headerName.utf8)
        bytes.append(UInt8(ascii: ":"))
        var column = headerName.utf8.count + 1
        json.withUnsafeBufferPointer { json in
            var index = 0
            while index < json.count {
                let end = min(index + tokenInput, json.count)
                let length = (end - index + 2) / 3 * 4
                if index > 0 && column + 1 + length > MIMEHeaderEncoder.preferredLineLength {
                    bytes.append(0x0D)
                    bytes.append(0x0A)
                    column = 0
                }
                bytes.append(UInt8(ascii: " "))
                Base64LineEncoder.appendUnwrapped(UnsafeBufferPointer(rebasing: json[index..<end]), to: &bytes)
                column += 1 + length
                index = end
            }
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    private static func party(_ party: Party, _ fields: inout JSONRecordWriter) {
        fields.string("phone", party.phone)
        fields.string("name", party.name)
        fields.string("email", party.email)
    }

    private static func attachment(_ attachment: Attachment, _ fields: inout JSONRecordWriter) {
        fields.string("id", attachment.id)
        fields.string("fileName", attachment.fileName)
        fields.string("contentType", attachment.contentType)
        fields.number("size", Int(attachment.size))
        fields.string("sha256", attachment.sha256)
        fields.string("kind", attachment.kind?.rawValue)
        fields.string("caption", attachment.caption)
    }
}

/// Compact JSON written into one buffer, nested objects and arrays in place: keys in the order written, `nil`
/// values left out. Keys are constants of plain ASCII, written as they are.
private struct JSONRecordWriter {
    var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    private mutating func key(_ key: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = true
    }

    mutating func string(_ key: StaticString, _ value: String?) {
        guard let value else { return }
        self.key(key)
        JSONText.appendQuoted(value, to: &bytes)
    }

    mutating func literal(_ key: StaticString, _ value: StaticString) {
        self.key(key)
        bytes.append(contentsOf: UnsafeBufferPointer(start: value.utf8Start, count: value.utf8CodeUnitCount))
    }

    mutating func number(_ key: StaticString, _ value: Int) {
        self.key(key)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func double(_ key: StaticString, _ value: Double) {
        // JSON has no NaN or infinity; a source that sent one has its raw JSON kept elsewhere.
        guard value.isFinite else { return }
        self.key(key)
        bytes.append(contentsOf: "\(value)".utf8)
    }

    mutating func date(_ key: StaticString, _ value: Date) {
        self.key(key)
        bytes.append(UInt8(ascii: "\""))
        RFC3339.append(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func strings(_ key: StaticString, _ values: [String]) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func object(_ key: StaticString, _ members: (inout JSONRecordWriter) -> Void) {
        self.key(key)
        beginObject()
        members(&self)
        endObject()
    }

    /// An array of objects, one per value.
    mutating func array<Value>(
        _ key: StaticString,
        _ values: [Value],
        _ members: (inout JSONRecordWriter, Value) -> Void
    ) {
        self.key(key)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            beginObject()
            members(&self, value)
            endObject()
        }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }
}
