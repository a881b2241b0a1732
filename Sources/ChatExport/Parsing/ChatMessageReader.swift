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
    /// Where the reader keeps `author` among the names it has met (at most 64), so that what depends only on the
    /// author is worked out once per author; `nil` when it is not kept there.
    var authorIndex: Int?
    /// The text after `Author: ` (or the whole system line), its lines joined with LF.
    var text: String
    /// Whether an author's text can be anything but plain text (``ChatMessageContent/prefilter(_:)``, run on the
    /// text's bytes here); `true` when not known.
    var textMayBeMarked = true
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
    /// The message being read: its header (`nil` when there is none), lines and problem, as separate fields
    /// rather than one optional tuple, which was copied and destroyed whole at every line.
    private var pendingHeader: ChatLineHeader?
    private var pendingFirstLine = 0
    private var pendingLastLine = 0
    private var pendingProblem: String?
    /// The pending message's bytes: one buffer for the whole file, so a message costs no allocation of its own.
    private var bytes: [UInt8] = []
    private var orphans: (first: Int, last: Int)?
    /// Authors' names as written and normalised (at most 64).
    private var knownAuthors: [(bytes: [UInt8], name: String)] = []
    /// The events read but not yet handed out, in order: a line ends at most a run of orphans and a message, so
    /// two places are enough (an array's append and `removeFirst` showed in the profile).
    private var queued: ChatReaderEvent?
    private var queuedNext: ChatReaderEvent?
    private var finished = false

    init(lines: ChatLineReader, shape: ChatLineHeader.Shape, maximumMessageBytes: Int) {
        self.lines = lines
        self.shape = shape
        self.maximumMessageBytes = maximumMessageBytes
    }

    /// The next message or run of orphan lines; `nil` at the end.
    func next() throws -> ChatReaderEvent? {
        while queued == nil && !finished {
            guard let line = try lines.next() else {
                finished = true
                flushOrphans()
                finishPending()
                break
            }
            if let header = ChatLineHeader.parse(line.bytes), header.shape == shape {
                flushOrphans()
                finishPending()
                let body = UnsafeBufferPointer(rebasing: line.bytes[header.bodyStart...])
                bytes.removeAll(keepingCapacity: true)
                bytes.append(contentsOf: body)
                pendingHeader = header
                pendingFirstLine = line.number
                pendingLastLine = line.number
                pendingProblem = line.isCut ? tooLong() : nil
            } else if pendingHeader != nil {
                pendingLastLine = line.number
                if pendingProblem == nil {
                    if line.isCut || bytes.count + 1 + line.bytes.count > maximumMessageBytes {
                        pendingProblem = tooLong()
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
        // Moved out, not copied: a copy retained the message's strings and the assignment released them again.
        var event: ChatReaderEvent?
        swap(&event, &queued)
        swap(&queued, &queuedNext)
        return event
    }

    private func enqueue(_ event: consuming ChatReaderEvent) {
        if queued == nil {
            queued = event
        } else {
            queuedNext = event
        }
    }

    /// The normalised author for a name's bytes and where it is kept, from the names seen so far: a chat has few
    /// authors, and making and normalising the name's string for every message was a visible share of the
    /// reader's cost.
    private func authorName(_ bytes: UnsafeBufferPointer<UInt8>) -> (name: String, index: Int?) {
        let found = knownAuthors.withUnsafeBufferPointer { known -> Int? in
            for index in known.indices where known[index].bytes.count == bytes.count {
                let same = known[index].bytes.withUnsafeBufferPointer { known in
                    bytes.isEmpty || ChatBytes.equal(known.baseAddress!, bytes.baseAddress!, count: bytes.count)
                }
                if same { return index }
            }
            return nil
        }
        if let found { return (knownAuthors[found].name, found) }
        let name = ChatText.normalizedName(String(decoding: bytes, as: UTF8.self))
        guard knownAuthors.count < 64 else { return (name, nil) }
        knownAuthors.append((Array(bytes), name))
        return (name, knownAuthors.count - 1)
    }

    private func tooLong() -> String {
        "the message is longer than \(maximumMessageBytes) bytes (WhatsApp allows 65,536 characters)"
    }

    private func flushOrphans() {
        if let orphans { enqueue(.orphanLines(first: orphans.first, last: orphans.last)) }
        orphans = nil
    }

    /// Queues the pending message, if there is one.
    private func finishPending() {
        guard let header = pendingHeader else { return }
        pendingHeader = nil
        var problem = pendingProblem
        var author: String?
        var authorIndex: Int?
        var text = ""
        var textMayBeMarked = true
        if problem == nil {
            self.bytes.withUnsafeBufferPointer { bytes in
                // The author and the text are split at an ASCII `: `, so the whole message is valid exactly when
                // both are: one check per message, which tells which problem it has only when it has one.
                if !ChatUTF8.isValidWithoutNUL(bytes) {
                    if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil {
                        problem = "the message holds a NUL byte, which no chat text has"
                    } else {
                        problem = "the message is not UTF-8 text"
                    }
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
                (author, authorIndex) = authorName(UnsafeBufferPointer(rebasing: bytes[..<colon]))
                text = body
                let textBytes = UnsafeBufferPointer(rebasing: bytes[textStart...])
                textMayBeMarked = ChatMessageContent.prefilter(textBytes).mayBeMarked
            }
        }
        enqueue(
            .message(
                ChatRawMessage(
                    firstLine: pendingFirstLine,
                    lastLine: pendingLastLine,
                    header: header,
                    author: author,
                    authorIndex: authorIndex,
                    text: text,
                    textMayBeMarked: textMayBeMarked,
                    problem: problem
                )
            )
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
