import Foundation
import WhatsAppArchiver

/// Why a record is invalid, in words for the run report.
struct DecodingFailure: Error {
    var reason: String
}

/// Typed access to the members of one JSON object, with the rules of the export format: `null` is absent, a
/// member name may appear once, and every failure names the field by its path (`attachments[0].size`).
struct ObjectReader {
    let document: JSONDocument
    /// The path of this object in the record, empty for the record itself.
    let path: String
    private var members: [String: Int] = [:]

    init(_ document: JSONDocument, index: Int, path: String) throws(DecodingFailure) {
        self.document = document
        self.path = path
        guard document[index].kind == .object else {
            throw DecodingFailure(
                reason: path.isEmpty
                    ? "the record is not a JSON object"
                    : "\(Self.quoted(path)) must be an object, not \(Self.describe(document[index].kind))"
            )
        }
        let pairs = document.members(index)
        members.reserveCapacity(pairs.count)
        for (name, value) in pairs {
            let key: String
            do {
                key = try document.string(name)
            } catch {
                throw DecodingFailure(
                    reason: "a member name in \(path.isEmpty ? "the record" : Self.quoted(path)) "
                        + "holds \(error.reason)"
                )
            }
            guard members.updateValue(value, forKey: key) == nil else {
                // The name comes from the input: a reason is one line of text, so its control characters are
                // escaped (the fuzzer found a CR LF member name written into the report as it was).
                throw DecodingFailure(reason: "the field \(Self.quoted(field(Self.printable(key)))) appears twice")
            }
        }
    }

    /// The path of member `name`.
    func field(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    /// The token of member `name`, or `nil` when it is absent or `null`.
    func value(_ name: String) -> Int? {
        guard let index = members[name], document[index].kind != .null else { return nil }
        return index
    }

    func required(_ name: String) throws(DecodingFailure) -> Int {
        guard let index = value(name) else {
            throw DecodingFailure(reason: "missing required field \(Self.quoted(field(name)))")
        }
        return index
    }

    func typeMismatch(_ name: String, _ index: Int, expected: String) -> DecodingFailure {
        DecodingFailure(
            reason: "\(Self.quoted(field(name))) must be \(expected), not \(Self.describe(document[index].kind))"
        )
    }

    // MARK: - Strings

    func optionalString(_ name: String) throws(DecodingFailure) -> String? {
        guard let index = value(name) else { return nil }
        return try string(name, index)
    }

    func requiredString(_ name: String) throws(DecodingFailure) -> String {
        try string(name, required(name))
    }

    func string(_ name: String, _ index: Int) throws(DecodingFailure) -> String {
        guard document[index].kind == .string else { throw typeMismatch(name, index, expected: "a string") }
        do {
            return try document.string(index)
        } catch {
            throw DecodingFailure(reason: "\(Self.quoted(field(name))) holds \(error.reason)")
        }
    }

    /// A required string that must not be empty.
    func requiredNonEmptyString(_ name: String) throws(DecodingFailure) -> String {
        let text = try requiredString(name)
        guard !text.isEmpty else { throw DecodingFailure(reason: "\(Self.quoted(field(name))) is empty") }
        return text
    }

    /// An item id: 1 to 256 printable ASCII characters (`!` to `~`).
    func itemID(_ name: String) throws(DecodingFailure) -> String {
        try checkedItemID(name, requiredString(name))
    }

    func optionalItemID(_ name: String) throws(DecodingFailure) -> String? {
        guard let text = try optionalString(name) else { return nil }
        return try checkedItemID(name, text)
    }

    private func checkedItemID(_ name: String, _ text: String) throws(DecodingFailure) -> String {
        let utf8 = text.utf8
        guard (1...256).contains(utf8.count), utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw DecodingFailure(
                reason: "invalid id \(Self.excerpt(text)) in \(Self.quoted(field(name))): "
                    + "an id has 1 to 256 printable ASCII characters"
            )
        }
        return text
    }

    func attachmentID(_ name: String) throws(DecodingFailure) -> String {
        try checkedAttachmentID(name, requiredString(name))
    }

    func optionalAttachmentID(_ name: String) throws(DecodingFailure) -> String? {
        guard let text = try optionalString(name) else { return nil }
        return try checkedAttachmentID(name, text)
    }

    private func checkedAttachmentID(_ name: String, _ text: String) throws(DecodingFailure) -> String {
        guard Attachment.isValidID(text) else {
            throw DecodingFailure(
                reason: "invalid attachment id \(Self.excerpt(text)) in \(Self.quoted(field(name))): "
                    + "an attachment id matches [A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
            )
        }
        return text
    }

    // MARK: - Other scalars

    func requiredTimestamp(_ name: String) throws(DecodingFailure) -> Date {
        try timestamp(name, requiredString(name))
    }

