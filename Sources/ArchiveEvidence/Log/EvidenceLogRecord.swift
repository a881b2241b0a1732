import WhatsAppArchiver

/// One line of an evidence log: an entry (a leaf of the Merkle tree), a head (the tree's root after a commit), or
/// an intent (a file a commit was about to store).
///
/// Every record is one line of JSON with its keys in a fixed order, ended by a line feed; the first key says the
/// kind. An entry's leaf is the exact bytes of its line without the line feed, so a verifier hashes what it reads
/// and needs no canonical form:
///
/// ```
/// {"entry":0,"messageId":"wa.1@x","sha256":"…","size":1234,"time":"2026-12-04T19:00:00Z","run":"…","file":"…"}
/// {"intent":1,"messageId":"wa.2@x","sha256":"…","size":987,"time":"2026-12-04T19:00:01Z","run":"…","file":"…"}
/// {"head":2,"root":"…","time":"2026-12-04T19:00:01Z","run":"…","frontier":["…"]}
/// ```
public enum EvidenceLogRecord: Sendable, Hashable {
    /// A stored message: leaf `index` of the tree.
    case entry(index: Int, EvidenceLogEntry)
    /// A file a commit was about to store, when the log held `size` entries.
    case intent(size: Int, EvidenceLogEntry)
    /// The tree after a commit.
    case head(EvidenceLogHead, frontier: [[UInt8]])

    /// The record as its line, line feed included.
    public var line: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(384)
        append(to: &bytes)
        return bytes
    }

    /// Appends the record's line, line feed included, to `bytes`: one buffer for a whole commit's records.
    package func append(to bytes: inout [UInt8]) {
        switch self {
        case .entry(let index, let entry):
            bytes.append(contentsOf: "{\"entry\":".utf8)
            Self.appendDecimal(index, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            Self.appendFields(entry, to: &bytes)
        case .intent(let size, let entry):
            bytes.append(contentsOf: "{\"intent\":".utf8)
            Self.appendDecimal(size, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            Self.appendFields(entry, to: &bytes)
        case .head(let head, let frontier):
            bytes.append(contentsOf: "{\"head\":\(head.size),\"root\":\"".utf8)
            Self.appendHex(head.root, to: &bytes)
            bytes.append(contentsOf: "\",\"time\":".utf8)
            JSONText.appendQuoted(head.time, to: &bytes)
            bytes.append(contentsOf: ",\"run\":".utf8)
            JSONText.appendQuoted(head.run, to: &bytes)
            bytes.append(contentsOf: ",\"frontier\":[".utf8)
            for (position, hash) in frontier.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(UInt8(ascii: "\""))
                Self.appendHex(hash, to: &bytes)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(contentsOf: "]}".utf8)
        }
        bytes.append(0x0A)
    }

    private static func appendFields(_ entry: EvidenceLogEntry, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "\"messageId\":".utf8)
        JSONText.appendQuoted(entry.messageID, to: &bytes)
        bytes.append(contentsOf: ",\"sha256\":\"".utf8)
        appendHex(entry.sha256, to: &bytes)
        bytes.append(contentsOf: "\",\"size\":".utf8)
        appendDecimal(Int(entry.size), to: &bytes)
        bytes.append(contentsOf: ",\"time\":".utf8)
        JSONText.appendQuoted(entry.time, to: &bytes)
        bytes.append(contentsOf: ",\"run\":".utf8)
        JSONText.appendQuoted(entry.run, to: &bytes)
        bytes.append(contentsOf: ",\"file\":".utf8)
        JSONText.appendQuoted(entry.fileName, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends a non-negative number's decimal digits, without the `String` an interpolation makes.
    static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        var value = UInt(max(0, value))
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                count += 1
                buffer[buffer.count - count] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0
            bytes.append(contentsOf: buffer[(buffer.count - count)...])
        }
    }

    /// Appends `value` as lowercase hexadecimal digits.
    static func appendHex(_ value: [UInt8], to bytes: inout [UInt8]) {
        let hexDigits = Self.hexDigits
        let start = bytes.count
        // One append of the right size, then the digits written in place: no capacity check per digit.
        bytes.append(contentsOf: repeatElement(0, count: value.count * 2))
        bytes.withUnsafeMutableBufferPointer { output in
            hexDigits.withUnsafeBufferPointer { hexDigits in
                var index = start
                for byte in value {
                    output[index] = hexDigits[Int(byte >> 4)]
                    output[index + 1] = hexDigits[Int(byte & 0x0F)]
                    index += 2
                }
            }
        }
    }

    /// Parses one line (without its line feed); `nil` when it is not a record of one of the three kinds.
    public static func parse(_ line: some Collection<UInt8>) -> EvidenceLogRecord? {
        guard let object = FlatJSONObject(Array(line)), let kind = object.keys.first else { return nil }
        switch kind {
        case "entry", "intent":
            guard object.keys == [kind, "messageId", "sha256", "size", "time", "run", "file"],
                let number = object.integers[kind], number >= 0,
                let messageID = object.strings["messageId"],
                let sha256 = object.strings["sha256"].flatMap(hexBytes), sha256.count == 32,
                let size = object.integers["size"], size >= 0,
                let time = object.strings["time"], let run = object.strings["run"],
                let fileName = object.strings["file"]
            else { return nil }
            let entry = EvidenceLogEntry(
                messageID: messageID,
                sha256: sha256,
                size: Int64(size),
                time: time,
                run: run,
                fileName: fileName
            )
            return kind == "entry" ? .entry(index: number, entry) : .intent(size: number, entry)
        case "head":
            guard object.keys == ["head", "root", "time", "run", "frontier"],
                let size = object.integers["head"], size >= 0,
                let root = object.strings["root"].flatMap(hexBytes), root.count == 32,
                let time = object.strings["time"], let run = object.strings["run"],
                let frontierText = object.arrays["frontier"]
            else { return nil }
            let frontier = frontierText.compactMap(hexBytes)
            guard frontier.count == frontierText.count else { return nil }
            return .head(EvidenceLogHead(size: size, root: root, time: time, run: run), frontier: frontier)
        default:
            return nil
        }
    }

    /// Lowercase hexadecimal digits as bytes; `nil` for anything else.
    package static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }
}

