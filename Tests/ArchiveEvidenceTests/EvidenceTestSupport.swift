import ArchiveEvidence
import Foundation
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A directory of its own for one test, removed when the value goes away.
final class EvidenceScratch {
    let path: String
    var root: String { path + "/maildir" }

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/evidence-test-XXXXXX").utf8CString)
        guard let created = mkdtemp(&template) else {
            throw ArchiverError(.storageFailed, "mkdtemp failed: errno \(errno)")
        }
        path = String(cString: created)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

enum EvidenceFixtures {
    static let alice = MailboxAddress("alice@contoso.com")!
    static let bob = MailboxAddress("bob@contoso.com")!
    static let folderPath = "alice@contoso.com/.WhatsApp Archiver"
    static let clock: @Sendable () -> Date = { SampleItems.baseDate }

    static func messageBytes(id: String, body: String = "Hello from WhatsApp") -> [UInt8] {
        Array(
            ("From: Alice <alice@contoso.com>\r\nTo: Bob <bob@contoso.com>\r\nSubject: Hello\r\n"
                + "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <\(id)>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n\r\n\(body)\r\n").utf8
        )
    }

    static func delivery(id: String, to mailbox: MailboxAddress = alice, body: String? = nil) -> Delivery {
        let bytes = messageBytes(id: id, body: body ?? "Hello from WhatsApp, message \(id)")
        let message = EmailMessage(messageID: id, date: SampleItems.baseDate, body: EmailBody(bytes: bytes))
        return Delivery(
            mailboxes: [mailbox],
            folder: "WhatsApp Archiver",
            message: message,
            item: SampleItems.message(id: id)
        )
    }

    static func log(run: String = "run-1") -> EvidenceLog {
        var configuration = EvidenceLog.Configuration(runID: run)
        configuration.clock = clock
        return EvidenceLog(configuration: configuration)
    }

    /// Opens a sink with an evidence log over `root`, delivers `ids` to alice, commits, closes; returns the log.
    @discardableResult
    static func archive(_ ids: [String], root: String, run: String = "run-1") async throws -> EvidenceLog {
        let log = log(run: run)
        var configuration = MaildirSink.Configuration(root: root)
        configuration.commitLog = log
        let sink = try MaildirSink(configuration: configuration)
        for id in ids { _ = try await sink.deliver(delivery(id: id)) }
        _ = try await sink.commit()
        try await sink.close()
        return log
    }

    static func verify(_ root: String, heads: [AnchoredHead] = []) throws -> [String] {
        var configuration = ArchiveVerifier.Configuration(root: root)
        configuration.anchoredHeads = heads
        return try ArchiveVerifier(configuration: configuration).verify().discrepancies.map(\.description)
    }

    static func names(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func logLines(_ root: String, folder: String = folderPath) -> [String] {
        let bytes = FileManager.default.contents(atPath: root + "/" + folder + "/archive-evidence.log") ?? Data()
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    static func writeLog(_ root: String, _ lines: [String], folder: String = folderPath) {
        let text = lines.map { $0 + "\n" }.joined()
        _ = FileManager.default.createFile(
            atPath: root + "/" + folder + "/archive-evidence.log",
            contents: Data(text.utf8)
        )
    }

    /// The package's directory, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()
}

/// Runs the auditor's verifier, `Documentation/verify_archive.py`, with Python 3 (standard library only).
enum PythonVerifier {
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") }
    static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// The lines it prints and its exit status.
    static func run(_ arguments: [String]) throws -> (lines: [String], status: Int32) {
        try runScript([EvidenceFixtures.packageRoot + "/Documentation/verify_archive.py"] + arguments)
    }

    /// Runs `python3` with `arguments`: the lines it prints and its exit status.
    static func runScript(_ arguments: [String]) throws -> (lines: [String], status: Int32) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
        return (lines, process.terminationStatus)
    }

    /// Writes `heads` as a run report's `logHeads` into a file, for `--heads`.
    static func headsFile(_ heads: [AnchoredHead], in directory: String) throws -> String {
        var report = RunReport(
            window: try TimeWindow(from: SampleItems.baseDate, until: SampleItems.baseDate.addingTimeInterval(1))
        )
        report.logHeads = heads.map { RunReport.LogHead(path: $0.folderPath, size: $0.size, root: SHA256.hex($0.root)) }
        let path = directory + "/heads.json"
        try report.jsonData().write(to: URL(fileURLWithPath: path))
        return path
    }
}
