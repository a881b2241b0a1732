import WhatsAppArchiver

/// The first pass over an export: what the whole file says about itself before any message is read as an item.
///
/// It finds the shape of the file's message lines (the shape most header lines have), the day/month order, the
/// span of wall-clock times, the authors, and whether the chat is a group. The file is streamed: memory is bounded
/// by the number of distinct authors (at most ``maximumAuthors``), never by the file's size.
struct ChatExportScan {
    static let maximumAuthors = 10_000

    /// What the scan found.
    var shape: ChatLineHeader.Shape
    var order: ChatDateOrder
    /// The earliest and latest wall-clock times of the messages, as local seconds since 1970.
    var earliest: Int64
    var latest: Int64
    var authors: [String]
    var isGroup: Bool
    var messageLines: Int

    private struct Tally {
        var count = 0
        var firstLine = 0
        var evidence = ChatDateEvidence()
        /// Per order (dmy, mdy, ymd, in ``orders``' order): earliest and latest local time of the dates valid in
        /// it. Three fields, not a dictionary: the scan updates them on every line.
        var spans: [(Int64, Int64)?] = [nil, nil, nil]
        var authors: [String] = []
        var authorSet = Set<String>()
        /// Authors' names as written that are already in ``authorSet`` (or met when it was full), at most 64: a
        /// chat's authors take turns, and making, normalising and hashing the name of every line was most of the
        /// scan's cost. Inserting a name again changes nothing, so skipping it keeps the same authors.
        var knownAuthorBytes: [[UInt8]] = []
        var groupEvents = 0
    }

    private static let orders: [ChatDateOrder] = [.dayMonthYear, .monthDayYear, .yearMonthDay]
    private static let readings = orders.map(ChatLineHeader.Reading.init)

    /// Whether an event happens only in groups (a one-to-one chat has the encryption notice and security codes).
    private static func isGroupEvent(_ type: Event.EventType) -> Bool {
        type != .encryptionNotice && type != .securityCodeChanged && type != .numberChanged && type != .other
    }

    /// Scans the file at `path` (`name` is used in errors).
    static func scan(
        path: String,
        name: String,
        order requested: ChatDateOrder,
        maximumMessageBytes: Int
    ) throws -> ChatExportScan {
        let reader = try ChatLineReader(path: path, maximumLineBytes: maximumMessageBytes)
        // The tallies are an array mutated in place, found by shape: taking a tally out of a dictionary and
        // putting it back copied its storage on every line.
        var tallies: [Tally] = []
        var tallyIndex: [ChatLineHeader.Shape: Int] = [:]
        var lastAuthor: [UInt8] = []
        // The previous header's shape and tally: nearly every line has the file's one shape, and hashing it into
        // the dictionary on every line showed in the profile.
        var lastShape: ChatLineHeader.Shape?
        var lastIndex = 0
        while let line = try reader.next() {
            guard let header = ChatLineHeader.parse(line.bytes) else { continue }
            let index: Int
            if header.shape == lastShape {
                index = lastIndex
            } else if let known = tallyIndex[header.shape] {
                index = known
            } else {
                index = tallies.count
                tallies.append(Tally(firstLine: line.number))
                tallyIndex[header.shape] = index
            }
            lastShape = header.shape
            lastIndex = index
            record(line, header, in: &tallies[index], lastAuthor: &lastAuthor)
        }
        guard
            let (shape, tally) = tallyIndex.map({ ($0.key, tallies[$0.value]) }).max(by: {
                ($0.1.count, -$0.1.firstLine) < ($1.1.count, -$1.1.firstLine)
            })
        else {
            throw ChatExportProblem(
                "\(name) is not a WhatsApp chat export: no line starts with a date and a time "
                    + "(such as \"15/01/2024, 10:00 - \" or \"[15/01/2024, 10:00:00] \")"
            )
        }
        let order = requested == .automatic ? try tally.evidence.decide(name: name) : requested
        guard let orderIndex = orders.firstIndex(of: order), let span = tally.spans[orderIndex] else {
            throw ChatExportProblem(
                "\(name): no date of the file is a valid date when read as \(order) (line \(tally.firstLine))"
            )
        }
        return ChatExportScan(
            shape: shape,
            order: order,
            earliest: span.0,
            latest: span.1,
            authors: tally.authors,
            isGroup: tally.groupEvents > 0 || tally.authors.count > 2,
            messageLines: tally.count
        )
    }

    /// Whether `bytes` are `known`'s bytes (the generic `elementsEqual` compared them one by one).
    private static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ known: [UInt8]) -> Bool {
        guard bytes.count == known.count else { return false }
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
        return known.withUnsafeBufferPointer { ChatBytes.equal(base, $0.baseAddress!, count: bytes.count) }
    }

    /// Counts one header line in its shape's tally.
    private static func record(
        _ line: ChatLineReader.Line,
        _ header: ChatLineHeader,
        in tally: inout Tally,
        lastAuthor: inout [UInt8]
    ) {
        tally.count += 1
        tally.evidence.record(header, line: line.number)
        for (orderIndex, reading) in readings.enumerated() {
            guard let clock = header.validWallClock(reading: reading) else { continue }
            let seconds = clock.localSeconds
            let span = tally.spans[orderIndex] ?? (seconds, seconds)
            tally.spans[orderIndex] = (min(span.0, seconds), max(span.1, seconds))
        }
        let body = UnsafeBufferPointer(rebasing: line.bytes[header.bodyStart...])
        if let colon = ChatMessageReader.authorSplit(body) {
            let authorBytes = UnsafeBufferPointer(rebasing: body[..<colon])
            // iOS system lines are `Chat name: ‎text`: the mark after the colon says so.
            var type = Event.EventType.other
            if ByteScanner.invisibleLength(body, at: colon + 2) != nil {
                let text = String(decoding: UnsafeBufferPointer(rebasing: body[(colon + 2)...]), as: UTF8.self)
                type = ChatSystemLine.parse(String(ChatText.droppingLeadingInvisibles(text[...]))).type
            }
            if type != .other {
                if isGroupEvent(type) { tally.groupEvents += 1 }
            } else if !equal(authorBytes, lastAuthor) {
                // In place: a new array for every change of author was an allocation on most lines.
                lastAuthor.removeAll(keepingCapacity: true)
                lastAuthor.append(contentsOf: authorBytes)
                guard !tally.knownAuthorBytes.contains(where: { equal(authorBytes, $0) }) else { return }
                let author = ChatText.normalizedName(String(decoding: authorBytes, as: UTF8.self))
                if tally.authorSet.count < maximumAuthors, tally.authorSet.insert(author).inserted {
                    tally.authors.append(author)
                }
                if tally.knownAuthorBytes.count < 64 { tally.knownAuthorBytes.append(lastAuthor) }
            }
        } else {
            let text = String(decoding: body, as: UTF8.self)
            let type = ChatSystemLine.parse(String(ChatText.droppingLeadingInvisibles(text[...]))).type
            if isGroupEvent(type) { tally.groupEvents += 1 }
        }
    }
}
