import Foundation
import WhatsAppArchiver

/// A message read back from the archive: the item it records (`X-WhatsApp-Item-Record`) and the bytes of every
/// attachment it holds, by attachment id. What `archive-export` produces from, with nothing but the stored file.
public struct ArchivedMessage: Sendable {
    /// The item as the message records it; attachments' bytes are in ``attachmentBytes``.
    public var item: Item
    /// The decoded bytes of each attachment part, by its `X-TeleMessage-Attachment-Id`.
    public var attachmentBytes: [String: [UInt8]]
    /// The message's `Message-ID`.
    public var messageID: String?

    /// Reads a stored message (LF or CRLF line endings).
    ///
    /// - Throws: `ArchiverError.Code.invalidItem` naming `path` when the message has no item record or it does
    ///   not decode.
    public init(bytes: [UInt8], path: String) throws {
        let (headerBytes, body) = MIMEText.splitHeader(bytes[...])
        let fields = MIMEText.fields(headerBytes)
        messageID = MessageIDHeader.messageID(in: Array(headerBytes) + [0x0A, 0x0A])
        guard let encoded = fields.first(where: { $0.name == "x-whatsapp-item-record" })?.value else {
            throw ArchiverError(
                .invalidItem,
                "\(path) carries no X-WhatsApp-Item-Record: it was archived before the record existed, or not by "
                    + "the archiver.",
                scope: .item
            )
        }
        let compact = encoded.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let item = ItemRecordDecoder.item(object)
        else {
            throw ArchiverError(.invalidItem, "\(path): the X-WhatsApp-Item-Record does not decode.", scope: .item)
        }
        self.item = item
        var attachments: [String: [UInt8]] = [:]
        if let contentType = fields.first(where: { $0.name == "content-type" })?.value,
            let boundary = MIMEText.parameter("boundary", in: contentType)
        {
            for part in MIMEText.parts(body, boundary: boundary) {
                let (partHeader, partBody) = MIMEText.splitHeader(part)
                let partFields = MIMEText.fields(partHeader)
                guard let id = partFields.first(where: { $0.name == "x-telemessage-attachment-id" })?.value,
                    partFields.first(where: { $0.name == "content-transfer-encoding" })?.value.lowercased()
                        == "base64",
                    let decoded = Data(base64Encoded: Data(partBody), options: .ignoreUnknownCharacters)
                else { continue }
                attachments[id.trimmingCharacters(in: .whitespaces)] = Array(decoded)
            }
        }
        attachmentBytes = attachments
    }
}

/// The little of MIME the exporter needs: header fields, parameters, multipart bodies.
enum MIMEText {
    /// The header section (without the empty line) and the body.
    static func splitHeader(_ bytes: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        var index = bytes.startIndex
        var lineStart = index
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                let line = bytes[lineStart..<index]
                if line.isEmpty || line == [0x0D] {
                    return (bytes[bytes.startIndex..<lineStart], bytes[(index + 1)...])
                }
                lineStart = index + 1
            }
            index += 1
        }
        return (bytes, bytes[bytes.endIndex...])
    }

    /// The unfolded fields, names in lower case, values trimmed.
    static func fields(_ header: ArraySlice<UInt8>) -> [(name: String, value: String)] {
        var fields: [(String, String)] = []
        for rawLine in header.split(separator: 0x0A, omittingEmptySubsequences: true) {
            var line = String(decoding: rawLine, as: UTF8.self)
            if line.hasSuffix("\r") { line.removeLast() }
            if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                fields.append(
                    (
                        line[..<colon].lowercased(),
                        String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                    )
                )
            }
        }
        return fields
    }

    /// A parameter's value in a structured field (`boundary="x"`).
    static func parameter(_ name: String, in value: String) -> String? {
        for piece in value.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var text = pair[1].trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 {
                text = String(text.dropFirst().dropLast())
            }
            return text
        }
        return nil
    }

    /// The parts of a multipart body.
    static func parts(_ body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        var index = body.startIndex
        while index <= body.endIndex {
            if index == body.endIndex || body[index] == 0x0A {
                var line = body[lineStart..<index]
                if line.last == 0x0D { line = line.dropLast() }
                if line.starts(with: delimiter) {
                    let rest = line.dropFirst(delimiter.count)
                    if let start = partStart {
                        // The line break before the delimiter belongs to the delimiter.
                        var end = lineStart
                        if end > start, body[end - 1] == 0x0A { end -= 1 }
                        if end > start, body[end - 1] == 0x0D { end -= 1 }
                        parts.append(body[start..<max(start, end)])
                    }
                    if rest.starts(with: [0x2D, 0x2D]) { return parts }
                    partStart = index + 1
                }
                lineStart = index + 1
            }
            index += 1
        }
        return parts
    }
}

/// Reads attachment bytes already in memory.
final class BytesAttachmentReader: AttachmentReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        let count = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { source in
            buffer.baseAddress?.copyMemory(from: source.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    func close() {}
}
