import Foundation
import WhatsAppArchiver

/// The `rsmf_manifest.json` of one conversation's day (RSMF 2.0.0): participants, the conversation, and one event
/// per item, with edits, deletions and reactions folded into the message they are about when it is in the same
/// production, as review platforms show them.
struct RSMFManifest {
    /// One item of the production and the zip entry name of each attachment whose bytes the archive holds.
    struct Source {
        var item: Item
        var attachmentNames: [String: String]
    }

    private(set) var participants: [[String: Any]] = []
    private var participantIndex: [String: Int] = [:]
    private(set) var events: [[String: Any]] = []
    private var eventIndex: [String: Int] = [:]
    let conversation: Conversation
    /// The participant ids of the archive's mailbox owners (custodians), in order.
    private(set) var custodians: [String] = []

    init(conversation: Conversation, sources: [Source]) {
        self.conversation = conversation
        for source in sources { add(source) }
    }

    /// The manifest as JSON with sorted keys: the same production gives the same bytes.
    func json() throws -> [UInt8] {
        let type: String = conversation.type == .individual ? "direct" : "channel"
        var conversationObject: [String: Any] = [
            "id": conversation.id,
            "platform": "whatsapp",
            "type": type,
            "participants": participants.compactMap { $0["id"] as? String },
            "custom": [custom("Conversation type", conversation.type.rawValue)],
        ]
        if let name = conversation.name, !name.isEmpty { conversationObject["display"] = name }
        if let custodian = custodians.first { conversationObject["custodian"] = custodian }
        let manifest: [String: Any] = [
            "version": "2.0.0",
            "participants": participants,
            "conversations": [conversationObject],
            "events": events,
        ]
        return Array(try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys, .prettyPrinted]))
    }

    /// The events' count.
    var eventCount: Int { events.count }
    /// The participants' display names, for the container's headers.
    var participantNames: [String] { participants.compactMap { $0["display"] as? String } }
    /// The participants that have an email address, as (display name, address).
    var participantEmails: [(String, String)] {
        participants.compactMap { entry in
            guard let email = entry["email"] as? String, MailboxAddress(email) != nil else { return nil }
            return (entry["display"] as? String ?? email, email)
        }
    }

    // MARK: - Building

    private mutating func add(_ source: Source) {
        let item = source.item
        let author = participant(item.from)
        for party in item.to { _ = participant(party) }
        let owner = participant(item.owner)
        if !custodians.contains(owner) { custodians.append(owner) }
        var event: [String: Any] = [
            "id": item.id,
            "type": "message",
            "participant": author,
            "conversation": conversation.id,
            "timestamp": RFC3339.format(item.sentAt),
            "direction": item.from.phone == item.owner.phone ? "outgoing" : "incoming",
        ]
        var customs = [custom("Item ID", item.id), custom("Kind", item.kind.rawValue)]
        customs.append(custom("Captured at", RFC3339.format(item.capturedAt)))
        if item.forwarded { customs.append(custom("Forwarded", "yes")) }
        if let replyTo = item.replyTo { event["parent"] = replyTo }
        let attachments = item.attachments.map { attachment -> [String: Any] in
            var entry: [String: Any] = ["id": source.attachmentNames[attachment.id] ?? attachment.id]
            entry["display"] = attachment.fileName ?? attachment.id
            entry["size"] = Int(attachment.size)
            return entry
        }
        for attachment in item.attachments where source.attachmentNames[attachment.id] == nil {
            customs.append(custom("Attachment not archived", attachment.fileName ?? attachment.id))
        }
        // Only the attachments whose bytes are in the zip are listed as attachments.
        let present = attachments.filter { entry in source.attachmentNames.values.contains(entry["id"] as? String ?? "")
        }
        if !present.isEmpty { event["attachments"] = present }

        switch item.kind {
        case .message:
            event["body"] = messageBody(item)
        case .call:
            let call = item.call
            var words = [(call?.media?.rawValue ?? "voice").capitalized + " call"]
            if let status = call?.status { words.append(status.rawValue) }
            if let startedAt = call?.startedAt { words.append("started " + RFC3339.format(startedAt)) }
            if let duration = call?.durationSeconds { words.append("\(duration) s") }
            event["body"] = words.joined(separator: ", ")
        case .edit, .deletion, .reaction:
            if fold(item, author: author) { return }
            event["body"] = detachedBody(item)
            if let target = item.target { event["parent"] = target.id }
            if item.kind == .deletion { event["deleted"] = true }
            if item.kind == .edit, let target = item.target {
                event["edits"] = [edit(item, target: target, author: author)]
            }
        case .event:
            let kinds: [Event.EventType: String] = [
                .participantAdded: "join", .participantJoined: "join", .participantRemoved: "leave",
                .participantLeft: "leave",
            ]
            let eventType = item.event.flatMap { kinds[$0.type] } ?? "unknown"
            event["type"] = eventType
            event["body"] = eventBody(item)
            if let actor = item.event?.actor { customs.append(custom("By", name(actor))) }
            let targets = item.event?.targets ?? []
            if eventType != "unknown", !targets.isEmpty {
                for (index, target) in targets.enumerated() {
                    var copy = event
                    copy["id"] = index == 0 ? item.id : item.id + "#\(index)"
                    copy["participant"] = participant(target)
                    copy["custom"] = customs
                    append(copy, id: copy["id"] as! String)
                }
                return
            }
        default:
            event["type"] = "unknown"
            event["body"] = item.rawJSON ?? item.text ?? item.kind.rawValue
        }
        event["custom"] = customs
        append(event, id: item.id)
    }

    private mutating func append(_ event: [String: Any], id: String) {
        eventIndex[id] = events.count
        events.append(event)
    }

    /// Folds an edit, deletion or reaction into the event of its target when that is in this production.
    private mutating func fold(_ item: Item, author: String) -> Bool {
        guard let target = item.target, let index = eventIndex[target.id] else { return false }
        switch item.kind {
        case .edit:
            events[index]["edits"] =
                (events[index]["edits"] as? [[String: Any]] ?? []) + [edit(item, target: target, author: author)]
            if let newText = target.newText { events[index]["body"] = newText }
        case .deletion:
            events[index]["deleted"] = true
            var customs = events[index]["custom"] as? [[String: Any]] ?? []
            customs.append(
                custom("Deleted", "by \(name(item.from)) at \(RFC3339.format(item.sentAt)) (item \(item.id))")
            )
            events[index]["custom"] = customs
        default:
            guard let emoji = target.emoji, !emoji.isEmpty else { return false }
            var reactions = events[index]["reactions"] as? [[String: Any]] ?? []
            if let existing = reactions.firstIndex(where: { $0["value"] as? String == emoji }) {
                var people = reactions[existing]["participants"] as? [String] ?? []
                if !people.contains(author) { people.append(author) }
                reactions[existing]["participants"] = people
                reactions[existing]["count"] = people.count
            } else {
                reactions.append(["value": emoji, "count": 1, "participants": [author]])
            }
            events[index]["reactions"] = reactions
        }
        return true
    }

    private func edit(_ item: Item, target: Target, author: String) -> [String: Any] {
        var edit: [String: Any] = ["participant": author, "timestamp": RFC3339.format(item.sentAt)]
        if let previous = target.text { edit["previous"] = previous }
        if let newText = target.newText { edit["new"] = newText }
        return edit
    }

    private func messageBody(_ item: Item) -> String {
        var lines: [String] = []
        if let text = item.text, !text.isEmpty { lines.append(text) }
        for attachment in item.attachments {
            if let caption = attachment.caption, !caption.isEmpty { lines.append(caption) }
        }
        if let location = item.location {
            var words = ["Location:"]
            if let name = location.name { words.append(name) }
            if let address = location.address { words.append(address) }
            words.append("(\(location.latitude), \(location.longitude))")
            lines.append(words.joined(separator: " "))
            lines.append("https://www.openstreetmap.org/?mlat=\(location.latitude)&mlon=\(location.longitude)")
        }
        return lines.joined(separator: "\n")
    }

    private func detachedBody(_ item: Item) -> String {
        let target = item.target
        switch item.kind {
        case .edit: return target?.newText ?? item.text ?? ""
        case .deletion: return target?.text ?? "(deleted message)"
        default:
            if let emoji = target?.emoji, !emoji.isEmpty { return "Reacted \(emoji) to message \(target?.id ?? "")" }
            return "Removed a reaction from message \(target?.id ?? "")"
        }
    }

    private func eventBody(_ item: Item) -> String {
        guard let event = item.event else { return item.text ?? "" }
        var words = [event.type.rawValue.replacingOccurrences(of: "_", with: " ")]
        if let actor = event.actor { words.append("by " + name(actor)) }
        if !event.targets.isEmpty { words.append(event.targets.map(name).joined(separator: ", ")) }
        if let subject = event.subject { words.append("subject: " + subject) }
        if let description = event.description { words.append(description) }
        return words.joined(separator: "; ")
    }

    private func name(_ party: Party) -> String {
        party.name.map { "\($0) \(party.phone)" } ?? party.phone
    }

    private func custom(_ name: String, _ value: String) -> [String: Any] {
        ["name": name, "value": value.isEmpty ? "-" : value]
    }

    /// The participant's id (its phone number), adding it on first sight.
    private mutating func participant(_ party: Party) -> String {
        if let index = participantIndex[party.phone] {
            if participants[index]["email"] == nil, let email = party.email { participants[index]["email"] = email }
            return party.phone
        }
        var entry: [String: Any] = ["id": party.phone, "display": party.name ?? party.phone, "account_id": party.phone]
        if let email = party.email { entry["email"] = email }
        entry["custom"] = [custom("Phone", party.phone)]
        participantIndex[party.phone] = participants.count
        participants.append(entry)
        return party.phone
    }
}
