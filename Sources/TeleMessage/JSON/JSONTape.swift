/// A parsed JSON text kept as a flat list of tokens that point into the original bytes.
///
/// Written by hand rather than with `JSONSerialization` for exact control over hostile input: a nesting limit
/// (no stack overflow on `[[[[...`), the byte range of every value (so an item's raw JSON is its exact text), and
/// strings that are checked only when read, so that one bad string in an item cannot make a whole page unreadable.
/// The grammar is RFC 8259's; parsing never allocates per value, only the token list grows.
struct JSONTape {
    /// What a token is.
    enum Kind: UInt8 {
        case object, array, string, number, boolTrue, boolFalse, null
    }

    /// One value. Containers are followed by their members (for an object: key, value, key, value, ...).
    ///
    /// Positions are stored in 32 bits, so that a token takes 20 bytes: hostile input made of tiny values cannot
    /// make the tape much larger than the text.
    struct Token {
        var kind: Kind
        /// For a string: whether it contains a backslash escape.
        var hasEscapes: Bool
        private var storedStart: Int32
        private var storedEnd: Int32
        private var storedNext: Int32
        private var storedCount: Int32

        init(kind: Kind, hasEscapes: Bool, start: Int, end: Int, next: Int, count: Int) {
            self.kind = kind
            self.hasEscapes = hasEscapes
            self.storedStart = Int32(truncatingIfNeeded: start)
            self.storedEnd = Int32(truncatingIfNeeded: end)
            self.storedNext = Int32(truncatingIfNeeded: next)
            self.storedCount = Int32(truncatingIfNeeded: count)
        }

        /// The value's first byte; for a string, the first byte after the opening quote.
        var start: Int { Int(storedStart) }
        /// The byte after the value; for a string, the closing quote.
        var end: Int {
            get { Int(storedEnd) }
            set { storedEnd = Int32(truncatingIfNeeded: newValue) }
        }
        /// The index of the first token after this value and everything inside it.
        var next: Int {
            get { Int(storedNext) }
            set { storedNext = Int32(truncatingIfNeeded: newValue) }
        }
        /// For a container: the number of elements, or of members for an object.
        var count: Int {
            get { Int(storedCount) }
            set { storedCount = Int32(truncatingIfNeeded: newValue) }
        }
    }

    /// Why a text is not JSON, and at which byte.
    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var reason: String
        var description: String { "\(reason) at byte \(offset + 1)" }
    }

    private(set) var tokens: [Token] = []

    /// Parses `bytes` as one JSON value with optional surrounding whitespace.
    ///
    /// - Parameter recordingDepth: Values nested deeper than this are checked but get no tokens: a page of items
    ///   needs tokens for the items, not for their contents, which are parsed one item at a time.
    init(
        parsing bytes: UnsafeBufferPointer<UInt8>,
        maximumDepth: Int,
        recordingDepth: Int = .max
    ) throws(SyntaxError) {
        guard bytes.count < Int(Int32.max) else {
            throw SyntaxError(offset: 0, reason: "the text is longer than 2 GiB")
        }
        var parser = Parser(bytes: bytes, maximumDepth: maximumDepth, recordingDepth: recordingDepth)
        tokens.reserveCapacity(recordingDepth == .max ? max(16, bytes.count / 16) : 16)
        parser.skipWhitespace()
        try parser.parseValue(into: &tokens, depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw SyntaxError(offset: parser.index, reason: "unexpected text after the JSON value")
        }
    }

    subscript(index: Int) -> Token { tokens[index] }
}

