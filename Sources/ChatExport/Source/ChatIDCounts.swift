/// How many messages with the same (author, time, text) digest were seen, with the local time each was last seen:
/// the id table of `ChatItemFactory`.
///
/// An open-addressing table keyed by the digest's first 128 bits. Those bits are already uniformly spread, so the
/// slot is taken from them directly: a `Dictionary` hashed each key again with a seeded SipHash, a visible share of
/// every message's cost. The table forgets entries older than a horizon on the same schedule the dictionary did
/// (when it holds more than `pruneAt`), so the counts, and so the ids, are the same.
struct ChatIDCounts {
    struct Key: Equatable {
        var high: UInt64
        var low: UInt64
    }

    private var keys: [Key]
    /// 0 for an empty slot: a stored entry has counted at least one message.
    private var counts: [Int]
    private var locals: [Int64]
    private var mask: Int
    private(set) var count = 0

    /// A table with room for `capacity` entries at most half full.
    init(capacity: Int) {
        var slots = 16
        while slots < 2 * capacity { slots *= 2 }
        keys = Array(repeating: Key(high: 0, low: 0), count: slots)
        counts = Array(repeating: 0, count: slots)
        locals = Array(repeating: 0, count: slots)
        mask = slots - 1
    }

    /// The count seen so far for `key` (0 if new); the entry then counts one more, at `local`.
    mutating func countAndBump(_ key: Key, local: Int64) -> Int {
        var slot = Int(truncatingIfNeeded: key.high) & mask
        while counts[slot] != 0 {
            if keys[slot] == key {
                let seen = counts[slot]
                counts[slot] = seen + 1
                locals[slot] = local
                return seen
            }
            slot = (slot + 1) & mask
        }
        if 2 * (count + 1) > counts.count {
            grow()
            return countAndBump(key, local: local)
        }
        keys[slot] = key
        counts[slot] = 1
        locals[slot] = local
        count += 1
        return 0
    }

    /// How many entries were last seen at or after `horizon`.
    func count(since horizon: Int64) -> Int {
        var kept = 0
        for slot in counts.indices where counts[slot] != 0 && locals[slot] >= horizon { kept += 1 }
        return kept
    }

    /// The table without the entries last seen before `horizon`, with room for `capacity` entries (at least as many
    /// as are kept).
    func keeping(since horizon: Int64, capacity: Int) -> ChatIDCounts {
        var kept = ChatIDCounts(capacity: capacity)
        for slot in counts.indices where counts[slot] != 0 && locals[slot] >= horizon {
            kept.insert(keys[slot], count: counts[slot], local: locals[slot])
        }
        return kept
    }

    private mutating func grow() {
        let old = self
        self = ChatIDCounts(capacity: counts.count)
        for slot in old.counts.indices where old.counts[slot] != 0 {
            insert(old.keys[slot], count: old.counts[slot], local: old.locals[slot])
        }
    }

    /// Stores an entry known to be absent, in a table known to have room.
    private mutating func insert(_ key: Key, count entryCount: Int, local: Int64) {
        var slot = Int(truncatingIfNeeded: key.high) & mask
        while counts[slot] != 0 { slot = (slot + 1) & mask }
        keys[slot] = key
        counts[slot] = entryCount
        locals[slot] = local
        count += 1
    }
}
