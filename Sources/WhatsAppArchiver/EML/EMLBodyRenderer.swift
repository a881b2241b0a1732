/// The `text/plain` body of an archived item: what a reviewer reads without tools.
///
/// First what happened, in words (the text, the call, the deletion with its original content, the edit with the
/// text before and after, the reaction, the event), then a block of facts: conversation, participants, times in
/// UTC, identifiers, attachments and what became of each. Every untrusted string passes through
/// ``UntrustedText`` first.
enum EMLBodyRenderer {
    /// What the renderer needs to know about one attachment.
    struct AttachmentSummary {
        /// The attachment's id.
        var id: String
        /// The safe file name used in the message.
        var fileName: String
        /// The validated content type.
        var contentType: String
        /// The declared size in bytes.
        var size: Int64
        /// The sender's caption, if any.
        var caption: String?
        /// Why the bytes are not in the message, when they are not.
        var failure: ArchiverError?
    }

    /// The body text, lines separated by `\n`.
    static func text(
        for item: Item,
        attachments: [AttachmentSummary],
        label: (Party) -> String,
        quarantineReason: String?
    ) -> String {
        // One string, reserved once, that every line is appended to: no array of lines, no joining.
        var body = BodyText(capacity: 768 + (item.text?.utf8.count ?? 0))
        switch item.kind {
        case .message: messageSection(item, into: &body)
        case .call: body.lines(callSection(item, attachments: attachments, label: label))
        case .deletion: body.lines(deletionSection(item, label: label))
        case .edit: body.lines(editSection(item, label: label))
        case .reaction: body.lines(reactionSection(item, label: label))
        case .event: body.lines(eventSection(item, label: label))
        default: body.lines(unknownSection(item))
        }
        if let location = item.location {
            body.line("")
            body.lines(locationSection(location))
        }
        body.line("")
        body.line(separatorLine)
        detailsSection(item, label: label, into: &body)
        if !attachments.isEmpty {
            body.line("Attachments:")
            for attachment in attachments {
                body.line("  - ", describe(attachment))
                if let caption = attachment.caption.map(cleanLine), !caption.isEmpty {
                    body.line("    Caption: ", caption)
                }
            }
        }
        if let quarantineReason {
            body.line("")
            body.line("QUARANTINED: this item reached no mailbox and was delivered here so that nothing is lost.")
            body.line("Reason: ", UntrustedText.singleLine(quarantineReason))
        }
        return body.text
    }

    /// Lines appended to one string, separated by `\n`.
    struct BodyText {
        private(set) var text = ""
        private var isEmpty = true

        init(capacity: Int) {
            text.reserveCapacity(capacity)
        }

        private mutating func startLine() {
            if isEmpty { isEmpty = false } else { text.append("\n") }
        }

        mutating func line(_ line: String) {
            startLine()
            text.append(line)
        }

        mutating func line(_ first: String, _ second: String) {
            startLine()
            text.append(first)
            text.append(second)
        }

        mutating func lines(_ lines: [String]) {
            for line in lines { self.line(line) }
        }

        /// Appends to the current line.
        mutating func continueLine(_ piece: String) {
            text.append(piece)
        }
    }

    /// The line between what happened and the facts, made once.
    private static let separatorLine = String(repeating: "-", count: 40)

