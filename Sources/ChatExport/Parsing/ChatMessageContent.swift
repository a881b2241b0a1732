import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What a message's text is, beyond text: a deleted or edited message, media attached or omitted, a location, a
/// poll. Decided on the text's first line (or its end, for the edited mark), in every language of
/// ``ChatVocabulary``.
enum ChatMessageContent: Equatable {
    /// Plain text.
    case text
    /// The message was deleted; the export shows only the marker.
    case deleted
    /// The message was edited; the text is the new one, without the mark.
    case edited(text: String)
    /// A file of the export, with the text after its name (the caption), if any.
    case attached(fileName: String, caption: String?)
    /// Media left out of an export made without media.
    case omitted(kind: Attachment.Kind?, caption: String?)
    /// A shared location.
    case location(latitude: Double, longitude: Double)
    /// A poll: its question and options with their vote counts.
    case poll(question: String, options: [(String, Int?)])

    static func == (lhs: ChatMessageContent, rhs: ChatMessageContent) -> Bool {
        String(describing: lhs) == String(describing: rhs)
    }

    static func classify(_ text: String) -> ChatMessageContent {
        // Most messages are plain text: a few byte tests on the first line's ends tell, before any string is made.
        // They run on the contiguous UTF-8 (generic `String.UTF8View` searches showed in the profile).
        var contiguous = text
        let (newlineOffset, mayBeMarked) = contiguous.withUTF8 { prefilter($0) }
        guard mayBeMarked else { return .text }
        let utf8 = text.utf8
        let newline = utf8.index(utf8.startIndex, offsetBy: newlineOffset)
        let lastByte = utf8.last ?? 0

        let first = String(ChatText.droppingLeadingInvisibles(text[..<newline])).trimming([" "])
        let rest = newline == utf8.endIndex ? "" : String(text[utf8.index(after: newline)...])
        let caption = rest.isEmpty ? nil : rest
        if rest.isEmpty && ChatVocabulary.deleted.contains(first) { return .deleted }
        if lastByte == UInt8(ascii: ">") {
            for mark in ChatVocabulary.editedMarks where text.hasSuffix(mark) {
                return .edited(text: String(text.dropLast(mark.count)).trimming([" ", "\n"]))
            }
        }
        if ChatVocabulary.mediaOmitted.contains(first) { return .omitted(kind: nil, caption: caption) }
        if let kind = ChatVocabulary.mediaOmittedByKind[first] { return .omitted(kind: kind, caption: caption) }
        if first.hasSuffix(">") {
            for prefix in ChatVocabulary.attachedPrefixes where first.hasPrefix(prefix) {
                let name = String(first.dropFirst(prefix.count).dropLast())
                if !name.isEmpty { return .attached(fileName: name, caption: caption) }
            }
        }
        if first.hasSuffix(")") {
            for suffix in ChatVocabulary.attachedSuffixes where first.hasSuffix(suffix) {
                let name = ChatText.normalizedName(String(first.dropLast(suffix.count)))
                if !name.isEmpty { return .attached(fileName: name, caption: caption) }
            }
        }
        if first.utf8.contains(UInt8(ascii: "=")) {
            for prefix in ChatVocabulary.locationPrefixes where first.hasPrefix(prefix) {
                if let coordinates = coordinates(in: first) {
                    return .location(latitude: coordinates.0, longitude: coordinates.1)
                }
            }
        }
        if ChatVocabulary.pollHeads.contains(first) {
            return poll(rest.split(separator: "\n", omittingEmptySubsequences: false)[...])
        }
        return .text
    }

