/// Writes header fields that are ASCII only and folded to 78 columns, whatever text they carry.
///
/// Every value is built from *tokens*: pieces that are never split (an atom, a quoted string, an RFC 2047
/// encoded-word, an address in angle brackets, a parameter). The encoder places a fold (CRLF and a space) only in
/// the white space before a token, so it can never create a line that starts a new field. Tokens are bounded
/// (encoded-words are at most 75 characters, ASCII words at most ``maximumPlainWord``), so no line exceeds 998
/// octets.
enum MIMEHeaderEncoder {
    /// The longest ASCII word written as it is; a longer one is written as encoded-words, which can be folded.
    static let maximumPlainWord = 66
    /// The preferred line length of RFC 5322 section 2.1.1.
    static let preferredLineLength = 78

    /// One piece of a header value and whether white space (where a fold may go) comes before it.
    struct Token {
        /// ASCII text, never containing CR or LF.
        var text: String
        /// Whether a space (or a fold) separates the token from the one before.
        var spaceBefore: Bool
    }

    /// The bytes of a field `name: tokens` with CRLF at the end, folded where needed.
    static func field(_ name: String, _ tokens: [Token]) -> [UInt8] {
        var bytes: [UInt8] = []
        appendField(name, tokens, to: &bytes)
        return bytes
    }

