import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a spooled MIME message too large for `importMime` into what `POST …/messages` and the attachment uploads
/// need: its header fields, its text, and each attachment decoded into a file of its own. Reads the file line by line
/// and decodes base64 as it goes, so memory stays bounded whatever the attachments' sizes.
struct MIMEFileParser: Sendable {
    /// An attachment decoded into a file.
    struct Attachment: Sendable {
        var name: String
        var contentType: String
        var path: String
        var size: Int64
    }

    /// What the message holds.
    struct Parsed: Sendable {
        var fields: [(name: String, value: String)]
        var text: String
        var attachments: [Attachment]

        func field(_ name: String) -> String? { fields.first { $0.name == name }?.value }
    }

    /// The longest text kept for the message's body; the rest is left out, and the body says so.
    static let textLimit = 1 << 20

    /// Parses `path`, writing attachments into `directory` as `prefix-N`.
    static func parse(path: String, directory: String, prefix: String) throws -> Parsed {
        let reader = try LineReader(path: path)
        var headerLines: [String] = []
        while let line = try reader.next(), !line.isEmpty { headerLines.append(String(decoding: line, as: UTF8.self)) }
        let fields = MIMEHeaders.fields(headerLines)
        let contentType = MIMEHeaders.parameters(fields.first { $0.name == "content-type" }?.value ?? "text/plain")
        var parsed = Parsed(fields: fields, text: "", attachments: [])
        guard contentType.value.hasPrefix("multipart/"), let boundary = contentType.parameters["boundary"] else {
            var body = BodyDecoder(encoding: fields.first { $0.name == "content-transfer-encoding" }?.value ?? "")
            while let line = try reader.next() { body.text(line, limit: textLimit) }
            parsed.text = body.finishText()
            return parsed
        }
        let delimiter = Array("--\(boundary)".utf8)
        let closing = delimiter + Array("--".utf8)
        // Preamble.
        while let line = try reader.next() {
            if Array(line) == delimiter { break }
            if Array(line) == closing { return parsed }
        }
        var partNumber = 0
        var finished = false
        while !finished {
            var partLines: [String] = []
            while let line = try reader.next(), !line.isEmpty {
                partLines.append(String(decoding: line, as: UTF8.self))
            }
            let partFields = MIMEHeaders.fields(partLines)
            let type = MIMEHeaders.parameters(partFields.first { $0.name == "content-type" }?.value ?? "text/plain")
            let disposition = MIMEHeaders.parameters(partFields.first { $0.name == "content-disposition" }?.value ?? "")
            var body = BodyDecoder(encoding: partFields.first { $0.name == "content-transfer-encoding" }?.value ?? "")
            let isText = type.value == "text/plain" && disposition.value != "attachment" && parsed.text.isEmpty
            partNumber += 1
            var output: OutputFile?
            if !isText {
                output = try OutputFile(path: "\(directory)/\(prefix)-\(partNumber)")
            }
            finished = true
            while let line = try reader.next() {
                let bytes = Array(line)
                if bytes == delimiter {
                    finished = false
                    break
                }
                if bytes == closing { break }
                if let output {
                    try output.write(body.decode(line))
                } else {
                    body.text(line, limit: textLimit)
                }
            }
            if let output {
                try output.write(body.flush())
                let name = MIMEHeaders.decodeWords(
                    disposition.parameters["filename"] ?? type.parameters["name"] ?? "attachment-\(partNumber)"
                )
                parsed.attachments.append(
                    Attachment(name: name, contentType: type.value, path: output.path, size: output.size)
                )
            } else {
                parsed.text = body.finishText()
            }
        }
        return parsed
    }
}

/// Decodes a part's body lines: base64 in chunks, quoted-printable, or as they are.
private struct BodyDecoder {
    let encoding: String
    private var pending: [UInt8] = []
    private var textBytes: [UInt8] = []
    private var truncated = false

    init(encoding: String) {
        self.encoding = encoding.lowercased().trimmingCharacters(in: .whitespaces)
    }

    mutating func decode(_ line: ArraySlice<UInt8>) -> [UInt8] {
        switch encoding {
        case "base64":
            pending += line.filter { $0 != 0x20 && $0 != 0x09 }
            guard pending.count >= 64 << 10 else { return [] }
            let usable = pending.count - pending.count % 4
            let decoded = Data(base64Encoded: Data(pending[..<usable])).map(Array.init) ?? []
            pending.removeFirst(usable)
            return decoded
        case "quoted-printable":
            return Self.quotedPrintable(line)
        default:
            return Array(line) + [0x0D, 0x0A]
        }
    }

    mutating func flush() -> [UInt8] {
        guard encoding == "base64", !pending.isEmpty else { return [] }
        defer { pending = [] }
        return Data(base64Encoded: Data(pending), options: .ignoreUnknownCharacters).map(Array.init) ?? []
    }

    mutating func text(_ line: ArraySlice<UInt8>, limit: Int) {
        guard !truncated else { return }
        textBytes += decode(line)
        if textBytes.count > limit {
            textBytes.removeLast(textBytes.count - limit)
            truncated = true
        }
    }

    mutating func finishText() -> String {
        textBytes += flush()
        var text = String(decoding: textBytes, as: UTF8.self)
        if truncated { text += "\n[The rest of this message's text was left out: it is over 1 MiB.]" }
        return text
    }

    private static func quotedPrintable(_ line: ArraySlice<UInt8>) -> [UInt8] {
        var output: [UInt8] = []
        var index = line.startIndex
        var softBreak = false
        while index < line.endIndex {
            let byte = line[index]
            if byte == UInt8(ascii: "=") {
                if index + 1 == line.endIndex {
                    softBreak = true
                    break
                }
                if index + 2 < line.endIndex + 1, index + 2 <= line.endIndex,
                    let value = UInt8(String(decoding: line[(index + 1)..<(index + 3)], as: UTF8.self), radix: 16)
                {
                    output.append(value)
                    index += 3
                    continue
                }
            }
            output.append(byte)
            index += 1
        }
        if !softBreak { output += [0x0A] }
        return output
    }
}

/// A file written in order, mode `0600`.
private final class OutputFile {
    let path: String
    private(set) var size: Int64 = 0
    private let descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw POSIXFiles.failure("create the attachment file", path, errno) }
    }

    deinit {
        _ = close(descriptor)
    }

    func write(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        try POSIXFiles.writeAll(descriptor, bytes, path: path)
        size += Int64(bytes.count)
    }
}

/// Lines of a file without their line ending, read in 256 KiB blocks.
final class LineReader {
    private let descriptor: Int32
    private let path: String
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw POSIXFiles.failure("open the spool file", path, errno) }
    }

    deinit {
        _ = SystemError.closeIgnoringInterrupts(descriptor)
    }

    func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                var end = newline
                if end > start, buffer[end - 1] == 0x0D { end -= 1 }
                let line = buffer[start..<end]
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return line
            }
            buffer.removeFirst(start)
            start = 0
            var block = [UInt8](repeating: 0, count: 256 << 10)
            let count = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count >= 0 else { throw POSIXFiles.failure("read the spool file", path, errno) }
            if count == 0 { atEnd = true } else { buffer += block[..<count] }
        }
    }
}
