/// Cleans text that comes from phones (names, group subjects, file names, message text) before it is rendered.
///
/// Nothing untrusted reaches a header without passing through here and then through ``MIMEHeaderEncoder``: control
/// characters are removed, so no input can end a header line early, and bidirectional overrides are removed from
/// names so that a name cannot display in a different order from the one it is stored in.
enum UntrustedText {
    /// The bidirectional formatting characters that can reorder displayed text (Unicode TR 9, "explicit
    /// formatting"), plus the implicit marks that are invisible in a name.
    static func isBidiControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    /// C0 controls, DEL and C1 controls.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// Line and paragraph breaks beyond CR and LF that some readers honour.
    static func isLineBreak(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x0B, 0x0C, 0x0D, 0x85, 0x2028, 0x2029: return true
        default: return false
        }
    }

    /// A single line for a display name, a group subject or a header value: controls and bidirectional controls
    /// removed, every run of white space (line breaks included) collapsed to one space, trimmed, and at most
    /// `maximumCharacters` characters long (an ellipsis marks a cut).
    static func singleLine(_ text: String, maximumCharacters: Int = .max) -> String {
        if isCleanASCIILine(text) && text.utf8.count <= maximumCharacters { return text }
        var scalars = String.UnicodeScalarView()
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            let isSpace =
                scalar.isASCII
                ? scalar == " " || (0x09...0x0D).contains(scalar.value)
                : scalar.properties.isWhitespace || isLineBreak(scalar)
            if isSpace {
                pendingSpace = !scalars.isEmpty
                continue
            }
            if isControl(scalar) || isBidiControl(scalar) || scalar == "\u{FEFF}" { continue }
            if pendingSpace {
                scalars.append(" ")
                pendingSpace = false
            }
            scalars.append(scalar)
        }
        let line = String(scalars)
        guard line.count > maximumCharacters, maximumCharacters > 0 else { return line }
        return String(line.prefix(maximumCharacters - 1)) + "\u{2026}"
    }

    /// Whether `text` is already a clean line: printable ASCII, no leading, trailing or doubled space. The common
    /// case, checked on bytes so that it costs no Unicode property lookups.
    private static func isCleanASCIILine(_ text: String) -> Bool {
        var previous: UInt8 = 0x20
        for byte in text.utf8 {
            guard byte >= 0x20 && byte < 0x7F, !(byte == 0x20 && previous == 0x20) else { return false }
            previous = byte
        }
        return previous != 0x20
    }

    /// Multi-line text for a body: every line break form becomes `\n`, other controls are removed, tabs are kept.
    static func multiLine(_ text: String) -> String {
        // Printable ASCII and tabs (the common case) hold nothing to change: no walk over the scalars.
        if text.utf8.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) { return text }
        var scalars = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            if isLineBreak(scalar) {
                if scalar == "\n" && previousWasCR { continue }
                scalars.append("\n")
                continue
            }
            if scalar == "\t" || !isControl(scalar) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    /// A file name that is safe on every system a reviewer might save it to.
    ///
    /// Only the last path component is kept (after `/` or `\`); controls and bidirectional controls are removed;
    /// characters that Windows forbids become `_`; leading dots and spaces and trailing dots and spaces go, so the
    /// name can be neither `..` nor hidden; the name is cut to `maximumBytes` UTF-8 bytes on a character boundary,
    /// keeping a short extension. An empty result becomes `fallback`.
    static func fileName(_ name: String?, fallback: String, maximumBytes: Int = 150) -> String {
        var lastComponent = Substring(name ?? "")
        if let separator = lastComponent.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            lastComponent = lastComponent[lastComponent.index(after: separator)...]
        }
        var cleaned = String.UnicodeScalarView()
        for scalar in singleLine(String(lastComponent)).unicodeScalars {
            switch scalar {
            case ":", "*", "?", "\"", "<", ">", "|": cleaned.append("_")
            default: cleaned.append(scalar)
            }
        }
        var result = Substring(String(cleaned))
        while let first = result.first, first == "." || first == " " { result = result.dropFirst() }
        while let last = result.last, last == "." || last == " " { result = result.dropLast() }
        guard !result.isEmpty else { return fallback }
        guard result.utf8.count > maximumBytes else { return String(result) }
        var stem = result
        var suffix = Substring("")
        if let dot = result.lastIndex(of: "."), result.distance(from: dot, to: result.endIndex) <= 10 {
            stem = result[..<dot]
            suffix = result[dot...]
        }
        var kept = ""
        let budget = maximumBytes - suffix.utf8.count
        for character in stem {
            guard kept.utf8.count + character.utf8.count <= budget else { break }
            kept.append(character)
        }
        // The cut may leave a space or a dot at the end, which some systems drop or refuse.
        while let last = kept.last, last == "." || last == " " { kept.removeLast() }
        guard !kept.isEmpty || !suffix.isEmpty else { return fallback }
        return kept + suffix
    }
}
