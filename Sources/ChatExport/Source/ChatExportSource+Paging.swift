import WhatsAppArchiver

extension ChatExportSource {
    /// Where a run is in the text: the message reader, the id state, and the item held back for the next page.
    final class PageState {
        private let reader: ChatMessageReader
        private var factory: ChatItemFactory
        private let textName: String
        /// Reader events consumed so far, the carried item not included: the cursor.
        private(set) var consumed = 0
        /// An item read but left for the next page, because the page was full and its time differed.
        private var carried: Item?
        /// Where `skip` has its items made and dropped.
        private var skipped: [Item] = []

        init(reader: ChatMessageReader, factory: ChatItemFactory, textName: String) {
            self.reader = reader
            self.factory = factory
            self.textName = textName
        }

        /// Reads and drops the first `count` events (a cursor from a run that restarted the source).
        func skip(_ count: Int) throws {
            while consumed < count, let event = try reader.next() {
                if case .message(let raw) = event {
                    _ = factory.make(raw, textName: textName, into: &skipped)
                    skipped.removeAll(keepingCapacity: true)
                }
                consumed += 1
            }
        }

        func page(window: TimeWindow, limit: Int) throws -> SourcePage {
            var items: [Item] = []
            items.reserveCapacity(limit + 1)
            var invalid: [InvalidRecord] = []
            var lastTime: Double?
            var ended = false
            while true {
                // The next item goes to the end of `items` (made there, not copied there), and is taken back off
                // when it is outside the window or starts the next page.
                if let held = carried {
                    items.append(held)
                    carried = nil
                } else {
                    guard let event = try reader.next() else {
                        ended = true
                        break
                    }
                    switch event {
                    case .orphanLines(let first, let last):
                        let lines = first == last ? "line \(first)" : "lines \(first)–\(last)"
                        invalid.append(
                            InvalidRecord(
                                position: "\(textName) \(lines)",
                                reason: "the text fits no message format and no message comes before it"
                            )
                        )
                        consumed += 1
                        continue
                    case .message(let raw):
                        if let record = factory.make(raw, textName: textName, into: &items) {
                            invalid.append(record)
                            consumed += 1
                            continue
                        }
                    }
                }
                let capturedAt = items[items.count - 1].capturedAt
                guard window.contains(capturedAt) else {
                    items.removeLast()
                    consumed += 1
                    continue
                }
                let time = capturedAt.timeIntervalSince1970
                if items.count > limit && time != lastTime {
                    // Not counted yet: the cursor points at it, so that a fresh source skipping to the cursor reads
                    // it next, as this one takes it (and counts it) on the next page. Counting it here as well put
                    // a fresh source one message further per page break: messages lost on resume.
                    carried = items.removeLast()
                    break
                }
                lastTime = time
                consumed += 1
            }
            // Messages that share a time (a minute on Android) go out in id order, as sources promise; the file's
            // order between different times is kept.
            Self.sortWithinEqualTimes(&items)
            return SourcePage(
                items: items,
                invalidRecords: invalid,
                nextCursor: ended ? nil : SourceCursor(String(consumed))
            )
        }

        private static func sortWithinEqualTimes(_ items: inout [Item]) {
            var start = 0
            while start < items.count {
                var end = start + 1
                var sorted = true
                while end < items.count && items[end].capturedAt == items[start].capturedAt {
                    if items[end].id < items[end - 1].id { sorted = false }
                    end += 1
                }
                if !sorted {
                    // In place: sorting an array slice would copy the items.
                    items.withUnsafeMutableBufferPointer { buffer in
                        var run = UnsafeMutableBufferPointer(rebasing: buffer[start..<end])
                        run.sort { $0.id < $1.id }
                    }
                }
                start = end
            }
        }
    }
}
