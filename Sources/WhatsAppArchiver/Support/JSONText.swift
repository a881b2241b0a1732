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

    /// `value` as a JSON string: quotes, backslashes and every control character escaped.
    package static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _
            where scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
