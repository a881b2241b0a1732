import ArchiveEvidence
import Foundation
import Synchronization
import Testing
import WhatsAppArchiver

/// The example executables as an operator and an auditor run them: `archive-daily` on the demo export writes the
/// heads into its report, `archive-verify --heads` checks the archive against them, with the documented exit
/// statuses.
@Suite struct ArchiveToolsTests {
    static let demoExport = EvidenceFixtures.packageRoot + "/Examples/demo-export"
    static let window = ["--from", "2026-11-23T00:00:00Z", "--until", "2026-11-24T00:00:00Z"]

    struct LaunchError: Error { var message: String }

    /// Runs an executable `swift build` put next to the test bundle.
    static func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, errors: String) {
        var directory = Bundle.main.bundleURL
        var executable: URL?
        while directory.path != "/" && executable == nil {
            let candidate = directory.appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { executable = candidate }
            directory = directory.deletingLastPathComponent()
        }
        guard let executable else { throw LaunchError(message: "\(name) is not built next to the tests") }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorData = Mutex(Data())
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() }
            done.signal()
        }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        done.wait()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData.withLock { $0 }, as: UTF8.self)
        )
    }

    /// Archives the demo export into `scratch` with a report.
    static func archiveDemo(_ scratch: EvidenceScratch) throws -> String {
        let report = scratch.path + "/report.json"
        let result = try run(
            "archive-daily",
            [
                "--export", demoExport, "--maildir", scratch.root, "--mapping", demoExport + "/mapping.csv",
                "--domain", "contoso.com", "--report", report,
            ] + window
        )
        #expect(result.status == 0, "\(result.errors)")
        return report
    }

    @Test func archiveDailyReportsTheHeadsAndArchiveVerifyChecksThem() throws {
        let scratch = try EvidenceScratch()
        let report = try Self.archiveDemo(scratch)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
        )
        let heads = try #require(json["logHeads"] as? [[String: Any]])
        #expect(!heads.isEmpty)
        #expect(heads.allSatisfy { ($0["path"] as? String)?.hasSuffix("/.WhatsApp Archiver") == true })
        let total = heads.compactMap { $0["size"] as? Int }.reduce(0, +)
        #expect(total == (json["imported"] as? Int ?? -1) + (json["partiallyImported"] as? Int ?? -1))

        let clean = try Self.run("archive-verify", ["--maildir", scratch.root, "--heads", report])
        #expect(clean.status == 0, "\(clean.output)\(clean.errors)")
        #expect(clean.output.isEmpty)
        #expect(clean.errors.contains("everything verifies"))

        // A rerun of the same window stores nothing, logs nothing and reports no head.
        let rerunReport = scratch.path + "/rerun.json"
        let rerun = try Self.run(
            "archive-daily",
            [
                "--export", Self.demoExport, "--maildir", scratch.root, "--mapping", Self.demoExport + "/mapping.csv",
                "--domain", "contoso.com", "--report", rerunReport,
            ] + Self.window
        )
        #expect(rerun.status == 0)
        let rerunJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: rerunReport)))
        #expect((rerunJSON as? [String: Any])?["logHeads"] == nil)

        // One flipped byte: exit 1, one line; in every mailbox that shares the hard-linked file.
        let folder = scratch.root + "/" + (heads[0]["path"] as! String)
        let name = try #require(EvidenceFixtures.names(folder + "/new").first)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: folder + "/new/" + name))
        try handle.seek(toOffset: 40)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: 40)
        try handle.write(contentsOf: [byte ^ 0x01])
        try handle.close()
        let tampered = try Self.run("archive-verify", ["--maildir", scratch.root, "--heads", report])
        #expect(tampered.status == 1)
        let lines = tampered.output.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("altered ") }, "\(tampered.output)")
        #expect(lines.contains { $0.hasPrefix("altered \(heads[0]["path"] as! String)/new/\(name): ") })
        // --mailbox narrows it to one mailbox.
        let mailbox = String((heads[0]["path"] as! String).split(separator: "/")[0])
        let narrowed = try Self.run("archive-verify", ["--maildir", scratch.root, "--mailbox", mailbox])
        #expect(narrowed.status == 1)
        #expect(narrowed.output.split(separator: "\n").count == 1)
    }

    @Test(arguments: [
        [String](), ["--maildir"], ["--maildir", "x", "--bogus"], ["--maildir", "x", "--mailbox", "not an address"],
    ])
    func wrongUsageExitsWithTwo(arguments: [String]) throws {
        let result = try Self.run("archive-verify", arguments)
        #expect(result.status == 2)
        #expect(result.errors.contains("usage: archive-verify"))
    }
}
