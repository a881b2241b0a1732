/// The `Subject` of an archived item, in the convention of the TeleMessage archive:
/// `WhatsApp Message From 46701234567 to 12124325249`, `... to Sales Group` for a group, `WhatsApp Call From ...`,
/// and a prefix that says what happened to the message for deletions, edits and reactions.
enum EMLSubjectRenderer {
    /// The subject of `item`, as text (the header encoder makes it ASCII).
    static func subject(for item: Item) -> String {
        var prefix = ""
        switch item.kind {
        case .deletion:
            var parts = ["DELETED"]
            switch item.target?.scope {
            case .everyone?: parts.append("For All")
            case .me?: parts.append("For Me")
            default: break
            }
            switch item.target?.readState {
            case .read?: parts.append("Read")
            case .unread?: parts.append("Unread")
            default: break
            }
            prefix = parts.joined(separator: " \u{2013} ") + " \u{2013} "
        case .edit:
            prefix = "EDITED \u{2013} "
        case .reaction:
            if let emoji = item.target?.emoji.map({ UntrustedText.singleLine($0, maximumCharacters: 16) }),
                !emoji.isEmpty
            {
                prefix = "REACTION \(emoji) \u{2013} "
            } else {
                prefix = "REACTION REMOVED \u{2013} "
            }
        default:
            break
        }
        var subject = prefix + "WhatsApp \(noun(for: item)) From \(digits(of: item.from)) to \(destination(of: item))"
        if item.kind == .event, let type = item.event?.type {
            subject += " \u{2013} " + EMLBodyRenderer.humanReadable(type.rawValue)
        }
        return subject
    }

    /// What the item is, as a capitalised noun: `Message`, `Call`, `Group Event`, or the unknown kind's name.
    static func noun(for item: Item) -> String {
        switch item.kind {
        case .message, .deletion, .edit, .reaction: return "Message"
        case .call: return "Call"
        case .event: return item.conversation.type == .individual ? "Event" : "Group Event"
        default:
            let name = EMLBodyRenderer.humanReadable(
                UntrustedText.singleLine(item.kind.rawValue, maximumCharacters: 32)
            )
            return name.isEmpty ? "Item" : name
        }
    }

    /// Where the item went: the group or broadcast list's name, or the other participants' numbers.
    static func destination(of item: Item) -> String {
        if item.conversation.type != .individual {
            let name = UntrustedText.singleLine(item.conversation.name ?? "", maximumCharacters: 100)
            if !name.isEmpty { return name }
            let kind = item.conversation.type == .broadcast ? "Broadcast List" : "Group"
            return kind + " " + UntrustedText.singleLine(item.conversation.id, maximumCharacters: 100)
        }
        let numbers = item.to.map(digits(of:))
        return numbers.isEmpty ? "(no recipient)" : numbers.joined(separator: ", ")
    }

    /// The phone number as the archive writes it in subjects: digits, no `+`.
    static func digits(of party: Party) -> String {
        Party.isValidPhone(party.phone)
            ? party.phoneDigits : UntrustedText.singleLine(party.phone, maximumCharacters: 20)
    }
}