extension JSONTape {
    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        let maximumDepth: Int
        let recordingDepth: Int
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, recordingDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
            self.recordingDepth = recordingDepth
        }

        /// Appends `token` when values at `depth` get tokens.
        func record(_ token: Token, into tokens: inout [Token], depth: Int) {
            if depth <= recordingDepth { tokens.append(token) }
        }

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        func error(_ reason: String) -> SyntaxError {
            SyntaxError(offset: index, reason: index < bytes.count ? reason : "the text ends early")
        }

        mutating func parseValue(into tokens: inout [Token], depth: Int) throws(SyntaxError) {
            guard index < bytes.count else { throw error("a value is missing") }
            switch bytes[index] {
            case UInt8(ascii: "{"): try parseContainer(into: &tokens, depth: depth, isObject: true)
            case UInt8(ascii: "["): try parseContainer(into: &tokens, depth: depth, isObject: false)
            case UInt8(ascii: "\""): try parseString(into: &tokens, depth: depth)
            case UInt8(ascii: "t"): try parseLiteral("true", .boolTrue, into: &tokens, depth: depth)
            case UInt8(ascii: "f"): try parseLiteral("false", .boolFalse, into: &tokens, depth: depth)
            case UInt8(ascii: "n"): try parseLiteral("null", .null, into: &tokens, depth: depth)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try parseNumber(into: &tokens, depth: depth)
            default: throw error("unexpected character")
            }
        }

        mutating func parseContainer(into tokens: inout [Token], depth: Int, isObject: Bool) throws(SyntaxError) {
            guard depth < maximumDepth else { throw error("nesting deeper than \(maximumDepth) levels") }
            let closing = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let tokenIndex = tokens.count
            let start = index
            let recorded = depth <= recordingDepth
            record(
                Token(
                    kind: isObject ? .object : .array,
                    hasEscapes: false,
                    start: start,
                    end: start,
                    next: 0,
                    count: 0
                ),
                into: &tokens,
                depth: depth
            )
            index += 1
            skipWhitespace()
            var count = 0
            if index < bytes.count, bytes[index] == closing {
                index += 1
            } else {
                while true {
                    if isObject {
                        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                            throw error("expected a quoted member name")
                        }
                        try parseString(into: &tokens, depth: depth + 1)
                        skipWhitespace()
                        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                            throw error("expected \":\" after a member name")
                        }
                        index += 1
                        skipWhitespace()
                    }
                    try parseValue(into: &tokens, depth: depth + 1)
                    count += 1
                    skipWhitespace()
                    guard index < bytes.count else { throw error("the text ends early") }
                    if bytes[index] == UInt8(ascii: ",") {
                        index += 1
                        skipWhitespace()
                        continue
                    }
                    guard bytes[index] == closing else {
                        throw error(isObject ? "expected \",\" or \"}\"" : "expected \",\" or \"]\"")
                    }
                    index += 1
                    break
                }
            }
            guard recorded else { return }
            tokens[tokenIndex].end = index
            tokens[tokenIndex].next = tokens.count
            tokens[tokenIndex].count = count
        }

        mutating func parseString(into tokens: inout [Token], depth: Int) throws(SyntaxError) {
            index += 1
            let start = index
            var hasEscapes = false
            while true {
                guard index < bytes.count else { throw error("a string is not closed") }
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { break }
                if byte < 0x20 { throw error("a control character must be escaped in a string") }
                if byte == UInt8(ascii: "\\") {
                    hasEscapes = true
                    index += 1
                    guard index < bytes.count else { throw error("a string is not closed") }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                        UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    case UInt8(ascii: "u"):
                        index += 1
                        for _ in 0..<4 {
                            guard index < bytes.count, JSONTape.hexValue(bytes[index]) != nil else {
                                throw error("\\u must be followed by four hexadecimal digits")
                            }
                            index += 1
                        }
                    default:
                        throw error("invalid escape sequence")
                    }
                } else {
                    index += 1
                }
            }
            record(
                Token(
                    kind: .string,
                    hasEscapes: hasEscapes,
                    start: start,
                    end: index,
                    next: tokens.count + 1,
                    count: 0
                ),
                into: &tokens,
                depth: depth
            )
            index += 1
        }

        mutating func parseLiteral(
            _ literal: StaticString,
            _ kind: Kind,
            into tokens: inout [Token],
            depth: Int
        ) throws(SyntaxError) {
            let length = literal.utf8CodeUnitCount
            guard index + length <= bytes.count else { throw error("unexpected character") }
            let matches = literal.withUTF8Buffer { expected in
                (0..<length).allSatisfy { bytes[index + $0] == expected[$0] }
            }
            guard matches else { throw error("unexpected character") }
            record(
                Token(
                    kind: kind,
                    hasEscapes: false,
                    start: index,
                    end: index + length,
                    next: tokens.count + 1,
                    count: 0
                ),
                into: &tokens,
                depth: depth
            )
            index += length
        }

        mutating func parseNumber(into tokens: inout [Token], depth: Int) throws(SyntaxError) {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
            } else {
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else { throw error("invalid number") }
                skipDigits()
            }
            record(
                Token(kind: .number, hasEscapes: false, start: start, end: index, next: tokens.count + 1, count: 0),
                into: &tokens,
                depth: depth
            )
        }

        private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

        private mutating func skipDigits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
