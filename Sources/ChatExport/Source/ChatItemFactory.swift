import Foundation
import WhatsAppArchiver

/// Turns the export's raw messages into items: ids, times, parties, attachments, events.
///
/// An item's id is a digest of the chat's key, the author, the wall-clock time as written, the text, and how many
/// identical messages (same author, time and text) came before it in the file. None of these depend on the file's
/// name, the zone given, or how many messages the export holds after it, so the same message in a later, longer
/// export of the chat has the same id, and its Message-ID makes the sink skip it.
struct ChatItemFactory {
    let chatKey: String
    let conversation: Conversation
    let owner: Party
    let participants: ChatParticipants
    let everyone: [Party]
    let media: [String: String]
    let order: ChatDateOrder
    /// `order` as the header reads it, without comparing its string for every item.
    private let reading: ChatLineHeader.Reading
    var clock: ChatClock
    /// `whatsapp-chat-export NUL chat NUL`, the start of every id's digest input.
    private let prefixBytes: [UInt8]
    /// A message item with what every message of the chat shares (owner, conversation, kind), the rest left as
    /// `Item.init` leaves it: each message's item is a copy of it with its own fields set. `Item.init` (in the
    /// core, not inlinable) built each item in a temporary and copied it out, retaining and releasing every
    /// string in it once more.
    private let messagePrototype: Item
    /// The digest input of the message being named, built here (its capacity kept from one message to the next)
    /// and hashed in one call: hashing its five parts one by one cost more than copying them.
    private var digestInput: [UInt8] = []
    /// The last wall-clock time written into an id and its text: messages come in time order, many in the same
    /// minute, and formatting the time was a visible share of the id's cost.
    private var lastTime: ChatLineHeader.WallClock?
    private var lastTimeText: (UInt64, UInt64, UInt64) = (0, 0, 0)
    /// How many messages with the same (author, time, text) were seen, by digest, with their local time so that
    /// entries older than two days behind the newest are forgotten: identical messages share a time, and a clock
    /// that goes back two days to the same minute is not seen in real exports.
    private var seen = ChatIDCounts(capacity: 8193)
    private var newestLocal: Int64 = .min
    /// The size of `seen` at which old entries are next forgotten (kept small: a small table is a fast one).
    private var pruneAt = 8192
    /// Each author's party and the others of the chat, worked out once per author (at most as many as the scan
    /// keeps) rather than once per message.
    private var authorParties: [String: (from: Party, to: [Party])] = [:]
    /// The same, by where the message reader keeps the author's name: looked up without hashing the name.
    private var partiesByAuthorIndex: [(from: Party, to: [Party])?] = []

    init(
        chatKey: String,
        conversation: Conversation,
        owner: Party,
        participants: ChatParticipants,
        authors: [String],
        media: [String: String],
        order: ChatDateOrder,
        zone: TimeZone,
        ownerIsKnown: Bool
    ) {
        self.chatKey = chatKey
        self.conversation = conversation
        self.owner = owner
        self.participants = participants
        var everyone: [Party] = []
        var phones = Set<String>()
        var names = Set<String>()
        // The owner is a participant when known; the placeholder for an owner not given is no one's address.
        for party in (ownerIsKnown ? [owner] : []) + authors.map(participants.party(forAuthor:)) {
            let isNew =
                party.phone.isEmpty ? names.insert(party.name ?? "").inserted : phones.insert(party.phone).inserted
            if isNew { everyone.append(party) }
        }
        self.everyone = everyone
        self.messagePrototype = Item(
            id: "",
            kind: .message,
            capturedAt: Date(timeIntervalSince1970: 0),
            sentAt: Date(timeIntervalSince1970: 0),
            owner: owner,
            conversation: conversation,
            from: owner
        )
        self.media = media
        self.order = order
        self.reading = ChatLineHeader.Reading(order)
        self.clock = ChatClock(zone: zone)
        self.prefixBytes = Array("whatsapp-chat-export\u{0}\(chatKey)\u{0}".utf8)
    }

    /// Appends the item for `raw` to `items`, or returns why it cannot be one.
    ///
    /// The item is built in place of its return: an `Item` is several hundred bytes, and handing it out through
    /// an enum, a switch and the page's array copied it three more times.
    mutating func make(_ raw: ChatRawMessage, textName: String, into items: inout [Item]) -> InvalidRecord? {
        // Only an invalid message needs its position as text: formatting it for every message was wasted work.
        func position() -> String {
            raw.firstLine == raw.lastLine
                ? "\(textName) line \(raw.firstLine)"
                : "\(textName) lines \(raw.firstLine)–\(raw.lastLine)"
        }
        if let problem = raw.problem {
            return InvalidRecord(position: position(), reason: problem)
        }
        let wallClock: ChatLineHeader.WallClock
        if let valid = raw.header.validWallClock(reading: reading) {
            wallClock = valid
        } else {
            switch raw.header.wallClock(order: order) {
            case .success(let value): wallClock = value
            case .failure(let problem): return InvalidRecord(position: position(), reason: problem.message)
            }
        }
        let local = wallClock.localSeconds
        let instant = Date(timeIntervalSince1970: TimeInterval(clock.instant(local: local)))
        let id = nextID(author: raw.author, time: wallClock, text: raw.text, local: local)

        // Each item is built as the argument of `append` and shaped in place: building it in a variable first
        // made the optimiser copy it (and retain every string in it) into the array and destroy the original.
        if let author = raw.author {
            let parties = parties(of: author, index: raw.authorIndex)
            // The item `Item(id:kind:capturedAt:sentAt:owner:conversation:from:to:text:)` would make.
            items.append(messagePrototype)
            Self.fill(&items[items.count - 1], id: id, at: instant, from: parties.from, to: parties.to, text: raw.text)
            guard raw.textMayBeMarked else { return nil }
            let content = ChatMessageContent.classify(raw.text)
            if case .text = content { return nil }
            apply(content, to: &items[items.count - 1])
        } else {
            let line = ChatSystemLine.parse(raw.text)
            let actor = line.actor.map(resolve)
            let from = actor ?? owner
            items.append(
                Item(
                    id: id,
                    kind: .event,
                    capturedAt: instant,
                    sentAt: instant,
                    owner: owner,
                    conversation: conversation,
                    from: from,
                    to: others(than: from),
                    text: raw.text,
                    event: Event(
                        type: line.type,
                        actor: actor,
                        targets: line.targets.map(resolve),
                        subject: line.subject,
                        description: raw.text
                    )
                )
            )
        }
        return nil
    }

