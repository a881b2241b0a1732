import Foundation
import WhatsAppArchiver

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
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = String(ChatText.droppingLeadingInvisibles(lines.first ?? "")).trimming([" "])
        let rest = lines.dropFirst().joined(separator: "\n")
        let caption = rest.isEmpty ? nil : rest
        if lines.count == 1 && ChatVocabulary.deleted.contains(first) { return .deleted }
        for mark in ChatVocabulary.editedMarks where text.hasSuffix(mark) {
            return .edited(text: String(text.dropLast(mark.count)).trimming([" ", "\n"]))
        }
        if ChatVocabulary.mediaOmitted.contains(first) { return .omitted(kind: nil, caption: caption) }
        if let kind = ChatVocabulary.mediaOmittedByKind[first] { return .omitted(kind: kind, caption: caption) }
        for prefix in ChatVocabulary.attachedPrefixes where first.hasPrefix(prefix) && first.hasSuffix(">") {
            let name = String(first.dropFirst(prefix.count).dropLast())
            if !name.isEmpty { return .attached(fileName: name, caption: caption) }
        }
        for suffix in ChatVocabulary.attachedSuffixes where first.hasSuffix(suffix) {
            let name = ChatText.normalizedName(String(first.dropLast(suffix.count)))
            if !name.isEmpty { return .attached(fileName: name, caption: caption) }
        }
        for prefix in ChatVocabulary.locationPrefixes where first.hasPrefix(prefix) {
            if let coordinates = coordinates(in: first) {
                return .location(latitude: coordinates.0, longitude: coordinates.1)
            }
        }
        if first == "POLL:" || first == "UMFRAGE:" || first == "ENCUESTA:" || first == "SONDAGE :"
            || first == "ENQUETE:" || first == "SONDAGGIO:" || first == "PEILING:"
        {
            return poll(lines.dropFirst())
        }
        return .text
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
