import ArchiveEvidence
import Foundation
import Testing
import WhatsAppArchiver

/// `archive-export` on the demo archive: one RSMF file per conversation per day, a load file whose digests and log
/// entries hold, the same bytes when produced twice; with Python and jsonschema at hand, the independent oracle
/// (`Scripts/check-rsmf.py`) checks every manifest against the RSMF 2.0 schema and every event against its item.
@Suite struct ArchiveExportToolTests {
    @Test func theDemoArchiveIsProducedInRSMFWithALoadFileThatHolds() throws {
        let scratch = try EvidenceScratch()
        _ = try ArchiveToolsTests.archiveDemo(scratch)
        let mailboxes = EvidenceFixtures.names(scratch.root).filter { $0.contains("@") }
        #expect(mailboxes == ["alice@contoso.com", "carol@contoso.com"])
        func export(_ out: String, _ extra: [String] = []) throws -> (status: Int32, output: String, errors: String) {
            try ArchiveToolsTests.run(
                "archive-export",
                ["--maildir", scratch.root, "--from", "2026-11-23T00:00:00Z", "--until", "2026-11-24T00:00:00Z"]
                    + mailboxes.flatMap { ["--mailbox", $0] } + ["--out", out] + extra
            )
        }
        let out = scratch.path + "/production"
        let result = try export(out)
        #expect(result.status == 0, "\(result.errors)")
        let files = EvidenceFixtures.names(out).filter { $0.hasSuffix(".rsmf") }
        #expect(files.count == 2)
        #expect(files.allSatisfy { $0.hasSuffix("_2026-11-23.rsmf") })
        let csv = String(decoding: try Data(contentsOf: URL(fileURLWithPath: out + "/loadfile.csv")), as: UTF8.self)
        let rows = csv.split(separator: "\r\n").map { String($0) }
        #expect(rows.first?.hasPrefix("FileName,SHA256,ConversationID,") == true)
        #expect(rows.count == 3)
        for row in rows.dropFirst() {
            let columns = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out + "/" + columns[0]))
            #expect(columns[1] == SHA256.hexDigest(bytes))
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(text.contains("\r\nX-RSMF-Version: 2.0.0\r\n"))
            #expect(text.contains("Content-Disposition: attachment; filename=\"rsmf.zip\""))
            // Every source message's log entry: the entry at that index holds the message's digest.
            for proof in columns.last!.split(separator: ";") {
                let parts = proof.split(separator: "=")
                let location = parts[0].split(separator: "#")
                let folder = String(location[0])
                let index = try #require(Int(location[1]), "\(proof)")
                let entries = EvidenceFixtures.logLines(scratch.root, folder: folder).filter {
                    $0.hasPrefix("{\"entry\":")
                }
                #expect(entries[index].contains("\"sha256\":\"\(parts[1])\""), "\(proof)")
            }
        }
        // Narrowed to one conversation; and the same production again gives the same bytes.
        let narrowed = try export(scratch.path + "/one", ["--conversation", "120363025@g.us"])
        #expect(narrowed.status == 0)
        #expect(EvidenceFixtures.names(scratch.path + "/one").filter { $0.hasSuffix(".rsmf") }.count == 1)
        _ = try export(scratch.path + "/again")
        for file in files + ["loadfile.csv"] {
            #expect(
                FileManager.default.contents(atPath: out + "/" + file)
                    == FileManager.default.contents(atPath: scratch.path + "/again/" + file)
            )
        }
        let checker = EvidenceFixtures.packageRoot + "/Scripts/check-rsmf.py"
        let schema = EvidenceFixtures.packageRoot + "/../shared/rsmf/rsmf_schema_2_0_0.json"
        if PythonVerifier.isAvailable, FileManager.default.fileExists(atPath: schema),
            (try? PythonVerifier.runScript(["-c", "import jsonschema"]).status) == 0
        {
            let check = try PythonVerifier.runScript([
                checker, "--out", out, "--maildir", scratch.root, "--schema", schema, "--items",
                ArchiveToolsTests.demoExport + "/items.jsonl",
            ])
            #expect(check.status == 0, "\(check.lines)")
        }
    }

    @Test(arguments: [
        [String](),
        ["--maildir", "x", "--out", "y", "--from", "2026-11-23T00:00:00Z", "--until", "2026-11-24T00:00:00Z"],
        [
            "--maildir", "x", "--mailbox", "a@b.c", "--out", "y", "--from", "yesterday", "--until",
            "2026-11-24T00:00:00Z",
        ],
        [
            "--maildir", "x", "--mailbox", "a@b.c", "--out", "y", "--from", "2026-11-24T00:00:00Z", "--until",
            "2026-11-23T00:00:00Z",
        ],
    ])
    func wrongUsageExitsWithTwo(arguments: [String]) throws {
        let result = try ArchiveToolsTests.run("archive-export", arguments)
        #expect(result.status == 2)
        #expect(result.errors.hasPrefix("archive-export: "))
    }
}
