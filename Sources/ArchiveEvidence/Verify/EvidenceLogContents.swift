import WhatsAppArchiver

/// A whole evidence log read back and checked line by line: its committed entries (the leaves of its tree), the
/// roots it had at the sizes a verifier asks for, and what is wrong with it.
package struct EvidenceLogContents {
    /// The committed entries (up to the last head), in order, with the line each came from.
    package var entries: [(line: Int, entry: EvidenceLogEntry)] = []
    /// Entries and intents after the last head: a commit that was interrupted, which the next run finishes.
    package var pending: [EvidenceLogEntry] = []
    /// The last head, if any.
    package var lastHead: EvidenceLogHead?
    /// The recomputed root at each size asked for (only for sizes up to the committed entries).
    package var roots: [Int: [UInt8]] = [:]
    /// The problems, in line order, as `line L: what`.
    package var problems: [String] = []

    /// Reads the log's bytes; `sizes` are the tree sizes whose roots the caller needs (anchored heads).
    package init(_ bytes: [UInt8], rootsAt sizes: Set<Int>) {
        var frontier = MerkleFrontier()
        var uncommitted: [(line: Int, entry: EvidenceLogEntry)] = []
        var uncommittedLeaves: [[UInt8]] = []
        var uncommittedIntents: [EvidenceLogEntry] = []
        var lineNumber = 0
        var start = 0
        if sizes.contains(0) { roots[0] = MerkleTree.emptyRoot }
        while start < bytes.count {
            lineNumber += 1
            guard let end = bytes[start...].firstIndex(of: 0x0A) else {
                break  // The last line, cut short by a crash: never part of a finished commit.
            }
            let line = bytes[start..<end]
            start = end + 1
            switch EvidenceLogRecord.parse(line) {
            case .entry(let index, let entry)?:
                let expected = frontier.size + uncommittedLeaves.count
                if index != expected {
                    problems.append("line \(lineNumber): entry \(index) out of order (expected \(expected))")
                }
                uncommitted.append((lineNumber, entry))
                uncommittedLeaves.append(MerkleTree.leafHash(line))
            case .intent(_, let entry)?:
                uncommittedIntents.append(entry)
            case .head(let head, _)?:
                for leaf in uncommittedLeaves {
                    frontier.append(leafHash: leaf)
                    if sizes.contains(frontier.size) { roots[frontier.size] = frontier.root }
                }
                if head.size != frontier.size || head.root != frontier.root {
                    problems.append("line \(lineNumber): head \(head.size) does not match the entries before it")
                }
                entries += uncommitted
                uncommitted = []
                uncommittedLeaves = []
                uncommittedIntents = []
                lastHead = head
            case nil:
                problems.append("line \(lineNumber): not a log record")
            }
        }
        pending = uncommitted.map(\.entry) + uncommittedIntents
    }
}
