import WhatsAppArchiver

/// The right edge of a growing RFC 9162 Merkle tree: the roots of its perfect subtrees, largest first, one per
/// set bit of the tree's size. Enough to append a leaf and to compute the root without the leaves themselves,
/// which is how the log appends to a tree of a million entries in `O(log n)` memory and time.
public struct MerkleFrontier: Sendable, Hashable {
    /// The number of leaves.
    public private(set) var size: Int = 0
    /// The roots of the perfect subtrees, largest (leftmost) first: inline digests, so that appending a leaf and
    /// merging subtrees allocates nothing (the log does it once per stored message).
    private var digests: [MerkleDigest] = []

    /// The roots of the perfect subtrees, largest (leftmost) first.
    public var hashes: [[UInt8]] { digests.map(\.bytes) }

    /// The frontier of the empty tree.
    public init() {}

    /// A frontier read back from a log's head record; `nil` when `hashes` does not have one hash of 32 bytes per
    /// set bit of `size`.
    public init?(size: Int, hashes: [[UInt8]]) {
        guard size >= 0, hashes.count == size.nonzeroBitCount, hashes.allSatisfy({ $0.count == 32 }) else {
            return nil
        }
        self.size = size
        self.digests = hashes.map(MerkleDigest.init)
    }

    /// Appends the entry `entry` (hashed as a leaf).
    public mutating func append(entry: some Collection<UInt8>) {
        append(leaf: MerkleDigest.leaf(of: entry))
    }

    /// Appends a leaf by its leaf hash (32 bytes): merges equal-sized subtrees as a binary counter carries.
    public mutating func append(leafHash: [UInt8]) {
        append(leaf: MerkleDigest(leafHash))
    }

    /// Appends a leaf by its leaf hash, as ``append(leafHash:)`` does, without an array.
    package mutating func append(leaf: MerkleDigest) {
        var node = leaf
        var carry = size
        while carry & 1 == 1 {
            node = MerkleDigest.node(digests.removeLast(), node)
            carry >>= 1
        }
        digests.append(node)
        size += 1
    }

    /// The tree's root (RFC 9162's `MTH`): the subtrees folded from the right.
    public var root: [UInt8] {
        digests.isEmpty ? MerkleTree.emptyRoot : rootDigest.bytes
    }

    /// The root of a tree of at least one leaf, without an array.
    package var rootDigest: MerkleDigest {
        precondition(!digests.isEmpty, "MerkleFrontier: the empty tree's root is MerkleTree.emptyRoot")
        var node = digests[digests.count - 1]
        for digest in digests.dropLast().reversed() { node = MerkleDigest.node(digest, node) }
        return node
    }
}