    /// `participant_added` as `Participant Added`.
    static func humanReadable(_ code: String) -> String {
        code.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == " " }).map { word in
            word.prefix(1).uppercased() + word.dropFirst()
        }.joined(separator: " ")
    }

    private static func messageSection(_ item: Item, into body: inout BodyText) {
        if let text = item.text, !text.isEmpty {
            body.line(UntrustedText.multiLine(text))
        } else if !item.attachments.isEmpty {
            body.line("(no text: the message carries the attachments listed below)")
        } else if item.location != nil {
            body.line("(a shared location)")
        } else {
            body.line("(no text)")
        }
    }

    private static func callSection(
        _ item: Item,
        attachments: [AttachmentSummary],
        label: (Party) -> String
    ) -> [String] {
        let call = item.call ?? Call()
        let media = call.media.map { UntrustedText.singleLine($0.rawValue) } ?? "unknown"
        let callees = item.to.isEmpty ? "(no recipient)" : item.to.map(label).joined(separator: ", ")
        var lines = ["\(humanReadable(media)) call from \(label(item.from)) to \(callees)."]
        lines.append("Media: " + media)
        lines.append("Status: " + (call.status.map { UntrustedText.singleLine($0.rawValue) } ?? "unknown"))
        if let startedAt = call.startedAt { lines.append("Started: " + RFC5322Date.readable(startedAt)) }
        if let seconds = call.durationSeconds { lines.append("Duration: " + duration(seconds)) }
        if let recordingID = call.recordingAttachmentID {
            if let recording = attachments.first(where: { $0.id == recordingID }) {
                let state = recording.failure == nil ? "attached" : "NOT ARCHIVED (see below)"
                lines.append("Recording: \"\(recording.fileName)\", \(state)")
            } else {
                lines.append("Recording: the item names attachment \(recordingID), which it does not carry")
            }
        }
        if let text = item.text, !text.isEmpty { lines += ["", UntrustedText.multiLine(text)] }
        return lines
    }

    private static func deletionSection(_ item: Item, label: (Party) -> String) -> [String] {
        let target = item.target
        var scope = ""
        switch target?.scope {
        case .everyone?: scope = " for everyone"
        case .me?: scope = " for themselves only"
        case let other?: scope = " (scope: \(UntrustedText.singleLine(other.rawValue)))"
        case nil: break
        }
        var lines = ["\(label(item.from)) deleted a message\(scope)."]
        switch target?.readState {
        case .read?: lines.append("The message had been read.")
        case .unread?: lines.append("The message had not been read.")
        default: lines.append("Whether the message had been read is not known.")
        }
        lines.append("")
        lines.append("Deleted message" + sentSuffix(target) + ":")
        lines.append(target?.text.map(UntrustedText.multiLine) ?? "(no text)")
        if let names = target?.attachmentNames, !names.isEmpty {
            lines.append("")
            lines.append("Its attachments:")
            // The names as the sender gave them (on one line): they are text here, never a file to be saved.
            lines += names.map { name in
                let line = UntrustedText.singleLine(name)
                return "  - " + (line.isEmpty ? "(no name)" : line)
            }
        }
        return lines
    }

    private static func editSection(_ item: Item, label: (Party) -> String) -> [String] {
        let target = item.target
        let after = target?.newText ?? item.text
        return [
            "\(label(item.from)) edited a message" + sentSuffix(target) + ".",
            "",
            "Before the edit:",
            target?.text.map(UntrustedText.multiLine) ?? "(not known)",
            "",
            "After the edit:",
            after.map(UntrustedText.multiLine) ?? "(not known)",
        ]
    }

    private static func reactionSection(_ item: Item, label: (Party) -> String) -> [String] {
        let target = item.target
        let emoji = UntrustedText.singleLine(target?.emoji ?? "", maximumCharacters: 16)
        var lines = [
            emoji.isEmpty
                ? "\(label(item.from)) removed their reaction from a message" + sentSuffix(target) + "."
                : "\(label(item.from)) reacted with \(emoji) to a message" + sentSuffix(target) + "."
        ]
        if let text = target?.text, !text.isEmpty {
            lines += ["", "The message:", UntrustedText.multiLine(text)]
        }
        return lines
    }

    private static func eventSection(_ item: Item, label: (Party) -> String) -> [String] {
        let event = item.event ?? Event(type: .other)
        let actor = label(event.actor ?? item.from)
        let targets = event.targets.isEmpty ? "(nobody named)" : event.targets.map(label).joined(separator: ", ")
        let subject = event.subject.map { "\"" + UntrustedText.singleLine($0) + "\"" }
        var sentence: String
        switch event.type {
        case .groupCreated: sentence = "\(actor) created the group" + (subject.map { " " + $0 } ?? "") + "."
        case .participantAdded: sentence = "\(actor) added \(targets)."
        case .participantRemoved: sentence = "\(actor) removed \(targets)."
        case .participantJoined:
            sentence = event.targets.isEmpty ? "\(actor) joined." : "\(targets) joined (\(actor) is named as actor)."
        case .participantLeft: sentence = event.targets.isEmpty ? "\(actor) left." : "\(targets) left."
        case .subjectChanged: sentence = "\(actor) changed the group subject to \(subject ?? "(not given)")."
        case .iconChanged: sentence = "\(actor) changed the group icon."
        case .securityCodeChanged:
            sentence =
                event.targets.isEmpty
                ? "The security code of \(actor) changed." : "The security code of \(targets) changed."
        default:
            sentence = "Event \"\(UntrustedText.singleLine(event.type.rawValue))\" by \(actor)."
            if !event.targets.isEmpty { sentence += " Concerning: \(targets)." }
        }
        var lines = [sentence, "", "Event: " + humanReadable(UntrustedText.singleLine(event.type.rawValue))]
        lines.append("By: " + actor)
        if !event.targets.isEmpty { lines.append("To: " + targets) }
        if let subject { lines.append("New subject: " + subject) }
        if let description = event.description, !description.isEmpty {
            lines.append("Description: " + UntrustedText.multiLine(description))
        }
        if let text = item.text, !text.isEmpty { lines += ["", UntrustedText.multiLine(text)] }
        return lines
    }

    private static func unknownSection(_ item: Item) -> [String] {
        let kind = UntrustedText.singleLine(item.kind.rawValue, maximumCharacters: 64)
        var lines = [
            "This item is of kind \"\(kind)\", which this version of the archiver does not know.",
            item.rawJSON == nil
                ? "The source did not keep its raw JSON."
                : "Its raw JSON, exactly as received, is attached as item.json.",
        ]
        if let text = item.text, !text.isEmpty { lines += ["", UntrustedText.multiLine(text)] }
        return lines
    }

    private static func locationSection(_ location: Location) -> [String] {
        var lines = ["Location:"]
        if let name = location.name.map(cleanLine), !name.isEmpty { lines.append("  Name: " + name) }
        if let address = location.address.map(cleanLine), !address.isEmpty {
            lines.append("  Address: " + address)
        }
        let latitude = location.latitude
        let longitude = location.longitude
        lines.append("  Coordinates: \(latitude), \(longitude)")
        if latitude.isFinite, longitude.isFinite, abs(latitude) <= 90, abs(longitude) <= 180 {
            lines.append(
                "  Map: https://www.openstreetmap.org/?mlat=\(latitude)&mlon=\(longitude)#map=16/\(latitude)/\(longitude)"
            )
        }
        return lines
    }

    private static func detailsSection(_ item: Item, label: (Party) -> String, into body: inout BodyText) {
        let conversation = item.conversation
        if let name = conversation.name.map(cleanLine), !name.isEmpty {
            body.line("Conversation: ", name)
            body.continueLine(" (")
        } else {
            body.line("Conversation: (")
        }
        body.continueLine(UntrustedText.singleLine(conversation.type.rawValue))
        body.continueLine(", ")
        body.continueLine(UntrustedText.singleLine(conversation.id))
        body.continueLine(")")
        body.line("From: ", label(item.from))
        if item.to.isEmpty {
            body.line("To: (no other participant)")
        } else {
            body.line("To: ", label(item.to[0]))
            for party in item.to.dropFirst() { body.line("    ", label(party)) }
        }
        body.line("Sent: ", RFC5322Date.readable(item.sentAt))
        body.line("Captured: ", RFC5322Date.readable(item.capturedAt))
        body.line("Captured by: ", label(item.owner))
        if let mode = item.captureMode {
            body.continueLine(" (")
            body.continueLine(UntrustedText.singleLine(mode.rawValue))
            body.continueLine(")")
        }
        body.line("Network: ", UntrustedText.singleLine(item.network.rawValue))
        body.line("Item ID: ", UntrustedText.singleLine(item.id))
        if let replyTo = item.replyTo { body.line("In reply to: ", UntrustedText.singleLine(replyTo)) }
        if let target = item.target { body.line("Refers to: ", UntrustedText.singleLine(target.id)) }
        if item.forwarded { body.line("Forwarded: yes") }
    }

    private static func describe(_ attachment: AttachmentSummary) -> String {
        let facts =
            "\"\(attachment.fileName)\" (\(attachment.contentType), \(attachment.size) bytes, id \(attachment.id))"
        guard let failure = attachment.failure else { return facts + ": attached" }
        return facts + ": NOT ARCHIVED: " + reason(failure)
    }

    /// Why an attachment is missing, in words, with the stable code.
    static func reason(_ failure: ArchiverError) -> String {
        let what =
            failure.code == .attachmentIntegrity
            ? "its bytes did not match the declared size or SHA-256"
            : "the source could not provide it"
        return "\(what) (\(failure.code.rawValue)): \(UntrustedText.singleLine(failure.message))"
    }

    private static func cleanLine(_ text: String) -> String {
        UntrustedText.singleLine(text)
    }

    private static func sentSuffix(_ target: Target?) -> String {
        guard let sentAt = target?.sentAt else { return "" }
        return " (sent " + RFC5322Date.readable(sentAt) + ")"
    }

    private static func duration(_ seconds: Int) -> String {
        let clamped = max(0, seconds)
        let hours = clamped / 3600
        let minutes = clamped % 3600 / 60
        let rest = clamped % 60
        let clock = "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes):" + (rest < 10 ? "0" : "") + "\(rest)"
        return "\(clock) (\(clamped) seconds)"
    }
}
