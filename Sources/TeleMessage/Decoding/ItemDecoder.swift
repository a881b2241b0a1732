import Foundation
import WhatsAppArchiver

/// Turns one item record of the TeleMessage export format (`telemessage-export.md`, section 1) into an ``Item``, or
/// into an ``InvalidRecord`` that says where the record is and what is wrong with it.
///
/// The decoder never throws and never traps, whatever the input: invalid UTF-8, deep nesting, lone surrogate
/// escapes and huge strings all become invalid records. It follows the export format's rules:
///
/// - unknown fields are ignored, and `null` means the same as an absent field;
/// - a missing required field, a value of the wrong type, an unparseable timestamp or phone number, or an
///   attachment id that is not safe as a file name makes the record invalid;
/// - a record whose `kind` is not one of the six known kinds is kept, with its exact JSON text in
///   ``Item/rawJSON``;
/// - a member name that appears twice in one object makes the record invalid, since readers disagree on which
///   value wins.
///
/// Attachments of decoded items have content that reports ``ArchiverError/Code/attachmentMissing``;
/// ``TeleMessageSource`` replaces it with content that downloads the bytes.
public struct ItemDecoder: Sendable {
    /// Limits that keep hostile input from using unbounded resources.
    public struct Configuration: Sendable {
        /// The deepest nesting of arrays and objects accepted in a record. Items need 4 levels.
        public var maximumDepth: Int = 64
        /// The longest record accepted, in bytes. A WhatsApp text is at most 65,536 characters, so real records
        /// stay far below this.
        public var maximumRecordBytes: Int = 4 << 20

        /// Creates the default limits.
        public init() {}
    }

    /// The result of decoding one record.
    public enum Outcome: Sendable {
        /// The record is a valid item.
        case item(Item)
        /// The record is not valid; the report says where and why.
        case invalid(InvalidRecord)
    }

    /// The decoder's limits.
    public var configuration: Configuration

    /// Creates a decoder.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// Decodes one record.
    ///
    /// - Parameters:
    ///   - bytes: The record's JSON text, UTF-8.
    ///   - position: Where the record is, for the report: `items.jsonl line 17`, `page 3 item 12`.
    public func decode(_ bytes: [UInt8], position: String) -> Outcome {
        guard bytes.count <= configuration.maximumRecordBytes else {
            return .invalid(
                InvalidRecord(
                    position: position,
                    reason: "the record is \(bytes.count) bytes long, more than the limit of "
                        + "\(configuration.maximumRecordBytes)"
                )
            )
        }
        if let offset = Self.firstInvalidUTF8Offset(bytes) {
            return .invalid(InvalidRecord(position: position, reason: "not valid UTF-8 at byte \(offset + 1)"))
        }
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: bytes, maximumDepth: configuration.maximumDepth)
        } catch {
            return .invalid(InvalidRecord(position: position, reason: "not valid JSON: \(error)"))
        }
        return decode(document, position: position)
    }

    /// Decodes a record that is already parsed.
    func decode(_ document: JSONDocument, position: String) -> Outcome {
        var itemID: String?
        do {
            let root = try ObjectReader(document, index: 0, path: "")
            itemID = try? root.itemID("id")
            return .item(try Self.item(root))
        } catch {
            return .invalid(InvalidRecord(itemID: itemID, position: position, reason: error.reason))
        }
    }

    /// The `capturedAt` of a record, when it has a readable one: enough to place an invalid record in a window.
    func capturedAt(of document: JSONDocument) -> Date? {
        guard let root = try? ObjectReader(document, index: 0, path: "") else { return nil }
        return try? root.optionalTimestamp("capturedAt")
    }

    /// The offset of the first byte that breaks UTF-8, or `nil` when all of `bytes` is UTF-8.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        // ASCII is the common case by far: skip it eight bytes at a time.
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            var index = 0
            let count = buffer.count
            let base = UnsafeRawPointer(buffer.baseAddress)
            while index < count {
                if let base, index + 8 <= count,
                    base.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0
                {
                    index += 8
                    continue
                }
                let lead = buffer[index]
                if lead < 0x80 {
                    index += 1
                    continue
                }
                let length: Int
                var lower: UInt8 = 0x80
                var upper: UInt8 = 0xBF
                switch lead {
                case 0xC2...0xDF: length = 2
                case 0xE0:
                    length = 3
                    lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED:
                    length = 3
                    upper = 0x9F  // no UTF-16 surrogates
                case 0xF0:
                    length = 4
                    lower = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4:
                    length = 4
                    upper = 0x8F
                default: return index
                }
                guard index + length <= count else { return index }
                guard buffer[index + 1] >= lower, buffer[index + 1] <= upper else { return index }
                for offset in 2..<length where buffer[index + offset] & 0xC0 != 0x80 {
                    return index
                }
                index += length
            }
            return nil
        }
    }
}
