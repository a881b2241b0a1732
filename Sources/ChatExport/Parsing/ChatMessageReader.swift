import Foundation

/// One message of an export as the text has it: its header, author and text (every line of it), before it is an
/// item.
struct ChatRawMessage {
    /// The line the message starts on, and its last line.
    var firstLine: Int
    var lastLine: Int
    var header: ChatLineHeader
    /// The author as written; `nil` for a system line.
    var author: String?
    /// The text after `Author: ` (or the whole system line), its lines joined with LF.
    var text: String
    /// Why the message cannot be an item (not UTF-8, a NUL byte, too long), if it cannot.
    var problem: String?
}

/// What the reader hands out: a message, or lines before the first message that fit no format.
enum ChatReaderEvent {
    case message(ChatRawMessage)
    case orphanLines(first: Int, last: Int)
}

/// Groups an export's lines into messages: a line with a header of the file's shape starts a message, any other
/// line continues the message before it (as WhatsApp writes multi-line messages), and lines before the first
/// message are reported as orphans.
final class ChatMessageReader {
    private let lines: ChatLineReader
    private let shape: ChatLineHeader.Shape
    private let maximumMessageBytes: Int
    private var pending: (header: ChatLineHeader, firstLine: Int, lastLine: Int, problem: String?)?
    /// The pending message's bytes: one buffer for the whole file, so a message costs no allocation of its own.
    private var bytes: [UInt8] = []
    private var orphans: (first: Int, last: Int)?
    /// Authors' names as written and normalised (at most 64).
    private var knownAuthors: [(bytes: [UInt8], name: String)] = []
    private var queue: [ChatReaderEvent] = []
    private var finished = false

    init(lines: ChatLineReader, shape: ChatLineHeader.Shape, maximumMessageBytes: Int) {
        self.lines = lines
        self.shape = shape
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// The next message or run of orphan lines; `nil` at the end.
    func next() throws -> ChatReaderEvent? {
        while queue.isEmpty && !finished {
            guard let line = try lines.next() else {
                finished = true
                flushOrphans()
                if let message = finishPending() { queue.append(.message(message)) }
                break
            }
            if let header = ChatLineHeader.parse(line.bytes), header.shape == shape {
                flushOrphans()
                if let message = finishPending() { queue.append(.message(message)) }
                var problem: String? = nil
                if line.isCut { problem = tooLong() }
                let body = UnsafeBufferPointer(rebasing: line.bytes[header.bodyStart...])
                bytes.removeAll(keepingCapacity: true)
                bytes.append(contentsOf: body)
                pending = (header, line.number, line.number, problem)
            } else if pending != nil {
                pending!.lastLine = line.number
                if pending!.problem == nil {
                    if line.isCut || bytes.count + 1 + line.bytes.count > maximumMessageBytes {
                        pending!.problem = tooLong()
                        bytes.removeAll(keepingCapacity: true)
                    } else {
                        bytes.append(0x0A)
                        bytes.append(contentsOf: line.bytes)
                    }
                }
            } else {
                orphans = (orphans?.first ?? line.number, line.number)
            }
        }
        return queue.isEmpty ? nil : queue.removeFirst()
    }

    /// The normalised author for a name's bytes, from the names seen so far: a chat has few authors, and making and
    /// normalising the name's string for every message was a visible share of the reader's cost.
    private func authorName(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        for (index, known) in knownAuthors.enumerated() where known.bytes.count == bytes.count {
            let same = known.bytes.withUnsafeBufferPointer { known in
                bytes.isEmpty || memcmp(known.baseAddress!, bytes.baseAddress!, bytes.count) == 0
            }
            if same { return knownAuthors[index].name }
        }
        let name = ChatText.normalizedName(String(decoding: bytes, as: UTF8.self))
        if knownAuthors.count < 64 { knownAuthors.append((Array(bytes), name)) }
        return name
    }

    private func tooLong() -> String {
        "the message is longer than \(maximumMessageBytes) bytes (WhatsApp allows 65,536 characters)"
    }

    private func flushOrphans() {
        if let orphans { queue.append(.orphanLines(first: orphans.first, last: orphans.last)) }
        orphans = nil
    }

    private func finishPending() -> ChatRawMessage? {
        guard let pending else { return nil }
        self.pending = nil
        var problem = pending.problem
        var author: String?
        var text = ""
        if problem == nil {
            self.bytes.withUnsafeBufferPointer { bytes in
                if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil {
                    problem = "the message holds a NUL byte, which no chat text has"
                    return
                }
                // The author and the text are split at an ASCII `: `, so the whole message is valid exactly when
                // both are: one check per message.
                guard ChatUTF8.isValid(bytes) else {
                    problem = "the message is not UTF-8 text"
                    return
                }
                let split = Self.authorSplit(bytes)
                let textStart = split.map { $0 + 2 } ?? 0
                let body = String(decoding: UnsafeBufferPointer(rebasing: bytes[textStart...]), as: UTF8.self)
                guard let colon = split else {
                    text = String(ChatText.droppingLeadingInvisibles(body[...]))
                    return
                }
                // iOS writes system lines as `Chat name: ‎text`: the mark says it is no one's message.
                if ByteScanner.invisibleLength(bytes, at: textStart) != nil {
                    let unmarked = String(ChatText.droppingLeadingInvisibles(body[...]))
                    if ChatSystemLine.isSystemText(unmarked) {
                        text = unmarked
                        return
                    }
                }
                author = authorName(UnsafeBufferPointer(rebasing: bytes[..<colon]))
                text = body
            }
        }
        return ChatRawMessage(
            firstLine: pending.firstLine,
            lastLine: pending.lastLine,
            header: pending.header,
            author: author,
            text: text,
            problem: problem
        )
    }

    /// Where the `: ` after the author is in a message's bytes (its first line); `nil` when the line has no author
    /// (a system line), including `Alice changed the subject to "x: y"`, whose quote shows the colon is the
    /// subject's.
    static func authorSplit(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A { return nil }
            if byte == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: " ") { break }
            // `"`, `«` (C2 AB), `“` and `„` (E2 80 9C/9E): a quote before the colon.
            if byte == 0x22 || (byte == 0xAB && index > 0 && bytes[index - 1] == 0xC2) { return nil }
            if (byte == 0x9C || byte == 0x9E) && index > 1 && bytes[index - 1] == 0x80 && bytes[index - 2] == 0xE2 {
                return nil
            }
            index += 1
        }
        guard index + 1 < bytes.count, index > 0, index <= 512 else { return nil }
        return index
    }

    /// `Author: text` split as ``authorSplit(_:)`` splits the bytes.
    static func splitAuthor(_ text: String) -> (author: Substring, text: Substring)? {
        var text = text
        guard let colon = text.withUTF8({ authorSplit($0) }) else { return nil }
        let index = text.utf8.index(text.utf8.startIndex, offsetBy: colon)
        return (text[..<index], text[text.utf8.index(index, offsetBy: 2)...])
    }
}
