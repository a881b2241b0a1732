import ArchiveEvidence
import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// The log a Maildir sink writes through its commit: one entry per stored message, a head per commit, nothing for
/// duplicates, heads that extend each other.
@Suite struct EvidenceLogTests {
    @Test func aRunLogsEveryStoredMessageAndEndsWithAHeadOverThem() async throws {
        let scratch = try EvidenceScratch()
        let ids = ["a@archiver.invalid", "b@archiver.invalid", "c@archiver.invalid"]
        let log = try await EvidenceFixtures.archive(ids, root: scratch.root)
        let lines = EvidenceFixtures.logLines(scratch.root)
        // Three intents, three entries, one head.
        #expect(lines.count == 7)
        #expect(lines[0..<3].allSatisfy { $0.hasPrefix("{\"intent\":0,") })
        var frontier = MerkleFrontier()
        let folder = scratch.root + "/" + EvidenceFixtures.folderPath
        for (index, id) in ids.enumerated() {
            let line = lines[3 + index]
            #expect(line.hasPrefix("{\"entry\":\(index),\"messageId\":\"\(id)\",\"sha256\":\""))
            frontier.append(entry: Array(line.utf8))
            guard case .entry(_, let entry)? = EvidenceLogRecord.parse(Array(line.utf8)) else {
                Issue.record("not an entry: \(line)")
                continue
            }
            // The digest is that of the stored file (LF line endings), read back independently.
            let stored = try #require(FileManager.default.contents(atPath: folder + "/new/" + entry.fileName))
            #expect(entry.sha256 == SHA256.hash(Array(stored)))
            #expect(entry.size == Int64(stored.count))
            #expect(!stored.contains(0x0D))
            #expect(entry.run == "run-1")
            #expect(entry.time == "2026-11-23T10:00:00Z")
        }
        guard case .head(let head, _)? = EvidenceLogRecord.parse(Array(lines[6].utf8)) else {
            Issue.record("no head: \(lines[6])")
            return
        }
        #expect(head.size == 3)
        #expect(head.root == frontier.root)
        #expect(log.heads.map(\.folderPath) == [EvidenceFixtures.folderPath])
        #expect(log.heads.first?.head == head)
        #expect(try EvidenceFixtures.verify(scratch.root).isEmpty)
    }

    @Test func aRerunLogsNothingForDuplicatesAndANewRunExtendsTheTree() async throws {
        let scratch = try EvidenceScratch()
        let first = try await EvidenceFixtures.archive(
            ["a@archiver.invalid", "b@archiver.invalid"],
            root: scratch.root
        )
        let before = EvidenceFixtures.logLines(scratch.root)
        let rerun = try await EvidenceFixtures.archive(
            ["a@archiver.invalid", "b@archiver.invalid"],
            root: scratch.root
        )
        #expect(EvidenceFixtures.logLines(scratch.root) == before)
        #expect(rerun.heads.isEmpty)

        let next = try await EvidenceFixtures.archive(
            ["b@archiver.invalid", "c@archiver.invalid"],
            root: scratch.root,
            run: "run-2"
        )
        let lines = EvidenceFixtures.logLines(scratch.root)
        #expect(Array(lines.prefix(before.count)) == before)
        #expect(lines.filter { $0.hasPrefix("{\"entry\":") }.count == 3)
        let oldHead = try #require(first.heads.first?.head)
        let newHead = try #require(next.heads.first?.head)
        #expect(newHead.size == 3 && newHead.run == "run-2")
        // The new head provably extends the anchored old one (RFC 9162 consistency proof).
        let leaves = lines.filter { $0.hasPrefix("{\"entry\":") }.map { MerkleTree.leafHash(Array($0.utf8)) }
        let proof = MerkleTree.consistencyProof(from: 2, to: 3, leaves: leaves)
        #expect(
            MerkleTree.verifyConsistency(
                oldSize: oldHead.size,
                oldRoot: oldHead.root,
                size: newHead.size,
                root: newHead.root,
                proof: proof
            )
        )
        let anchored = [AnchoredHead(folderPath: EvidenceFixtures.folderPath, size: 2, root: oldHead.root)]
        #expect(try EvidenceFixtures.verify(scratch.root, heads: anchored).isEmpty)
    }

    @Test func aMessageForSeveralMailboxesIsLoggedInEachFolder() async throws {
        let scratch = try EvidenceScratch()
        let log = EvidenceFixtures.log()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.commitLog = log
        let sink = try MaildirSink(configuration: configuration)
        var shared = EvidenceFixtures.delivery(id: "shared@archiver.invalid")
        shared.mailboxes = [EvidenceFixtures.alice, EvidenceFixtures.bob]
        _ = try await sink.deliver(shared)
        _ = try await sink.commit()
        try await sink.close()
        #expect(log.heads.map(\.folderPath) == [EvidenceFixtures.folderPath, "bob@contoso.com/.WhatsApp Archiver"])
        #expect(log.heads.allSatisfy { $0.head.size == 1 })
        #expect(try EvidenceFixtures.verify(scratch.root).isEmpty)
    }

    @Test func theLogsRecordsParseBackToWhatWasWritten() {
        let entry = EvidenceLogEntry(
            messageID: "odd \"id\" \\ é\u{1}@x",
            sha256: Array(repeating: 0xAB, count: 32),
            size: 42,
            time: "2026-11-23T10:00:00Z",
            run: "r",
            fileName: "1.wa00.host,S=42,W=44"
        )
        for record in [EvidenceLogRecord.entry(index: 7, entry), .intent(size: 3, entry)] {
            #expect(EvidenceLogRecord.parse(record.line.dropLast()) == record)
        }
        let head = EvidenceLogRecord.head(
            EvidenceLogHead(size: 1, root: Array(repeating: 1, count: 32), time: "t", run: "r"),
            frontier: [Array(repeating: 1, count: 32)]
        )
        #expect(EvidenceLogRecord.parse(head.line.dropLast()) == head)
        #expect(EvidenceLogRecord.parse(Array("{\"entry\":01}".utf8)) == nil)
        #expect(EvidenceLogRecord.parse(Array("not json".utf8)) == nil)
    }
}
