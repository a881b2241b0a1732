import Foundation
import WhatsAppArchiver

extension Event.EventType {
    /// The end-to-end encryption notice at the top of an export.
    public static let encryptionNotice = Event.EventType(rawValue: "encryption_notice")
    /// A participant changed their phone number.
    public static let numberChanged = Event.EventType(rawValue: "number_changed")
}

/// A system line of an export (a line with no author), read as an event: who did what to whom.
///
/// The English wording is recognised completely, the German for the common events; any other system line is an
/// event of type `other` whose description is the line, so nothing is lost.
struct ChatSystemLine: Equatable {
    var type: Event.EventType
    /// The display name of who did it, as written (`You` for the owner).
    var actor: String?
    /// The display names it was done to.
    var targets: [String] = []
    /// The new subject, for a group created or renamed.
    var subject: String?

    /// Reads `text` (the line after its header, direction marks removed).
    static func parse(_ text: String) -> ChatSystemLine {
        for prefix in ChatVocabulary.encryptionNoticePrefixes where text.hasPrefix(prefix) {
            return ChatSystemLine(type: .encryptionNotice)
        }
        if let (actor, rest) = split(text, " created group "), actor.count < 200 {
            return ChatSystemLine(type: .groupCreated, actor: actor, subject: unquote(rest))
        }
        if let (actor, rest) = split(text, " hat die Gruppe ") {
            if rest == "verlassen" { return ChatSystemLine(type: .participantLeft, actor: actor) }
            if rest.hasSuffix(" erstellt") {
                return ChatSystemLine(type: .groupCreated, actor: actor, subject: unquote(String(rest.dropLast(9))))
            }
        }
        if let (actor, rest) = split(text, " changed the subject from ") ?? split(text, " changed the group name from ")
        {
            let subject = split(rest, " to ").map { unquote($0.1) }
            return ChatSystemLine(type: .subjectChanged, actor: actor, subject: subject)
        }
        if let (actor, rest) = split(text, " changed the subject to ") ?? split(text, " changed the group name to ") {
            return ChatSystemLine(type: .subjectChanged, actor: actor, subject: unquote(rest))
        }
        if let (actor, rest) = split(text, " hat den Betreff "), rest.hasSuffix(" geändert") {
            let subject = split(String(rest.dropLast(9)), " zu ").map { unquote($0.1) }
            return ChatSystemLine(type: .subjectChanged, actor: actor, subject: subject)
        }
        for phrase in [
            " changed this group's icon", " changed the group icon", " deleted this group's icon",
            " changed the group photo", " hat das Gruppenbild geändert",
        ] {
            if text.hasSuffix(phrase) {
                return ChatSystemLine(type: .iconChanged, actor: String(text.dropLast(phrase.count)))
            }
        }
        if text.hasPrefix("Your security code with ") || text.hasPrefix("Deine Sicherheitsnummer für ") {
            let rest = text.hasPrefix("Your") ? String(text.dropFirst(24)) : String(text.dropFirst(28))
            let name = split(rest, " changed").map(\.0) ?? split(rest, " hat sich").map(\.0) ?? rest
            return ChatSystemLine(type: .securityCodeChanged, targets: [name])
        }
        if let (actor, _) = split(text, " changed their phone number") ?? split(text, " changed to ")
            ?? split(text, " hat die Telefonnummer ")
        {
            return ChatSystemLine(type: .numberChanged, actor: actor)
        }
        for phrase in [
            " joined using this group's invite link", " joined using a group link", " joined from the community",
            " ist über den Einladungslink dieser Gruppe beigetreten",
        ] where text.hasSuffix(phrase) {
            return ChatSystemLine(type: .participantJoined, actor: String(text.dropLast(phrase.count)))
        }
        if text.hasSuffix(" left") {
            return ChatSystemLine(type: .participantLeft, actor: String(text.dropLast(5)))
        }
        if let (actor, rest) = split(text, " added ") {
            return ChatSystemLine(type: .participantAdded, actor: actor, targets: names(rest))
        }
        if let (actor, rest) = split(text, " removed ") {
            return ChatSystemLine(type: .participantRemoved, actor: actor, targets: names(rest))
        }
        if let (actor, rest) = split(text, " hat "), rest.hasSuffix(" hinzugefügt") {
            return ChatSystemLine(type: .participantAdded, actor: actor, targets: names(String(rest.dropLast(12))))
        }
        if let (actor, rest) = split(text, " hat "), rest.hasSuffix(" entfernt") {
            return ChatSystemLine(type: .participantRemoved, actor: actor, targets: names(String(rest.dropLast(9))))
        }
        return ChatSystemLine(type: .other)
    }

    /// Whether an iOS message line (whose "author" is the chat's name) is really a system line: its text starts
    /// with a direction mark and reads as an event.
    static func isSystemText(_ text: String) -> Bool {
        parse(text).type != .other
    }

    private static func split(_ text: String, _ separator: String) -> (String, String)? {
        // A byte search: Foundation's range(of:) costs more than the rest of reading a line.
        var text = text
        var separator = separator
        let found: Int? = text.withUTF8 { haystack in
            separator.withUTF8 { needle in
                guard let first = needle.first, needle.count <= haystack.count else { return nil }
                var index = 0
                while index + needle.count <= haystack.count {
                    if haystack[index] == first
                        && memcmp(haystack.baseAddress! + index, needle.baseAddress!, needle.count) == 0
                    {
                        return index
                    }
                    index += 1
                }
                return nil
            }
        }
        guard let found, found > 0 else { return nil }
        let utf8 = text.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: found)
        let end = utf8.index(start, offsetBy: separator.utf8.count)
        return (String(text[..<start]), String(text[end...]))
    }

    /// `Bob, Carol and Dave` (or `und`, `y`, `et`, `e`, `en`) as three names.
    private static func names(_ text: String) -> [String] {
        var parts: [String] = []
        for piece in text.split(separator: ", ", omittingEmptySubsequences: true) {
            var piece = String(piece)
            for word in [" and ", " und ", " y ", " et ", " e ", " en "] {
                if let (first, second) = split(piece, word) {
                    parts.append(first)
                    piece = second
                    break
                }
            }
            parts.append(piece)
        }
        return parts.map { $0.trimming([" "]) }.filter { !$0.isEmpty }
    }

    private static func unquote(_ text: String) -> String {
        var text = text
        let quotes: Set<Character> = ["\"", "“", "”", "„", "«", "»"]
        while let first = text.first, quotes.contains(first) { text.removeFirst() }
        while let last = text.last, quotes.contains(last) { text.removeLast() }
        return text
    }
}

extension String {
    /// The string without `characters` at either end.
    func trimming(_ characters: Set<Character>) -> String {
        var slice = self[...]
        while let first = slice.first, characters.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, characters.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