    /// The byte tests ``classify(_:)`` starts with, on a text's UTF-8: where its first line ends, and whether it
    /// can be anything but `.text` (when not, `classify` returns `.text`). The message reader runs them on the
    /// bytes it already holds, so that most messages are never classified as strings.
    static func prefilter(_ bytes: UnsafeBufferPointer<UInt8>) -> (newline: Int, mayBeMarked: Bool) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return (0, false) }
        let found = memchr(base, 0x0A, bytes.count)?.assumingMemoryBound(to: UInt8.self)
        let newline = found.map { base.distance(to: $0) } ?? bytes.count
        guard newline > 0 else { return (newline, false) }
        let (head, tail, lastByte) = (bytes[0], bytes[newline - 1], bytes[bytes.count - 1])
        let firstLine = UnsafeBufferPointer(rebasing: bytes[..<newline])
        if let marked = mayBeMarkedASCII(firstLine, lastByte: lastByte) { return (newline, marked) }
        let lengths = ChatVocabulary.isMarkerLength
        let marked =
            head == UInt8(ascii: "<") || head >= 0xE2 || tail == UInt8(ascii: ")") || tail == UInt8(ascii: ">")
            || tail == 0x20
            || lastByte == UInt8(ascii: ">") || (newline < lengths.count && lengths[newline])
            || firstLine.contains(UInt8(ascii: "="))
        return (newline, marked)
    }

    /// Whether a message whose first line is `firstLine` and whose last byte is `lastByte` can be anything but
    /// text, when that line is printable ASCII; `nil` for any other line, which the general test decides.
    ///
    /// On printable ASCII a `String`'s characters are its bytes (no grapheme joins two of them or the line break
    /// after them), so the tests below on the trimmed bytes are the ones ``classify(_:)`` makes on the trimmed
    /// string: a whole-line marker, a `>` or `)` at its end, an `=` in it, and the edited mark's `>` at the text's
    /// end. Everything else is text, decided without the strings and set look-ups the general test's first lines
    /// of a marker's length went on to.
    private static func mayBeMarkedASCII(_ firstLine: UnsafeBufferPointer<UInt8>, lastByte: UInt8) -> Bool? {
        guard let base = firstLine.baseAddress else { return nil }
        let count = firstLine.count
        // Eight bytes at a time: any byte outside 0x20...0x7E, and any `=` (spaces trimmed off do not hold one).
        var index = 0
        var hasEquals = false
        while index + 8 <= count {
            let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
            if word & 0x8080_8080_8080_8080 != 0 || hasZeroByte(word ^ 0x7F7F_7F7F_7F7F_7F7F)
                || (word &- 0x2020_2020_2020_2020) & ~word & 0x8080_8080_8080_8080 != 0
            {
                return nil
            }
            if hasZeroByte(word ^ 0x3D3D_3D3D_3D3D_3D3D) { hasEquals = true }
            index += 8
        }
        while index < count {
            let byte = base[index]
            if byte < 0x20 || byte > 0x7E { return nil }
            if byte == UInt8(ascii: "=") { hasEquals = true }
            index += 1
        }
        if lastByte == UInt8(ascii: ">") || hasEquals { return true }
        var start = 0
        var end = count
        while start < end && base[start] == 0x20 { start += 1 }
        while end > start && base[end - 1] == 0x20 { end -= 1 }
        guard start < end else { return false }
        let last = base[end - 1]
        if last == UInt8(ascii: ">") || last == UInt8(ascii: ")") { return true }
        let trimmed = UnsafeBufferPointer(start: base + start, count: end - start)
        let markers = ChatVocabulary.asciiMarkersByLength
        guard trimmed.count < markers.count else { return false }
        return markers[trimmed.count].contains { $0.elementsEqual(trimmed) }
    }

    /// Whether one of the eight bytes of `word` is zero (exact: a borrow only runs past a zero byte).
    private static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0
    }

    /// `…?q=52.52,13.40` (Google Maps links as WhatsApp writes them).
    private static func coordinates(in text: String) -> (Double, Double)? {
        guard let range = text.range(of: "q=") ?? text.range(of: "ll=") else { return nil }
        let tail = text[range.upperBound...].prefix { "0123456789.,-+".contains($0) }
        let parts = tail.split(separator: ",")
        guard parts.count == 2, let latitude = Double(parts[0]), let longitude = Double(parts[1]),
            (-90...90).contains(latitude), (-180...180).contains(longitude)
        else { return nil }
        return (latitude, longitude)
    }

    /// Android's poll: the question on the next line, then `OPTION: text (N votes)` lines.
    private static func poll(_ lines: ArraySlice<Substring>) -> ChatMessageContent {
        var question: [String] = []
        var options: [(String, Int?)] = []
        for line in lines {
            let line = String(line)
            if let range = line.range(of: ": "),
                ["OPTION", "OPTION ", "OPCIÓN", "OPÇÃO", "OPZIONE", "OPTIE"].contains(
                    String(line[..<range.lowerBound])
                )
            {
                var option = String(line[range.upperBound...])
                var votes: Int?
                if option.hasSuffix(")"), let open = option.range(of: " (", options: .backwards) {
                    let count = option[open.upperBound...].prefix { $0.isNumber }
                    if let value = Int(count) {
                        votes = value
                        option = String(option[..<open.lowerBound])
                    }
                }
                options.append((option, votes))
            } else if options.isEmpty {
                question.append(line)
            }
        }
        return .poll(question: question.joined(separator: "\n"), options: options)
    }
}
