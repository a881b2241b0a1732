import WhatsAppArchiver

/// The right edge of a growing RFC 9162 Merkle tree: the roots of its perfect subtrees, largest first, one per
/// set bit of the tree's size. Enough to append a leaf and to compute the root without the leaves themselves,
/// which is how the log appends to a tree of a million entries in `O(log n)` memory and time.
public struct MerkleFrontier: Sendable, Hashable {
    /// The number of leaves.
    public private(set) var size: Int = 0
    /// The roots of the perfect subtrees, largest (leftmost) first.
    public private(set) var hashes: [[UInt8]] = []

    /// The frontier of the empty tree.
    public init() {}

    /// A frontier read back from a log's head record; `nil` when `hashes` does not have one hash of 32 bytes per
    /// set bit of `size`.
    public init?(size: Int, hashes: [[UInt8]]) {
        guard size >= 0, hashes.count == size.nonzeroBitCount, hashes.allSatisfy({ $0.count == 32 }) else {
            return nil
        }
        self.size = size
        self.hashes = hashes
    }

    /// Appends the entry `entry` (hashed as a leaf).
    public mutating func append(entry: some Collection<UInt8>) {
        append(leafHash: MerkleTree.leafHash(entry))
    }

    /// Appends a leaf by its leaf hash: merges equal-sized subtrees as a binary counter carries.
    public mutating func append(leafHash: [UInt8]) {
        var node = leafHash
        var carry = size
        while carry & 1 == 1 {
            node = MerkleTree.nodeHash(hashes.removeLast(), node)
            carry >>= 1
        }
        hashes.append(node)
        size += 1
    }

    /// The tree's root (RFC 9162's `MTH`): the subtrees folded from the right.
    public var root: [UInt8] {
        guard var node = hashes.last else { return MerkleTree.emptyRoot }
        for hash in hashes.dropLast().reversed() { node = MerkleTree.nodeHash(hash, node) }
        return node
    }
}
