#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The names the Maildir sink gives its files, and how it recognises them again.
///
/// A message is stored as `<sent>.wa<digest>.<host>,S=<size>,W=<virtual size>`:
///
/// - `<sent>`: the item's send time in seconds since 1970, so that a directory listing sorts by date;
/// - `wa<digest>`: 32 hexadecimal digits of ``MessageIDDigest``: the file's name says which message it holds,
///   so reading the directory is enough to know what is delivered, and the name is unique per message;
/// - `<host>`: the host name with `/`, `:` and `,` escaped as the Maildir specification asks;
/// - `S=` and `W=`: the exact file size and the size with CRLF line endings (what IMAP reports), which Dovecot
///   uses instead of reading the file.
///
/// The base name (everything before `,S=`) never starts with `.` and never contains `:` or `/`. In `tmp/` a file
/// has its base name only; mail clients keep the part before `:` when they move a file to `cur/` or add flags.
package struct MaildirFileName: Sendable, Hashable {
    /// The send time, in whole seconds since 1970 (0 for earlier instants).
    package var seconds: Int64
    /// Which message the file holds.
    package var digest: MessageIDDigest
    /// The escaped host token.
    package var host: String

    package init(seconds: Int64, digest: MessageIDDigest, host: String) {
        self.seconds = max(0, seconds)
        self.digest = digest
        self.host = host
    }

    /// The name in `tmp/`.
    package var temporaryName: String { "\(seconds).wa\(digest.hexDigits).\(host)" }

    /// The name in `new/`, with the exact sizes.
    package func deliveredName(size: Int64, virtualSize: Int64) -> String {
        "\(temporaryName),S=\(size),W=\(virtualSize)"
    }

    /// The digest in a name the sink gave, or `nil` when the name is not one of the sink's.
    package static func digest(inName name: UnsafeBufferPointer<UInt8>) -> MessageIDDigest? {
        var index = 0
        while index < name.count, name[index] >= UInt8(ascii: "0"), name[index] <= UInt8(ascii: "9") { index += 1 }
        guard index > 0, index + 36 < name.count, name[index] == UInt8(ascii: "."),
            name[index + 1] == UInt8(ascii: "w"), name[index + 2] == UInt8(ascii: "a"),
            name[index + 35] == UInt8(ascii: ".")
        else { return nil }
        return MessageIDDigest(hexDigits: UnsafeBufferPointer(rebasing: name[(index + 3)..<(index + 35)]))
    }

    /// The digest in a name the sink gave, or `nil` when the name is not one of the sink's.
    package static func digest(inName name: String) -> MessageIDDigest? {
        var name = name
        return name.withUTF8 { digest(inName: $0) }
    }

    /// This machine's name as a file-name token: `/`, `:` and `,` written as `\057`, `\072` and `\054`, anything
    /// outside printable ASCII dropped, at most 64 bytes; `localhost` when the name is unknown.
    package static func hostToken(_ hostName: String? = nil) -> String {
        let raw = hostName ?? currentHostName()
        var token = ""
        for scalar in raw.unicodeScalars where token.utf8.count < 64 {
            switch scalar {
            case "/": token += "\\057"
            case ":": token += "\\072"
            case ",": token += "\\054"
            case _ where scalar.value > 0x20 && scalar.value < 0x7F: token.unicodeScalars.append(scalar)
            default: continue
            }
        }
        return token.isEmpty ? "localhost" : token
    }

    private static func currentHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
