import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ChatItemFactory {
    /// Shapes `item` (a message from an author) after what its text shows.
    func apply(_ content: ChatMessageContent, to item: inout Item) {
        switch content {
        case .text:
            // Most messages: return before the attachment id below is made.
            return
        default:
            break
        }
        let attachmentID = String(item.id.dropFirst("wa-chat-".count).prefix(24))
        switch content {
        case .text:
            break
        case .deleted:
            item.kind = .deletion
            item.target = Target(id: item.id, sentAt: item.sentAt, scope: .everyone)
        case .edited(let text):
            item.kind = .edit
            item.text = text
            item.target = Target(id: item.id, sentAt: item.sentAt, newText: text)
        case .attached(let fileName, let caption):
            item.text = caption
            item.attachments = [attachment(fileName: fileName, id: attachmentID + "-1", caption: caption)]
        case .omitted(let kind, let caption):
            item.text = caption
            let label = "\(kind?.rawValue ?? "media") omitted from the export"
            item.attachments = [
                Attachment(
                    id: attachmentID + "-1",
                    fileName: label,
                    size: 0,
                    kind: kind,
                    caption: caption,
                    content: .unavailable(
                        ArchiverError(
                            .attachmentMissing,
                            "WhatsApp left this \(kind?.rawValue ?? "media file") out of the export (it was exported "
                                + "without media)."
                        )
                    )
                )
            ]
        case .location(let latitude, let longitude):
            item.location = Location(latitude: latitude, longitude: longitude)
        case .poll(let question, let options):
            item.kind = ItemKind(rawValue: "poll")
            let optionJSON = options.map { option, votes in
                "{\"option\":\(JSONString.quote(option)),\"votes\":\(votes.map(String.init) ?? "null")}"
            }
            item.rawJSON =
                "{\"kind\":\"poll\",\"question\":\(JSONString.quote(question)),\"options\":["
                + optionJSON.joined(separator: ",") + "]}"
        }
    }

    /// The attachment for a file the text names: the export's file when it has one (a regular file, opened without
    /// following links), else a placeholder reported `attachment_missing`.
    private func attachment(fileName: String, id: String, caption: String?) -> Attachment {
        let kind = Self.kind(of: fileName)
        let contentType = Self.contentType(of: fileName)
        let isPlainName = !fileName.contains("/") && fileName != "." && fileName != ".." && !fileName.contains("\0")
        if isPlainName, let path = media[fileName] {
            var info = stat()
            if lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG {
                return Attachment(
                    id: id,
                    fileName: fileName,
                    contentType: contentType,
                    size: Int64(info.st_size),
                    kind: kind,
                    caption: caption,
                    content: AttachmentContent { try NoFollowFileReader.reader(path: path) }
                )
            }
        }
        return Attachment(
            id: id,
            fileName: fileName,
            contentType: contentType,
            size: 0,
            kind: kind,
            caption: caption,
            content: .unavailable(
                ArchiverError(.attachmentMissing, "The export does not hold the file \(fileName) that the chat names.")
            )
        )
    }

    static func kind(of fileName: String) -> Attachment.Kind {
        let name = fileName.uppercased()
        if name.hasPrefix("PTT-") || name.contains("-AUDIO-") && name.hasSuffix(".OPUS") { return .voice }
        if name.hasPrefix("STK-") || name.contains("-STICKER-") { return .sticker }
        switch contentType(of: fileName).split(separator: "/").first {
        case "image": return .image
        case "video": return .video
        case "audio": return .audio
        default: return name.hasSuffix(".VCF") ? .contact : .document
        }
    }

    static func contentType(of fileName: String) -> String {
        let types: [String: String] = [
            "jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp",
            "heic": "image/heic", "mp4": "video/mp4", "3gp": "video/3gpp", "mov": "video/quicktime",
            "opus": "audio/ogg", "ogg": "audio/ogg", "m4a": "audio/mp4", "mp3": "audio/mpeg", "aac": "audio/aac",
            "pdf": "application/pdf", "vcf": "text/vcard", "txt": "text/plain",
            "doc": "application/msword", "xls": "application/vnd.ms-excel", "zip": "application/zip",
            "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ]
        guard let dot = fileName.lastIndex(of: ".") else { return "application/octet-stream" }
        return types[fileName[fileName.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}

/// JSON string quoting for the small JSON this module writes.
enum JSONString {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
