/// Writes JSON text with keys in the order given, for documents people read (the run report).
///
/// Foundation's `JSONEncoder` does not keep key order on every platform; a report whose counts come first and
/// whose lists come last is easier to read, so the report is written by hand with this helper.
package struct JSONText {
    private var text = ""
    private var needsComma: [Bool] = [false]
    private var indent: Int { needsComma.count - 1 }

    package init() {}

    /// The document written so far.
    package var result: String { text }

    package mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    package mutating func endObject() { close("}") }
    package mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    package mutating func endArray() { close("]") }

    package mutating func field(_ key: String, _ value: String?) {
        element(key, value.map(Self.quoted) ?? "null")
    }

    package mutating func field(_ key: String, _ value: Int) {
        element(key, String(value))
    }

    private mutating func open(_ key: String?, _ bracket: String) {
        element(key, bracket)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: String) {
        let wasEmpty = needsComma.removeLast() == false
        text += wasEmpty ? bracket : "\n" + String(repeating: "  ", count: indent) + bracket
    }

    private mutating func element(_ key: String?, _ value: String) {
        if needsComma[indent] { text += "," }
        if !needsComma.isEmpty, indent > 0 || !text.isEmpty { text += "\n" }
        text += String(repeating: "  ", count: indent)
        if let key { text += Self.quoted(key) + ": " }
        text += value
        needsComma[indent] = true
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
    /// The bytes ``appendQuoted(_:to:)`` must look at: quote, backslash, controls, DEL, and 0xE2 (the first byte of
    /// U+2028 and U+2029).
    private static let needsEscape: [Bool] = (0..<256).map {
        $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F || $0 == 0xE2
    }

    /// `value` as a JSON string: quotes, backslashes and every control character escaped.
    package static func quoted(_ value: String) -> String {
        var bytes: [UInt8] = []
        appendQuoted(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends `value` as a JSON string to `bytes` (UTF-8): quotes, backslashes, control characters, DEL and the
    /// line and paragraph separators U+2028 and U+2029 escaped, everything else copied. Works on the UTF-8 bytes,
    /// copying runs that need no escape at once: the evidence log and the item record quote several strings per
    /// message.
    package static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        // A global's accessor inside the loop would run once per byte; the table is read once per string.
        let needsEscape = Self.needsEscape
        needsEscape.withUnsafeBufferPointer { needsEscape in
            value.withUTF8 { utf8 in
                appendEscaped(utf8, needsEscape: needsEscape, to: &bytes)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func appendEscaped(
        _ utf8: UnsafeBufferPointer<UInt8>,
        needsEscape: UnsafeBufferPointer<Bool>,
        to bytes: inout [UInt8]
    ) {
        var runStart = 0
        var index = 0
        func flush() {
            if runStart < index { bytes.append(contentsOf: utf8[runStart..<index]) }
        }
        while index < utf8.count {
            // Most strings need no escape at all: skip over plain bytes with one table lookup each.
            while index < utf8.count && !needsEscape[Int(utf8[index])] { index += 1 }
            guard index < utf8.count else { break }
            let byte = utf8[index]
            var escape: [UInt8]?
            var length = 1
            switch byte {
            case UInt8(ascii: "\""): escape = Array("\\\"".utf8)
            case UInt8(ascii: "\\"): escape = Array("\\\\".utf8)
            case 0x0A: escape = Array("\\n".utf8)
            case 0x0D: escape = Array("\\r".utf8)
            case 0x09: escape = Array("\\t".utf8)
            case 0x00..<0x20, 0x7F:
                escape = Array("\\u00".utf8) + [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            case 0xE2
            where index + 2 < utf8.count && utf8[index + 1] == 0x80
                && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9):
                escape = Array((utf8[index + 2] == 0xA8 ? "\\u2028" : "\\u2029").utf8)
                length = 3
            default: break
            }
            if let escape {
                flush()
                bytes.append(contentsOf: escape)
                index += length
                runStart = index
            } else {
                index += 1
            }
        }
        flush()
    }
}