    func optionalTimestamp(_ name: String) throws(DecodingFailure) -> Date? {
        guard let text = try optionalString(name) else { return nil }
        return try timestamp(name, text)
    }

    private func timestamp(_ name: String, _ text: String) throws(DecodingFailure) -> Date {
        guard let date = RFC3339.parse(text) else {
            throw DecodingFailure(
                reason: "invalid timestamp \(Self.excerpt(text)) in \(Self.quoted(field(name))): "
                    + "expected RFC 3339, for example 2026-11-23T10:15:00Z"
            )
        }
        return date
    }

    func requiredPhone(_ name: String) throws(DecodingFailure) -> String {
        let phone = try requiredString(name)
        guard Party.isValidPhone(phone) else {
            throw DecodingFailure(
                reason: "invalid phone \(Self.excerpt(phone)) in \(Self.quoted(field(name))): "
                    + "expected E.164, + and 6 to 15 digits"
            )
        }
        return phone
    }

    func optionalBool(_ name: String) throws(DecodingFailure) -> Bool? {
        guard let index = value(name) else { return nil }
        switch document[index].kind {
        case .boolTrue: return true
        case .boolFalse: return false
        default: throw typeMismatch(name, index, expected: "true or false")
        }
    }

    /// An integer that is at least 0.
    func optionalCount(_ name: String) throws(DecodingFailure) -> Int64? {
        guard let index = value(name) else { return nil }
        return try count(name, index)
    }

    func requiredCount(_ name: String) throws(DecodingFailure) -> Int64 {
        try count(name, required(name))
    }

    private func count(_ name: String, _ index: Int) throws(DecodingFailure) -> Int64 {
        guard document[index].kind == .number else { throw typeMismatch(name, index, expected: "a number") }
        guard let value = document.integer(index), value >= 0 else {
            let text = String(decoding: document.text(index), as: UTF8.self)
            throw DecodingFailure(
                reason: "\(Self.quoted(field(name))) must be a whole number of at least 0, not \(Self.excerpt(text))"
            )
        }
        return value
    }

    func requiredDouble(_ name: String, range: ClosedRange<Double>) throws(DecodingFailure) -> Double {
        let index = try required(name)
        guard document[index].kind == .number else { throw typeMismatch(name, index, expected: "a number") }
        guard let value = document.double(index), range.contains(value) else {
            let text = String(decoding: document.text(index), as: UTF8.self)
            throw DecodingFailure(
                reason: "\(Self.quoted(field(name))) must be a number from \(range.lowerBound) to "
                    + "\(range.upperBound), not \(Self.excerpt(text))"
            )
        }
        return value
    }

    // MARK: - Containers

    func optionalObject(_ name: String) throws(DecodingFailure) -> ObjectReader? {
        guard let index = value(name) else { return nil }
        return try ObjectReader(document, index: index, path: field(name))
    }

    func requiredObject(_ name: String) throws(DecodingFailure) -> ObjectReader {
        try ObjectReader(document, index: required(name), path: field(name))
    }

    /// The elements of array member `name`; empty when it is absent and not required.
    func array(_ name: String, required isRequired: Bool = false) throws(DecodingFailure) -> [Int] {
        guard let index = isRequired ? try required(name) : value(name) else { return [] }
        guard document[index].kind == .array else { throw typeMismatch(name, index, expected: "an array") }
        return document.elements(index)
    }

    /// The object elements of array member `name`.
    func objects(_ name: String, required isRequired: Bool = false) throws(DecodingFailure) -> [ObjectReader] {
        var result: [ObjectReader] = []
        for (position, index) in try array(name, required: isRequired).enumerated() {
            result.append(try ObjectReader(document, index: index, path: "\(field(name))[\(position)]"))
        }
        return result
    }

    /// The string elements of array member `name`.
    func strings(_ name: String) throws(DecodingFailure) -> [String] {
        var result: [String] = []
        for (position, index) in try array(name).enumerated() {
            result.append(try string("\(name)[\(position)]", index))
        }
        return result
    }

    // MARK: - Wording

    static func quoted(_ path: String) -> String { "\"\(path)\"" }

    /// A member name from the input as a reason may show it: control characters written as `\u{…}`, at most 64
    /// characters.
    static func printable(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars.prefix(64) {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                text += "\\u{" + String(scalar.value, radix: 16) + "}"
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        return text
    }

    static func describe(_ kind: JSONTape.Kind) -> String {
        switch kind {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number: return "a number"
        case .boolTrue, .boolFalse: return "a boolean"
        case .null: return "null"
        }
    }

    /// `text` quoted for a report: at most 40 characters, control and format characters escaped, so that
    /// hostile input cannot forge lines in a log.
    static func excerpt(_ text: String) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == 40 {
                result += "…"
                break
            }
            count += 1
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned, .privateUse:
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default:
                if scalar == "\"" || scalar == "\\" { result += "\\" }
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
