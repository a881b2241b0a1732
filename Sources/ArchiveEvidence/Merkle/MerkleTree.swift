import WhatsAppArchiver

/// The Merkle tree hash of RFC 9162 (Certificate Transparency 2.0), section 2.1.1, over SHA-256: the structure
/// whose head (the root of the first `n` entries) commits to every entry before it.
///
/// - A leaf is `SHA-256(0x00 || entry)`, an inner node `SHA-256(0x01 || left || right)`: the prefixes keep a leaf
///   from ever passing for a node (the second-preimage attack on plain Merkle trees).
/// - The tree of `n` entries splits at `k`, the largest power of two below `n`: the first `k` entries form a
///   perfect left subtree that never changes again, so a head of `n` entries can be proven to extend any earlier
///   head of `m ≤ n` entries with `O(log n)` hashes (``consistencyProof(from:to:leaves:)``), and an entry can be
///   proven to belong to a head with `O(log n)` hashes (``inclusionProof(index:size:leaves:)``).
public enum MerkleTree {
    /// The root of the empty tree: `SHA-256()` of nothing.
    public static let emptyRoot: [UInt8] = SHA256.hash([UInt8]())

    /// The leaf hash of one entry: `SHA-256(0x00 || entry)`.
    public static func leafHash(_ entry: some Collection<UInt8>) -> [UInt8] {
        MerkleDigest.leaf(of: entry).bytes
    }

    /// The hash of an inner node: `SHA-256(0x01 || left || right)`.
    public static func nodeHash(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        // Fed in three parts rather than concatenated: no array for the 65 bytes.
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update($0) }
        hasher.update(left)
        hasher.update(right)
        return hasher.finalize()
    }

    /// The root of the tree over `leaves` (leaf hashes), computed as RFC 9162 defines it.
    public static func root(_ leaves: ArraySlice<[UInt8]>) -> [UInt8] {
        var frontier = MerkleFrontier()
        for leaf in leaves { frontier.append(leafHash: leaf) }
        return frontier.root
    }

    /// The inclusion proof (audit path, RFC 9162 section 2.1.3.1) of leaf `index` in the tree of the first `size`
    /// leaves.
    public static func inclusionProof(index: Int, size: Int, leaves: [[UInt8]]) -> [[UInt8]] {
        precondition(index >= 0 && index < size && size <= leaves.count, "MerkleTree: leaf outside the tree")
        return path(index, leaves[0..<size])
    }

    /// Whether `proof` proves that `leafHash` is leaf `index` of the tree of `size` leaves with root `root`
    /// (RFC 9162 section 2.1.3.2).
    public static func verifyInclusion(
        leafHash: [UInt8],
        index: Int,
        size: Int,
        proof: [[UInt8]],
        root: [UInt8]
    ) -> Bool {
        guard index >= 0, index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// The consistency proof (RFC 9162 section 2.1.4.1) that the tree of the first `size` leaves extends the tree
    /// of the first `oldSize` leaves.
    public static func consistencyProof(from oldSize: Int, to size: Int, leaves: [[UInt8]]) -> [[UInt8]] {
        precondition(0 < oldSize && oldSize <= size && size <= leaves.count, "MerkleTree: sizes outside the tree")
        return subproof(oldSize, leaves[0..<size], true)
    }

    /// Whether `proof` proves that the tree of `size` leaves with root `root` extends the tree of `oldSize`
    /// leaves with root `oldRoot` (RFC 9162 section 2.1.4.2).
    public static func verifyConsistency(
        oldSize: Int,
        oldRoot: [UInt8],
        size: Int,
        root: [UInt8],
        proof: [[UInt8]]
    ) -> Bool {
        guard oldSize > 0, oldSize <= size else { return false }
        if oldSize == size { return proof.isEmpty && oldRoot == root }
        guard !proof.isEmpty else { return false }
        var proof = proof
        if oldSize & (oldSize - 1) == 0 { proof.insert(oldRoot, at: 0) }
        var fn = oldSize - 1
        var sn = size - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = proof[0]
        var sr = proof[0]
        for c in proof.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == root
    }

    // MARK: - The recursive definitions of RFC 9162

    /// The largest power of two strictly below `n` (n > 1).
    private static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    private static func path(_ m: Int, _ leaves: ArraySlice<[UInt8]>) -> [[UInt8]] {
        let n = leaves.count
        guard n > 1 else { return [] }
        let k = split(n)
        let start = leaves.startIndex
        if m < k {
            return path(m, leaves[start..<(start + k)]) + [root(leaves[(start + k)...])]
        }
        return path(m - k, leaves[(start + k)...]) + [root(leaves[start..<(start + k)])]
    }

    private static func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, _ isComplete: Bool) -> [[UInt8]] {
        let n = leaves.count
        if m == n { return isComplete ? [] : [root(leaves)] }
        let k = split(n)
        let start = leaves.startIndex
        if m <= k {
            return subproof(m, leaves[start..<(start + k)], isComplete) + [root(leaves[(start + k)...])]
        }
        return subproof(m - k, leaves[(start + k)...], false) + [root(leaves[start..<(start + k)])]
    }
}
