/// Small text normalisations the export's invisible characters call for.
enum ChatText {
    /// Whether `scalar` is one of the invisible marks WhatsApp writes around names, numbers and system lines.
    static func isInvisible(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: return true
        default: return false
        }
    }

    /// A display name without invisible marks, no-break spaces as spaces, trimmed: `‪+49 151 2345678‬` and
    /// `+49 151 2345678` are the same author.
    static func normalizedName(_ text: String) -> String {
        let utf8 = text.utf8
        if let first = utf8.first, let last = utf8.last, first != 0x20, last != 0x20, first != 0x09, last != 0x09,
            utf8.allSatisfy({ $0 < 0x80 })
        {
            return text
        }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where !isInvisible(scalar) {
            scalars.append(scalar.value == 0xA0 || scalar.value == 0x202F ? " " : scalar)
        }
        return String(scalars).trimming([" ", "\t"])
    }

    /// `text` without the invisible marks at its start.
    static func droppingLeadingInvisibles(_ text: Substring) -> Substring {
        var text = text
        while let first = text.unicodeScalars.first, isInvisible(first) {
            text = Substring(text.unicodeScalars.dropFirst())
        }
        return text
    }
}