    /// Sets a copy of ``messagePrototype`` to one message's fields, in one access to the array's element.
    private static func fill(_ item: inout Item, id: String, at instant: Date, from: Party, to: [Party], text: String) {
        item.id = id
        item.capturedAt = instant
        item.sentAt = instant
        item.from = from
        item.to = to
        item.text = text
    }

    /// A name in a system line: `You` (in the export's language) is the owner.
    private func resolve(_ name: String) -> Party {
        ChatVocabulary.ownerWords.contains(name) ? owner : participants.party(forAuthor: name)
    }

    private func others(than party: Party) -> [Party] {
        everyone.filter { $0 != party }
    }

    private mutating func parties(of author: String, index: Int?) -> (from: Party, to: [Party]) {
        if let index, index < partiesByAuthorIndex.count, let known = partiesByAuthorIndex[index] { return known }
        let result = parties(of: author)
        if let index {
            while partiesByAuthorIndex.count <= index { partiesByAuthorIndex.append(nil) }
            partiesByAuthorIndex[index] = result
        }
        return result
    }

    private mutating func parties(of author: String) -> (from: Party, to: [Party]) {
        if let known = authorParties[author] { return known }
        let from = participants.party(forAuthor: author)
        let result = (from, others(than: from))
        if authorParties.count < ChatExportScan.maximumAuthors { authorParties[author] = result }
        return result
    }

    private mutating func nextID(
        author: String?,
        time: ChatLineHeader.WallClock,
        text: String,
        local: Int64
    ) -> String {
        if time != lastTime {
            lastTime = time
            time.withTextBytes { text in
                withUnsafeMutableBytes(of: &lastTimeText) { $0.copyMemory(from: text) }
            }
        }
        // The same bytes, in the same order, as prefix, author, NUL, time, NUL, text hashed part by part.
        digestInput.removeAll(keepingCapacity: true)
        digestInput.append(contentsOf: prefixBytes)
        if let author { Self.append(author, to: &digestInput) }
        digestInput.append(0)
        withUnsafeBytes(of: lastTimeText) { digestInput.append(contentsOf: $0[0..<19]) }
        digestInput.append(0)
        Self.append(text, to: &digestInput)
        var hash = SHA256()
        digestInput.withUnsafeBytes { hash.update($0) }
        // The digest on the stack: one array per message for 32 bytes was a visible share of the id's cost.
        var material: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let key = withUnsafeMutableBytes(of: &material) { bytes in
            hash.finalize(into: bytes)
            return ChatIDCounts.Key(
                high: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                low: UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
        let count = seen.countAndBump(key, local: local)
        newestLocal = max(newestLocal, local)
        if seen.count > pruneAt {
            let horizon = newestLocal - 2 * 86_400
            pruneAt = max(8192, 2 * seen.count(since: horizon))
            // Room up to the next pruning at once: growing the table again step by step costs more.
            seen = seen.keeping(since: horizon, capacity: pruneAt + 1)
        }
        // The first of identical messages is named by the digest itself, the n-th by a digest of it and n.
        return withUnsafeMutableBytes(of: &material) { bytes in
            if count > 0 {
                var final = SHA256()
                final.update(UnsafeRawBufferPointer(bytes))
                final.update(Array("\u{0}\(count)".utf8))
                final.finalize(into: bytes)
            }
            return Self.id(UnsafeRawBufferPointer(bytes))
        }
    }

    /// Appends `text`'s UTF-8 to `bytes`.
    private static func append(_ text: String, to bytes: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// `wa-chat-` and the first 16 bytes of `digest` in lowercase hex, written straight into the string.
    private static func id(_ digest: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: 40) { text in
            let digits: StaticString = "0123456789abcdef"
            let prefix: StaticString = "wa-chat-"
            prefix.withUTF8Buffer { prefix in
                for index in 0..<8 { text[index] = prefix[index] }
            }
            digits.withUTF8Buffer { digits in
                for index in 0..<16 {
                    text[8 + 2 * index] = digits[Int(digest[index] >> 4)]
                    text[9 + 2 * index] = digits[Int(digest[index] & 0x0F)]
                }
            }
            return 40
        }
    }
}
