import ArchiveEvidence
import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// A crash at every point of a commit with an evidence log, the sink's own and the log's, then a rerun with a new
/// sink and log (a new process) that redelivers everything after the checkpoint: afterwards folder and log agree,
/// each message stored once and logged once, and the verifier finds nothing.
@Suite struct EvidenceCrashTests {
    struct Crash: Error {}

    enum Point: Sendable, Hashable, CustomTestStringConvertible {
        case sink(MaildirSink.FaultPoint)
        case log(EvidenceLog.FaultPoint)
        var testDescription: String { "\(self)" }
    }

    static let points: [Point] =
        [.afterTemporaryWrite, .afterSync, .afterRename(count: 1), .afterRename(count: 2), .afterRename(count: 3)]
        .map { Point.sink($0) } + [.log(.afterIntents), .log(.tornAppend), .log(.afterAppend)]
        + [.sink(.afterDirectorySync)]

    static let ids = ["crash.1@archiver.invalid", "crash.2@archiver.invalid", "crash.3@archiver.invalid"]

    @Test(arguments: points, [false, true])
    func afterACrashAnywhereTheRerunLeavesFolderAndLogInAgreement(point: Point, syncsWholeFileSystem: Bool) async throws
    {
        let scratch = try EvidenceScratch()
        // A first commit, so that the crash happens to a log that already has a head.
        try await EvidenceFixtures.archive(["before@archiver.invalid"], root: scratch.root)

        var logConfiguration = EvidenceLog.Configuration(runID: "crashing")
        logConfiguration.clock = EvidenceFixtures.clock
        logConfiguration.faultInjection = { if point == .log($0) { throw Crash() } }
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.commitLog = EvidenceLog(configuration: logConfiguration)
        configuration.syncsWholeFileSystem = syncsWholeFileSystem
        var hooks = MaildirSink.Hooks()
        hooks.faultInjection = { if point == .sink($0) { throw Crash() } }
        let crashing = try MaildirSink(configuration: configuration, hooks: hooks)
        var crashed = false
        do {
            for id in Self.ids { _ = try await crashing.deliver(EvidenceFixtures.delivery(id: id)) }
            _ = try await crashing.commit()
        } catch {
            crashed = true
        }
        #expect(crashed)
        try? await crashing.close()

        // Before the rerun the verifier reports at most files an interrupted commit stored (pending), nothing else.
        let between = try EvidenceFixtures.verify(scratch.root)
        #expect(between.allSatisfy { $0.hasPrefix("pending ") }, "\(between)")
        if PythonVerifier.isAvailable {
            #expect(try PythonVerifier.run(["--maildir", scratch.root]).lines == between)
        }

        // The rerun: the checkpoint did not move, so every item is delivered again.
        let rerun = try await EvidenceFixtures.archive(Self.ids, root: scratch.root, run: "rerun")
        let folder = scratch.root + "/" + EvidenceFixtures.folderPath
        #expect(EvidenceFixtures.names(folder + "/new").count == 4)
        #expect(EvidenceFixtures.names(folder + "/tmp").isEmpty)
        let lines = EvidenceFixtures.logLines(scratch.root)
        let entries = lines.compactMap { line -> EvidenceLogEntry? in
            if case .entry(_, let entry)? = EvidenceLogRecord.parse(Array(line.utf8)) { return entry }
            return nil
        }
        #expect(entries.map(\.messageID).sorted() == (["before@archiver.invalid"] + Self.ids).sorted())
        let after = try EvidenceFixtures.verify(scratch.root)
        #expect(after.isEmpty, "\(after)")
        let last = try #require(lines.last.flatMap { EvidenceLogRecord.parse(Array($0.utf8)) })
        guard case .head(let head, _) = last else {
            Issue.record("the log does not end with a head")
            return
        }
        #expect(head.size == 4)
        if let written = rerun.heads.first?.head { #expect(written == head) }
        // The first head still holds: the crash rewrote nothing that was committed.
        let heads = lines.compactMap { line -> EvidenceLogHead? in
            if case .head(let head, _)? = EvidenceLogRecord.parse(Array(line.utf8)) { return head }
            return nil
        }
        let firstHead = try #require(heads.first)
        #expect(firstHead.size == 1)
        let anchored = [AnchoredHead(folderPath: EvidenceFixtures.folderPath, size: 1, root: firstHead.root)]
        #expect(try EvidenceFixtures.verify(scratch.root, heads: anchored).isEmpty)
        if PythonVerifier.isAvailable {
            let python = try PythonVerifier.run([
                "--maildir", scratch.root, "--heads", try PythonVerifier.headsFile(anchored, in: scratch.path),
            ])
            #expect(python.lines.isEmpty && python.status == 0, "\(python)")
        }
    }
}