    /// Appends the field `name: tokens` with CRLF at the end, folded where needed, to `bytes`: one buffer for a
    /// whole header section instead of an array per field.
    static func appendField(_ name: String, _ tokens: [Token], to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ":"))
        var column = bytes.count - start
        for (index, token) in tokens.enumerated() {
            let length = token.text.utf8.count
            if index == 0 || token.spaceBefore {
                if index > 0 && column + 1 + length > preferredLineLength {
                    bytes.append(0x0D)
                    bytes.append(0x0A)
                    column = 0
                }
                bytes.append(UInt8(ascii: " "))
                column += 1
            }
            bytes.append(contentsOf: token.text.utf8)
            column += length
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// Appends the field `name: value` with CRLF at the end for a value that is one token: the same bytes as
    /// ``appendField(_:_:to:)`` with one token (a fold only ever goes before a second token), without the token
    /// array and its string.
    static func appendSingleToken(_ name: String, _ value: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: value.utf8)
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// Appends the field `name: <id> <id> ...` with CRLF at the end, folded as ``appendField(_:_:to:)`` folds
    /// tokens `<id>` that each have a space before: the message identifiers of `Message-ID`, `In-Reply-To` and
    /// `References`, written without a string per identifier.
    static func appendAngleBracketed(_ name: String, _ identifiers: String..., to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ":"))
        var column = bytes.count - start
        for (index, identifier) in identifiers.enumerated() {
            let length = identifier.utf8.count + 2
            if index > 0 && column + 1 + length > preferredLineLength {
                bytes.append(0x0D)
                bytes.append(0x0A)
                column = 0
            }
            bytes.append(UInt8(ascii: " "))
            bytes.append(UInt8(ascii: "<"))
            bytes.append(contentsOf: identifier.utf8)
            bytes.append(UInt8(ascii: ">"))
            column += 1 + length
        }
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// An unstructured field (`Subject`, `X-...`): plain words when the text is short printable ASCII, otherwise
    /// encoded-words. The text is first made a single clean line.
    static func unstructured(_ name: String, _ text: String, maximumCharacters: Int = 512) -> [UInt8] {
        field(name, unstructuredTokens(UntrustedText.singleLine(text, maximumCharacters: maximumCharacters)))
    }

    /// ``unstructured(_:_:maximumCharacters:)`` appended to `bytes`.
    static func appendUnstructured(
        _ name: String,
        _ text: String,
        maximumCharacters: Int = 512,
        to bytes: inout [UInt8]
    ) {
        let line = UntrustedText.singleLine(text, maximumCharacters: maximumCharacters)
        if appendPlainWords(name, line, to: &bytes) { return }
        appendField(name, unstructuredTokens(line), to: &bytes)
    }

    /// The tokens of an unstructured value that is already a single clean line: printable ASCII words as they
    /// are, every run of other words as encoded-words.
    static func unstructuredTokens(_ line: String) -> [Token] {
        mixedTokens(line) { word in isPrintableASCII(word) }
    }

    /// The tokens of a mailbox, `phrase <address>`: the phrase as one quoted string when it is short printable
    /// ASCII, otherwise atoms as they are and every run of other words (non-ASCII, or holding specials) as
    /// encoded-words. Never an encoded-word inside the address or inside quotes.
    static func mailboxTokens(displayName: String, address: String) -> [Token] {
        var tokens: [Token] = []
        if !displayName.isEmpty {
            if isPrintableASCII(Substring(displayName)) && displayName.utf8.count <= maximumPlainWord
                && !hasEncodedWordMarker(Substring(displayName))
            {
                tokens.append(Token(text: quoted(displayName), spaceBefore: true))
            } else {
                tokens += mixedTokens(displayName) { word in word.utf8.allSatisfy(isAtomCharacter) }
            }
        }
        tokens.append(Token(text: "<" + address + ">", spaceBefore: true))
        return tokens
    }

    /// Splits a clean single line at its spaces; words that `isPlain` accepts (and that are short and hold no
    /// `=?`) stay as they are, and each run of other words, spaces included, becomes encoded-words.
    ///
    /// Keeping plain words out of encoded-words keeps the white space around them unambiguous: RFC 2047 drops
    /// white space between adjacent encoded-words, and some parsers (Python's address parser) keep it.
    private static func mixedTokens(_ line: String, isPlain: (Substring) -> Bool) -> [Token] {
        var tokens: [Token] = []
        var run: [Substring] = []
        func flushRun() {
            guard !run.isEmpty else { return }
            tokens += encodedWords(run.joined(separator: " ")).map { Token(text: $0, spaceBefore: true) }
            run.removeAll()
        }
        // Splitting bytes rather than characters is the same split when the line is ASCII, and much cheaper.
        let words =
            line.utf8.allSatisfy { $0 < 0x80 }
            ? line.utf8.split(separator: UInt8(ascii: " ")).map { Substring($0) } : line.split(separator: " ")
        for word in words {
            if word.utf8.count <= maximumPlainWord && !hasEncodedWordMarker(word) && isPlain(word) {
                flushRun()
                tokens.append(Token(text: String(word), spaceBefore: true))
            } else {
                run.append(word)
            }
        }
        flushRun()
        return tokens
    }

    /// RFC 5322 `atext`: the characters of an atom.
    private static func isAtomCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
    }

    /// `text` as a quoted string, with `"` and `\` escaped.
    static func quoted(_ text: String) -> String {
        // Nothing to escape (the common case): no walk over the characters.
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }

    /// RFC 2047 "B" encoded-words of UTF-8 text, each at most 75 characters and each holding whole characters
    /// (a character too long for one word is split between its Unicode scalars). A word that must be split is
    /// split after a space when it holds one, the space kept at the end of the first word.
    static func encodedWords(_ text: String) -> [String] {
        // "=?utf-8?B?" + base64 + "?=" <= 75 leaves 63 base64 characters: 45 bytes of UTF-8.
        let maximumBytes = 45
        var words: [String] = []
        var pending: [UInt8] = []
        var afterLastSpace: Int?
        func emit(_ bytes: ArraySlice<UInt8>) {
            words.append("=?utf-8?B?" + Base64LineEncoder.encodeUnwrapped(Array(bytes)) + "?=")
        }
        func append(_ bytes: [UInt8]) {
            while pending.count + bytes.count > maximumBytes {
                if let split = afterLastSpace, split < pending.count {
                    emit(pending[..<split])
                    pending.removeFirst(split)
                } else {
                    emit(pending[...])
                    pending.removeAll(keepingCapacity: true)
                }
                afterLastSpace = nil
            }
            pending += bytes
            if bytes == [UInt8(ascii: " ")] { afterLastSpace = pending.count }
        }
        for character in text {
            let bytes = Array(character.utf8)
            if bytes.count > maximumBytes {
                for scalar in character.unicodeScalars { append(Array(String(scalar).utf8)) }
            } else {
                append(bytes)
            }
        }
        if !pending.isEmpty { emit(pending[...]) }
        return words
    }

    /// The tokens of a MIME parameter `name=value` (RFC 2045 / RFC 2231), preceded by `;` on the token before:
    /// a quoted string when the value is short printable ASCII, otherwise `name*=utf-8''percent-encoded`, split
    /// into RFC 2231 continuations (`name*0*=`, `name*1*=`, ...) so that every line stays short. One form only.
    static func parameterTokens(_ name: String, _ value: String) -> [Token] {
        if isPrintableASCII(Substring(value)) && value.utf8.count <= maximumPlainWord
            && !hasEncodedWordMarker(Substring(value))
        {
            return [Token(text: name + "=" + quoted(value), spaceBefore: true)]
        }
        // Room on a folded line for " name*NN*=utf-8''", the segment and the ";" after it.
        let segmentLength = max(12, preferredLineLength - name.utf8.count - 15)
        // Segments end on scalar boundaries: RFC 2231 allows a split inside a character, but some parsers (Python's
        // among them) decode each segment on its own.
        var segments: [String] = []
        var current = ""
        for scalar in value.unicodeScalars {
            var piece = ""
            for byte in String(scalar).utf8 {
                piece += isAttributeCharacter(byte) ? String(UnicodeScalar(byte)) : percentEncoded(byte)
            }
            if current.utf8.count + piece.utf8.count > segmentLength {
                segments.append(current)
                current = ""
            }
            current += piece
        }
        segments.append(current)
        if segments.count == 1 {
            return [Token(text: name + "*=utf-8''" + segments[0], spaceBefore: true)]
        }
        return segments.enumerated().map { index, segment in
            let prefix = index == 0 ? "utf-8''" : ""
            return Token(text: "\(name)*\(index)*=" + prefix + segment, spaceBefore: true)
        }
    }

    /// Joins parameter tokens to the value before them with `;`.
    static func withParameters(_ value: String, _ parameters: [[Token]]) -> [Token] {
        var tokens = [Token(text: value, spaceBefore: true)]
        for parameter in parameters.joined() {
            tokens[tokens.count - 1].text += ";"
            tokens.append(parameter)
        }
        return tokens
    }

    /// Whether `text` holds `=?`, which a reader could take for the start of an encoded-word: such text is
    /// encoded itself so that it shows as typed.
    static func hasEncodedWordMarker(_ text: Substring) -> Bool {
        // On the contiguous bytes when there are some (always, for native strings): no generic iteration.
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard bytes.count > 1 else { return false }
            for index in 1..<bytes.count
            where bytes[index] == UInt8(ascii: "?") && bytes[index - 1] == UInt8(ascii: "=") {
                return true
            }
            return false
        }
        if let fast { return fast }
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if previous == UInt8(ascii: "=") && byte == UInt8(ascii: "?") { return true }
            previous = byte
        }
        return false
    }

    /// Whether every character is printable ASCII (space to `~`).
    static func isPrintableASCII(_ text: Substring) -> Bool {
        if let fast = text.utf8.withContiguousStorageIfAvailable({ $0.allSatisfy { $0 >= 0x20 && $0 < 0x7F } }) {
            return fast
        }
        return text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// RFC 5987 `attr-char`: the characters that need no percent-encoding in an extended parameter value.
    private static func isAttributeCharacter(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || "!#$&+-.^_`|~".utf8.contains(byte)
    }

    private static func percentEncoded(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        return String(decoding: [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]], as: UTF8.self)
    }
}