/// What the log records of one stored message.
public struct EvidenceLogEntry: Sendable, Hashable {
    /// The message's `Message-ID`, without angle brackets.
    public var messageID: String
    /// The SHA-256 of the stored file's bytes.
    public var sha256: [UInt8]
    /// The stored file's size.
    public var size: Int64
    /// When the entry was recorded (RFC 3339, UTC).
    public var time: String
    /// The run that stored the message.
    public var run: String
    /// The file's name when it was stored (clients may rename it since: never used to match).
    public var fileName: String

    /// An entry.
    public init(messageID: String, sha256: [UInt8], size: Int64, time: String, run: String, fileName: String) {
        self.messageID = messageID
        self.sha256 = sha256
        self.size = size
        self.time = time
        self.run = run
        self.fileName = fileName
    }
}

/// A head of a log: the RFC 9162 root of its first `size` entries, and when and by which run it was written.
public struct EvidenceLogHead: Sendable, Hashable {
    /// The number of entries the root covers.
    public var size: Int
    /// The Merkle tree root of those entries.
    public var root: [UInt8]
    /// When the head was written (RFC 3339, UTC).
    public var time: String
    /// The run that wrote it.
    public var run: String

    /// The root as 64 lowercase hexadecimal digits, the form the run report and anchored-heads files use.
    public var rootHex: String { SHA256.hex(root) }

    /// A head.
    public init(size: Int, root: [UInt8], time: String, run: String) {
        self.size = size
        self.root = root
        self.time = time
        self.run = run
    }
}
