import ArchiveEvidence
import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// The evidence log after a real Dovecot read and flagged the messages (moved them to `cur/` and renamed them
/// `…:2,S` and `…:2,FS`): `archive-verify`'s verifier and the auditor's Python one both find nothing wrong, because
/// the log is keyed on content, not file names. Same requirements as ``MaildirDovecotInteropTests``.
@Suite(.enabled(if: DovecotIMAP.isAvailable || DovecotIMAP.isRequired, "needs root and Debian's dovecot-imapd"))
struct MaildirDovecotEvidenceTests {
    @Test func anArchiveDovecotReadAndFlaggedStillVerifies() async throws {
        try #require(
            DovecotIMAP.isAvailable,
            "CI is set: install dovecot-imapd (.ci/checks/dovecot.sh) and run as root"
        )
        let scratch = try ScratchDirectory()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        let log = EvidenceLog(configuration: .init(runID: "dovecot"))
        configuration.commitLog = log
        let sink = try MaildirSink(configuration: configuration)
        for message in MaildirDovecotInteropTests.messages {
            let delivery = MaildirFixtures.delivery(id: message.id, date: message.date, bytes: message.bytes)
            #expect(try await sink.deliver(delivery).status == .stored)
        }
        _ = try await sink.commit()
        try await sink.close()
        let heads = log.heads.map { AnchoredHead(folderPath: $0.folderPath, size: $0.head.size, root: $0.head.root) }
        #expect(heads.map(\.size) == [3])

        let dovecot = try DovecotIMAP(scratch: scratch, user: "alice@contoso.com")
        let transcript = try dovecot.session([
            "a1 SELECT \"WhatsApp Archiver\"",
            "a2 FETCH 1:* (BODY[])",
            "a3 STORE 2 +FLAGS (\\Flagged)",
            "a4 LOGOUT",
        ])
        let text = String(decoding: transcript, as: UTF8.self)
        for tag in ["a1", "a2", "a3", "a4"] {
            #expect(text.contains("\r\n\(tag) OK "), "\(tag) failed:\n\(text.prefix(4000))")
        }
        let folder = MaildirFixtures.folderPath(scratch.root)
        let current = MaildirFixtures.names(folder + "/cur")
        #expect(MaildirFixtures.names(folder + "/new").isEmpty)
        #expect(current.count == 3)
        #expect(current.filter { $0.hasSuffix(":2,S") }.count == 2, "\(current)")
        #expect(current.filter { $0.hasSuffix(":2,FS") }.count == 1, "\(current)")

        var verification = ArchiveVerifier.Configuration(root: scratch.root)
        verification.anchoredHeads = heads
        let report = try ArchiveVerifier(configuration: verification).verify()
        #expect(report.discrepancies.map(\.description) == [])
        #expect(report.messages == 3 && report.entries == 3)

        // The auditor's verifier agrees.
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        var headsReport = RunReport(window: try TimeWindow(from: SampleItems.baseDate, until: .distantFuture))
        headsReport.logHeads = heads.map {
            RunReport.LogHead(path: $0.folderPath, size: $0.size, root: SHA256.hex($0.root))
        }
        let headsPath = scratch.path + "/heads.json"
        try headsReport.jsonData().write(to: URL(fileURLWithPath: headsPath))
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = [
            url.path + "/Documentation/verify_archive.py", "--maildir", scratch.root, "--heads", headsPath,
        ]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        #expect(printed.isEmpty, "\(String(decoding: printed, as: UTF8.self))")
    }
}
