import ArchiveEvidence
import Testing
import WhatsAppArchiver

/// The Merkle tree against the published RFC 6962 / RFC 9162 test vectors (Certificate Transparency's
/// `merkle_tree_test`: eight leaves and the roots of their first 1...8), and the proofs against their own
/// verification algorithms, accepting every valid proof and rejecting every mutated one.
@Suite struct MerkleTreeTests {
    static let leaves = [
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
    ].map { MerkleTree.leafHash(bytes($0)) }

    static let roots = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]

    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    @Test func theEmptyTreeIsTheHashOfNothing() {
        #expect(SHA256.hex(MerkleTree.emptyRoot) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleFrontier().root == MerkleTree.emptyRoot)
    }

    @Test(arguments: 1...8)
    func theRootsAreThePublishedOnes(size: Int) {
        #expect(SHA256.hex(MerkleTree.root(Self.leaves[0..<size])) == Self.roots[size - 1])
        var frontier = MerkleFrontier()
        for leaf in Self.leaves[0..<size] { frontier.append(leafHash: leaf) }
        #expect(SHA256.hex(frontier.root) == Self.roots[size - 1])
        #expect(frontier.hashes.count == size.nonzeroBitCount)
    }

    /// The frontier and the recursive definition agree well past the vectors (every shape up to 70 leaves).
    @Test func theFrontierAgreesWithTheDefinitionForEveryShape() {
        let leaves = (0..<70).map { MerkleTree.leafHash([UInt8(truncatingIfNeeded: $0), 0x5A]) }
        var frontier = MerkleFrontier()
        for size in 1...leaves.count {
            frontier.append(leafHash: leaves[size - 1])
            #expect(frontier.root == MerkleTree.root(leaves[0..<size]), "size \(size)")
            #expect(MerkleFrontier(size: size, hashes: frontier.hashes) == frontier)
        }
        #expect(MerkleFrontier(size: 3, hashes: [leaves[0]]) == nil)
    }

    /// An entry is hashed in place when its bytes are contiguous and copied when they are not: the same leaf either
    /// way, and the same as the published vectors' leaves.
    @Test func anEntryHashesAlikeContiguousOrNot() {
        let entries: [[UInt8]] = (0..<9).map { Array(UInt8(0)..<UInt8($0 * 29)) }
        var contiguous = MerkleFrontier()
        var scattered = MerkleFrontier()
        var byLeafHash = MerkleFrontier()
        for entry in entries {
            let range = UInt8(0)..<UInt8(entry.count)
            #expect(MerkleTree.leafHash(range) == MerkleTree.leafHash(entry))
            #expect(MerkleTree.leafHash(entry[...]) == MerkleTree.leafHash(entry))
            contiguous.append(entry: entry)
            scattered.append(entry: range)
            byLeafHash.append(leafHash: MerkleTree.leafHash(entry))
        }
        #expect(contiguous == scattered)
        #expect(contiguous == byLeafHash)
        #expect(contiguous.root == MerkleTree.root(entries.map { MerkleTree.leafHash($0) }[...]))
        #expect(MerkleTree.leafHash(Self.bytes("2021")) == Self.leaves[3])
    }

    @Test(arguments: 1...8)
    func everyInclusionProofVerifiesAndNoMutatedOneDoes(size: Int) {
        let root = MerkleTree.root(Self.leaves[0..<size])
        for index in 0..<size {
            let proof = MerkleTree.inclusionProof(index: index, size: size, leaves: Self.leaves)
            #expect(
                MerkleTree.verifyInclusion(
                    leafHash: Self.leaves[index],
                    index: index,
                    size: size,
                    proof: proof,
                    root: root
                )
            )
            let other = Self.leaves[(index + 1) % 8]
            #expect(!MerkleTree.verifyInclusion(leafHash: other, index: index, size: size, proof: proof, root: root))
            if size > 1 {
                #expect(
                    !MerkleTree.verifyInclusion(
                        leafHash: Self.leaves[index],
                        index: (index + 1) % size,
                        size: size,
                        proof: proof,
                        root: root
                    ) || proof.isEmpty
                )
                #expect(
                    !MerkleTree.verifyInclusion(
                        leafHash: Self.leaves[index],
                        index: index,
                        size: size,
                        proof: Array(proof.dropLast()),
                        root: root
                    )
                )
            }
        }
    }

    @Test(arguments: 1...8)
    func everyConsistencyProofVerifiesAndNoMutatedOneDoes(size: Int) {
        let root = MerkleTree.root(Self.leaves[0..<size])
        for oldSize in 1...size {
            let oldRoot = MerkleTree.root(Self.leaves[0..<oldSize])
            let proof = MerkleTree.consistencyProof(from: oldSize, to: size, leaves: Self.leaves)
            #expect(
                MerkleTree.verifyConsistency(oldSize: oldSize, oldRoot: oldRoot, size: size, root: root, proof: proof)
            )
            // A rewritten history: the old root of another tree.
            let forged = MerkleTree.nodeHash(oldRoot, oldRoot)
            #expect(
                !MerkleTree.verifyConsistency(oldSize: oldSize, oldRoot: forged, size: size, root: root, proof: proof)
            )
            if !proof.isEmpty {
                var mutated = proof
                mutated[0][0] ^= 1
                #expect(
                    !MerkleTree.verifyConsistency(
                        oldSize: oldSize,
                        oldRoot: oldRoot,
                        size: size,
                        root: root,
                        proof: mutated
                    )
                )
            }
        }
    }
}
