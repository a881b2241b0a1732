import ArchiveEvidence
import Foundation
import Testing
import WhatsAppArchiver

/// The intent and entry lines the log writes straight from the committed files are byte for byte those of
/// `EvidenceLogRecord`, whether an entry reuses the parts its intent wrote (a complete after its prepare), writes them
/// anew (a complete without a prepare, a file the prepare did not have), or skips files the commit did not store.
@Suite struct EvidenceLogLinesTests {
    static let time = "2026-11-23T10:00:00Z"
    static let folders = ["alice@contoso.com/.WhatsApp Archiver", "bob@contoso.com/.WhatsApp Archiver"]

    /// A file whose `Message-ID` and name need JSON escapes, in folder `folder`.
    static func file(_ number: Int, folder: Int) -> MaildirCommittedFile {
        MaildirCommittedFile(
            folderPath: folders[folder],
            messageID: "wa.\(number) \"quoted\" \\ é\u{1}\u{2028}@archiver.invalid",
            sha256: (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ number) },
            size: Int64(1_000 + number),
            fileName: "17953926\(number).wa\(number)\tname,S=\(1_000 + number)"
        )
    }

    /// A log over a new root holding the two folders, opened as a sink opens it.
    static func openLog(_ scratch: EvidenceScratch, run: String = "run \"one\"") throws -> EvidenceLog {
        for folder in folders {
            try FileManager.default.createDirectory(
                atPath: scratch.root + "/" + folder,
                withIntermediateDirectories: true
            )
        }
        let log = EvidenceFixtures.log(run: run)
        try log.recover(root: scratch.root)
        return log
    }

    /// The lines `EvidenceLogRecord` writes for `files` of one folder: an intent each when `intents`, then an entry
    /// each from leaf `firstIndex`, then the head the log must have written over every entry line so far.
    static func expectedLines(
        _ files: [MaildirCommittedFile],
        run: String,
        firstIndex: Int,
        frontier: inout MerkleFrontier
    ) -> [String] {
        files.enumerated().map { offset, file in
            let line = EvidenceLogRecord.entry(index: firstIndex + offset, entry(file, run: run)).line.dropLast()
            frontier.append(entry: line)
            return String(decoding: line, as: UTF8.self)
        }
    }

    static func intentLines(_ files: [MaildirCommittedFile], run: String, size: Int) -> [String] {
        files.map { file in
            String(decoding: EvidenceLogRecord.intent(size: size, entry(file, run: run)).line.dropLast(), as: UTF8.self)
        }
    }

    /// What the log records of `file` in a commit of this test's `time` and `run`.
    static func entry(_ file: MaildirCommittedFile, run: String) -> EvidenceLogEntry {
        EvidenceLogEntry(
            messageID: file.messageID,
            sha256: file.sha256,
            size: file.size,
            time: time,
            run: run,
            fileName: file.fileName
        )
    }

    /// The head line of `lines`, parsed; fails the test when the last line is not a head over `frontier`.
    static func expectHead(_ lines: [String], over frontier: MerkleFrontier, run: String) {
        guard case .head(let head, let hashes)? = EvidenceLogRecord.parse(Array((lines.last ?? "").utf8)) else {
            Issue.record("no head at the end: \(lines.last ?? "")")
            return
        }
        #expect(head.size == frontier.size)
        #expect(head.root == frontier.root)
        #expect(hashes == frontier.hashes)
        #expect(head.run == run)
    }

    @Test func entriesAfterAPrepareAreTheRecordsLinesAndSkipWhatWasNotStored() throws {
        let scratch = try EvidenceScratch()
        let run = "run \"one\""
        let log = try Self.openLog(scratch, run: run)
        // Interleaved folders, as a batch of messages for several mailboxes comes.
        let prepared = (0..<6).map { Self.file($0, folder: $0 % 2) }
        try log.prepare(prepared, syncingFileSystem: false)
        // Files 2 and 3 were not stored (the same message already in the folder).
        let stored = [prepared[0], prepared[1], prepared[4], prepared[5]]
        try log.complete(stored, syncingFileSystem: false)
        for folder in 0..<2 {
            let lines = EvidenceFixtures.logLines(scratch.root, folder: Self.folders[folder])
            var frontier = MerkleFrontier()
            let intents = Self.intentLines(prepared.filter { $0.folderPath == Self.folders[folder] }, run: run, size: 0)
            let entries = Self.expectedLines(
                stored.filter { $0.folderPath == Self.folders[folder] },
                run: run,
                firstIndex: 0,
                frontier: &frontier
            )
            #expect(Array(lines.dropLast()) == intents + entries)
            Self.expectHead(lines, over: frontier, run: run)
        }
    }

    @Test func entriesWithoutAPrepareOrForFilesItDidNotHaveAreWrittenAnew() throws {
        let scratch = try EvidenceScratch()
        let run = "run-2"
        let log = try Self.openLog(scratch, run: run)
        // A complete with no prepare before it.
        let first = [Self.file(0, folder: 0), Self.file(1, folder: 1), Self.file(2, folder: 0)]
        try log.complete(first, syncingFileSystem: false)
        // A prepare for alice's folder only, then a complete that also has a file the prepare did not have in that
        // folder, and one in bob's folder, which the prepare did not touch.
        let prepared = [Self.file(3, folder: 0), Self.file(4, folder: 0)]
        try log.prepare(prepared, syncingFileSystem: false)
        let second = [Self.file(5, folder: 1), prepared[0], Self.file(6, folder: 0), prepared[1]]
        try log.complete(second, syncingFileSystem: false)

        var alice = MerkleFrontier()
        let aliceLines = EvidenceFixtures.logLines(scratch.root, folder: Self.folders[0])
        let aliceFirst = Self.expectedLines([first[0], first[2]], run: run, firstIndex: 0, frontier: &alice)
        #expect(Array(aliceLines[0..<2]) == aliceFirst)
        let aliceIntents = Self.intentLines(prepared, run: run, size: 2)
        #expect(Array(aliceLines[3..<5]) == aliceIntents)
        let aliceSecond = Self.expectedLines(
            [prepared[0], Self.file(6, folder: 0), prepared[1]],
            run: run,
            firstIndex: 2,
            frontier: &alice
        )
        #expect(Array(aliceLines[5..<8]) == aliceSecond)
        #expect(aliceLines.count == 9)
        Self.expectHead(aliceLines, over: alice, run: run)

        var bob = MerkleFrontier()
        let bobLines = EvidenceFixtures.logLines(scratch.root, folder: Self.folders[1])
        let bobEntries =
            Self.expectedLines([first[1]], run: run, firstIndex: 0, frontier: &bob)
            + Self.expectedLines([second[0]], run: run, firstIndex: 1, frontier: &bob)
        #expect(bobLines.count == 4)
        #expect([bobLines[0], bobLines[2]] == bobEntries)
        Self.expectHead(bobLines, over: bob, run: run)
    }
}
