import ArchiveEvidence
import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// What `archive-verify` catches, one tampering per test, and that the auditor's Python verifier
/// (`Documentation/verify_archive.py`) prints exactly the same lines and exit status for each.
@Suite struct ArchiveVerifierTests {
    static let ids = ["v.1@archiver.invalid", "v.2@archiver.invalid", "v.3@archiver.invalid"]

    /// An archive of two commits (two messages, then one), and the head the report gave after each.
    struct Archive {
        let scratch: EvidenceScratch
        let heads: [AnchoredHead]
        var root: String { scratch.root }
        var folder: String { scratch.root + "/" + EvidenceFixtures.folderPath }

        init() async throws {
            scratch = try EvidenceScratch()
            let first = try await EvidenceFixtures.archive(Array(ArchiveVerifierTests.ids[0..<2]), root: scratch.root)
            let second = try await EvidenceFixtures.archive([ArchiveVerifierTests.ids[2]], root: scratch.root)
            heads = (first.heads + second.heads).map {
                AnchoredHead(folderPath: $0.folderPath, size: $0.head.size, root: $0.head.root)
            }
        }

        func file(_ id: String) -> String {
            let digest = MessageIDDigest(messageID: id).hexDigits
            return folder + "/new/" + EvidenceFixtures.names(folder + "/new").first { $0.contains(digest) }!
        }

