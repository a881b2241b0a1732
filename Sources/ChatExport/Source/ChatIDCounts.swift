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

    /// One slot: the key, the count (0 for an empty slot: a stored entry has counted at least one message) and
    /// the local time the key was last seen. One array of slots, not an array per field: a probe touches one
    /// cache line instead of three, and the table (a megabyte at its usual size) misses the cache on most probes.
    private struct Slot {
        var key: Key
        var count: Int
        var local: Int64
    }

    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0

    /// A table with room for `capacity` entries at most two-thirds full.
    ///
    /// Two-thirds, not half: at the factory's usual 8,193 entries that is 16,384 slots (512 KB) instead of 32,768,
    /// and the probes, which miss the cache, find their slot in about as few steps.
    init(capacity: Int) {
        var size = 16
        while 2 * size < 3 * capacity { size *= 2 }
        slots = Array(repeating: Slot(key: Key(high: 0, low: 0), count: 0, local: 0), count: size)
        mask = size - 1
    }

    /// The count seen so far for `key` (0 if new); the entry then counts one more, at `local`.
    mutating func countAndBump(_ key: Key, local: Int64) -> Int {
        if 3 * (count + 1) > 2 * slots.count { grow() }
        let mask = self.mask
        let found: Int? = slots.withUnsafeMutableBufferPointer { slots in
            var slot = Int(truncatingIfNeeded: key.high) & mask
            while slots[slot].count != 0 {
                if slots[slot].key == key {
                    let seen = slots[slot].count
                    slots[slot].count = seen + 1
                    slots[slot].local = local
                    return seen
                }
                slot = (slot + 1) & mask
            }
            slots[slot] = Slot(key: key, count: 1, local: local)
            return nil
        }
        guard let found else {
            count += 1
            return 0
        }
        return found
    }

    /// How many entries were last seen at or after `horizon`.
    func count(since horizon: Int64) -> Int {
        var kept = 0
        for slot in slots where slot.count != 0 && slot.local >= horizon { kept += 1 }
        return kept
    }

    /// The table without the entries last seen before `horizon`, with room for `capacity` entries (at least as many
    /// as are kept).
    func keeping(since horizon: Int64, capacity: Int) -> ChatIDCounts {
        var kept = ChatIDCounts(capacity: capacity)
        for slot in slots where slot.count != 0 && slot.local >= horizon { kept.insert(slot) }
        return kept
    }

    private mutating func grow() {
        let old = self
        self = ChatIDCounts(capacity: slots.count)
        for slot in old.slots where slot.count != 0 { insert(slot) }
    }

    /// Stores an entry known to be absent, in a table known to have room.
    private mutating func insert(_ entry: Slot) {
        var slot = Int(truncatingIfNeeded: entry.key.high) & mask
        while slots[slot].count != 0 { slot = (slot + 1) & mask }
        slots[slot] = entry
        count += 1
    }
}
