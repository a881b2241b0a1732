import WhatsAppArchiver

/// One SHA-256 digest of the Merkle tree (a leaf hash, an inner node, a root), held inline in 32 bytes.
///
/// The log hashes a leaf per stored message and about as many inner nodes; as `[UInt8]` each of them was a heap
/// allocation (and the inner node's `0x01 || left || right` two more), with their reference counting. A frontier of
/// these is one array for the whole tree edge. The public API keeps speaking `[UInt8]` (``bytes``).
package struct MerkleDigest: Sendable, Hashable {
    /// The 32 bytes in order, as four words that are only ever read or written as raw memory.
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// A digest of the bytes `bytes`, which must be 32.
    package init(_ bytes: [UInt8]) {
        precondition(bytes.count == 32, "MerkleDigest: a SHA-256 digest has 32 bytes")
        withUnsafeMutableBytes(of: &words) { $0.copyBytes(from: bytes) }
    }

    /// Finishes `hasher` into a digest.
    private init(finishing hasher: inout SHA256) {
        withUnsafeMutableBytes(of: &words) { hasher.finalize(into: $0) }
    }

    /// The digest as an array, for the public API and the log's hexadecimal text.
    package var bytes: [UInt8] {
        withUnsafeBytes(of: words) { Array($0) }
    }

    /// RFC 9162's leaf hash of `entry`: `SHA-256(0x00 || entry)`, without copying the entry.
    package static func leaf(_ entry: UnsafeRawBufferPointer) -> MerkleDigest {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update($0) }
        hasher.update(entry)
        return MerkleDigest(finishing: &hasher)
    }

    /// RFC 9162's leaf hash of `entry`, hashed in place when its bytes are contiguous (a line of a log read into
    /// memory), else from a copy.
    package static func leaf(of entry: some Collection<UInt8>) -> MerkleDigest {
        if let digest = entry.withContiguousStorageIfAvailable({ leaf(UnsafeRawBufferPointer($0)) }) { return digest }
        return Array(entry).withUnsafeBytes { leaf($0) }
    }

    /// RFC 9162's inner node: `SHA-256(0x01 || left || right)`, the 65 bytes fed straight from the stack.
    package static func node(_ left: MerkleDigest, _ right: MerkleDigest) -> MerkleDigest {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update($0) }
        withUnsafeBytes(of: left.words) { hasher.update($0) }
        withUnsafeBytes(of: right.words) { hasher.update($0) }
        return MerkleDigest(finishing: &hasher)
    }

    package static func == (lhs: MerkleDigest, rhs: MerkleDigest) -> Bool {
        lhs.words == rhs.words
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}