        /// The Swift verifier's lines; the Python verifier must print the same, and exit 1 exactly when there are
        /// any.
        func verify(anchored: Bool = true) throws -> [String] {
            let heads = anchored ? self.heads : []
            let lines = try EvidenceFixtures.verify(root, heads: heads)
            try #require(
                PythonVerifier.isAvailable || !PythonVerifier.isRequired,
                "CI is set: the Python verifier must run (python3)"
            )
            if PythonVerifier.isAvailable {
                var arguments = ["--maildir", root]
                if anchored { arguments += ["--heads", try PythonVerifier.headsFile(heads, in: scratch.path)] }
                let python = try PythonVerifier.run(arguments)
                #expect(python.lines == lines)
                #expect(python.status == (lines.isEmpty ? 0 : 1))
            }
            return lines
        }
    }

    @Test func anUntouchedArchiveVerifies() async throws {
        let archive = try await Archive()
        #expect(archive.heads.map(\.size) == [2, 3])
        #expect(try archive.verify() == [])
    }

    @Test func oneFlippedByteIsAnAlteredMessage() async throws {
        let archive = try await Archive()
        let path = archive.file(Self.ids[1])
        var bytes = Array(try #require(FileManager.default.contents(atPath: path)))
        bytes[bytes.count - 5] ^= 0x20
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let lines = try archive.verify()
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("altered \(EvidenceFixtures.folderPath)/new/") == true)
        #expect(lines.first?.contains("Message-ID \(Self.ids[1]): SHA-256 \(SHA256.hex(SHA256.hash(bytes)))") == true)
        #expect(lines.first?.hasSuffix("differs from entry 1") == true)
    }

    @Test func aRemovedMessageIsMissing() async throws {
        let archive = try await Archive()
        try FileManager.default.removeItem(atPath: archive.file(Self.ids[0]))
        #expect(
            try archive.verify() == [
                "missing \(EvidenceFixtures.folderPath): entry 0, Message-ID \(Self.ids[0]): no file holds its bytes"
            ]
        )
    }

    @Test func aMessageAddedByHandIsAdded() async throws {
        let archive = try await Archive()
        let bytes = EvidenceFixtures.messageBytes(id: "forged@archiver.invalid")
        try Data(bytes).write(to: URL(fileURLWithPath: archive.folder + "/cur/1700000000.M1P1.forger:2,S"))
        #expect(
            try archive.verify() == [
                "added \(EvidenceFixtures.folderPath)/cur/1700000000.M1P1.forger:2,S: "
                    + "Message-ID forged@archiver.invalid is not in the log"
            ]
        )
    }

    @Test func aReorderedLogDoesNotHoldTogether() async throws {
        let archive = try await Archive()
        var lines = EvidenceFixtures.logLines(archive.root)
        let entries = lines.indices.filter { lines[$0].hasPrefix("{\"entry\":") }
        lines.swapAt(entries[0], entries[1])
        EvidenceFixtures.writeLog(archive.root, lines)
        let found = try archive.verify()
        let folder = EvidenceFixtures.folderPath
        #expect(found.contains("log \(folder): line \(entries[0] + 1): entry 1 out of order (expected 0)"))
        #expect(found.contains("log \(folder): line \(entries[1] + 1): entry 0 out of order (expected 1)"))
        #expect(
            found.contains {
                $0.hasPrefix("log \(folder): line ") && $0.hasSuffix("does not match the entries before it")
            }
        )
        #expect(found.contains { $0.hasPrefix("head \(folder) size 2: the log's entries give root ") })
    }

    @Test func aTruncatedLogLeavesMessagesOutsideItAndFailsTheAnchoredHead() async throws {
        let archive = try await Archive()
        let lines = EvidenceFixtures.logLines(archive.root)
        // Cut back to the first commit's head: a log that holds together, without the last message.
        let firstHead = try #require(lines.firstIndex { $0.hasPrefix("{\"head\":") })
        EvidenceFixtures.writeLog(archive.root, Array(lines[...firstHead]))
        let found = try archive.verify()
        let folder = EvidenceFixtures.folderPath
        #expect(found.count == 2)
        #expect(found.first?.hasPrefix("added \(folder)/new/") == true)
        #expect(found.first?.hasSuffix("Message-ID \(Self.ids[2]) is not in the log") == true)
        #expect(found.last == "head \(folder) size 3: the log holds only 2 entries")
    }

    /// The attack a log alone cannot catch: someone with write access to both alters a message and rewrites the
    /// log to match, with new, self-consistent heads. Only the head anchored outside the machine catches it.
    @Test func aLogRewrittenWithANewHeadIsCaughtOnlyByTheAnchoredHead() async throws {
        let archive = try await Archive()
        let path = archive.file(Self.ids[0])
        var bytes = Array(try #require(FileManager.default.contents(atPath: path)))
        bytes[bytes.count - 3] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        // Rewrite the log from scratch as the archiver would have written it for the altered bytes.
        var frontier = MerkleFrontier()
        var rewritten: [String] = []
        for line in EvidenceFixtures.logLines(archive.root) {
            switch EvidenceLogRecord.parse(Array(line.utf8)) {
            case .entry(let index, var entry)?:
                if entry.messageID == Self.ids[0] { entry.sha256 = SHA256.hash(bytes) }
                let record = EvidenceLogRecord.entry(index: index, entry).line
                frontier.append(entry: record.dropLast())
                rewritten.append(String(decoding: record.dropLast(), as: UTF8.self))
            case .head(var head, _)?:
                head.root = frontier.root
                rewritten.append(
                    String(
                        decoding: EvidenceLogRecord.head(head, frontier: frontier.hashes).line.dropLast(),
                        as: UTF8.self
                    )
                )
            default:
                rewritten.append(line)
            }
        }
        EvidenceFixtures.writeLog(archive.root, rewritten)
        #expect(try archive.verify(anchored: false) == [])
        let found = try archive.verify()
        let folder = EvidenceFixtures.folderPath
        #expect(found.count == 2)
        #expect(found.allSatisfy { $0.hasPrefix("head \(folder) size ") && $0.hasSuffix(", not the anchored one") })
    }

    /// What a mail client does when it reads and flags messages: moves them to `cur/` with flags in the name.
    @Test func messagesMovedToCurAndFlaggedStillVerify() async throws {
        let archive = try await Archive()
        for id in Self.ids {
            let path = archive.file(id)
            let name = String(path.split(separator: "/").last!)
            try FileManager.default.moveItem(atPath: path, toPath: archive.folder + "/cur/" + name + ":2,RS")
        }
        #expect(EvidenceFixtures.names(archive.folder + "/new").isEmpty)
        #expect(try archive.verify() == [])
    }

    @Test func aDamagedLogLineIsReportedWithItsNumber() async throws {
        let archive = try await Archive()
        var lines = EvidenceFixtures.logLines(archive.root)
        lines.insert("{\"entry\":\"x\"}", at: 0)
        EvidenceFixtures.writeLog(archive.root, lines)
        let found = try archive.verify()
        #expect(found.first == "log \(EvidenceFixtures.folderPath): line 1: not a log record")
    }
}
