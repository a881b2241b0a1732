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
    private var pending: (header: ChatLineHeader, firstLine: Int, lastLine: Int, bytes: [UInt8], problem: String?)?
    private var orphans: (first: Int, last: Int)?
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
                pending = (header, line.number, line.number, Array(body), problem)
            } else if pending != nil {
                pending!.lastLine = line.number
                if pending!.problem == nil {
                    if line.isCut || pending!.bytes.count + 1 + line.bytes.count > maximumMessageBytes {
                        pending!.problem = tooLong()
                        pending!.bytes = []
                    } else {
                        pending!.bytes.append(0x0A)
                        pending!.bytes.append(contentsOf: line.bytes)
                    }
                }
            } else {
                orphans = (orphans?.first ?? line.number, line.number)
            }
        }
        return queue.isEmpty ? nil : queue.removeFirst()
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
        var text = ""
        if problem == nil {
            if pending.bytes.contains(0) {
                problem = "the message holds a NUL byte, which no chat text has"
            } else if let decoded = String(validating: pending.bytes, as: UTF8.self) {
                text = decoded
            } else {
                problem = "the message is not UTF-8 text"
            }
        }
        var author: String?
        if problem == nil, let split = Self.splitAuthor(text) {
            let body = ChatText.droppingLeadingInvisibles(split.text)
            // iOS writes system lines as `Chat name: ‎text`: the mark says it is no one's message.
            let marked = split.text.unicodeScalars.first.map(ChatText.isInvisible) ?? false
            if marked && ChatSystemLine.isSystemText(String(body)) {
                text = String(body)
            } else {
                author = ChatText.normalizedName(String(split.author))
                text = String(split.text)
            }
        } else if problem == nil {
            text = String(ChatText.droppingLeadingInvisibles(text[...]))
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

    /// `Author: text` split at the first `: ` of the first line; `nil` when the line has no author (a system
    /// line), including `Alice changed the subject to "x: y"`, whose quote shows the colon is the subject's.
    static func splitAuthor(_ text: String) -> (author: Substring, text: Substring)? {
        let utf8 = text.utf8
        var index = utf8.startIndex
        var colon: String.Index?
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == 0x0A { break }
            let next = utf8.index(after: index)
            if byte == UInt8(ascii: ":"), next != utf8.endIndex, utf8[next] == UInt8(ascii: " ") {
                colon = index
                break
            }
            index = next
        }
        guard let colon else { return nil }
        let author = text[..<colon]
        guard !author.isEmpty, author.utf8.count <= 512, !author.contains(where: { "\"“„«".contains($0) }) else {
            return nil
        }
        return (author, text[utf8.index(colon, offsetBy: 2)...])
    }
}
