import Foundation
import WhatsAppArchiver

/// The RFC 5322 message an RSMF file is: the `X-RSMF-*` headers, a plain-text summary for people, and the zipped
/// manifest and attachments as the attachment `rsmf.zip`.
struct RSMFContainer {
    var subject: String
    var from: String
    var recipients: [(name: String, email: String)]
    var headers: [(name: String, value: String)]
    var summary: String
    var zip: [UInt8]
    var date: Date

    /// The file's bytes (CRLF line endings, ASCII headers).
    func bytes() -> [UInt8] {
        let boundary = "=_RSMF_" + String(SHA256.hexDigest(zip).prefix(24))
        var text = ""
        text += "From: " + from + "\r\n"
        if recipients.isEmpty {
            text += "To: undisclosed-recipients:;\r\n"
        } else {
            let list = recipients.map { Self.encodedWords($0.name) + " <" + $0.email + ">" }
            text += "To: " + list.joined(separator: ",\r\n ") + "\r\n"
        }
        text += "Subject: " + Self.encodedWords(subject) + "\r\n"
        text += "Date: " + Self.rfc5322(date) + "\r\n"
        for (name, value) in headers { text += name + ": " + Self.encodedWords(value) + "\r\n" }
        text += "MIME-Version: 1.0\r\n"
        text += "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n"
        text +=
            "--\(boundary)\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        text += Self.base64Lines(Array(summary.utf8))
        text += "--\(boundary)\r\nContent-Type: application/zip; name=\"rsmf.zip\"\r\n"
        text += "Content-Disposition: attachment; filename=\"rsmf.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        text += Self.base64Lines(zip)
        text += "--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    static func base64Lines(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString(options: [
            .lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        return encoded.isEmpty ? "" : encoded + "\r\n"
    }

    /// The value as it is when it is short printable ASCII, else as RFC 2047 `B` encoded-words of whole
    /// characters, each at most 75 characters long, folded one to a line.
    static func encodedWords(_ value: String) -> String {
        let flat = value.map { $0 == "\r" || $0 == "\n" || $0 == "\t" ? " " : $0 }
        let plain = String(flat)
        if plain.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }), plain.utf8.count <= 900, !plain.contains("=?") {
            return plain
        }
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in plain {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + Data(chunk).base64EncodedString() + "?=") }
        return words.joined(separator: "\r\n ")
    }

    static func rfc5322(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let parts = RFC3339.civil(fromSecondsSince1970: seconds)
        let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let weekday = days[Int(((seconds / 86_400) % 7 + 7) % 7)]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekday), \(two(parts.day)) \(months[parts.month - 1]) \(parts.year) \(two(parts.hour)):"
            + "\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
