import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `Scripts/fake-graph.py` run as a child process on a loopback port for the duration of a test.
final class FakeGraph: Sendable {
    static let tenant = "contoso.onmicrosoft.com"
    static let clientID = "11111111-2222-3333-4444-555555555555"
    static let secret = "fake-graph client secret ~!"

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let script = repository.appendingPathComponent("Scripts/fake-graph.py").path

    let baseURL: URL
    private let process: Process
    private let input: Pipe
    /// The directory that ``scratch()`` makes its directories in, removed with the fake: a sink's state directory
    /// lives as long as the test that made it.
    private let scratchRoot: String

    struct StartError: Error { var output: String }

    /// Starts the fake with `mailboxes` and the extra switches of its `--help`.
    init(mailboxes: [String], arguments: [String] = []) throws {
        scratchRoot = try ArchiveDailyProcess.scratch()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            ["python3", Self.script, "--tenant", Self.tenant, "--client-id", Self.clientID, "--idle-timeout", "300"]
            + mailboxes.flatMap { ["--mailbox", $0] } + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["FAKE_GRAPH_SECRET"] = Self.secret
        process.environment = environment
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            try? FileManager.default.removeItem(atPath: scratchRoot)
            throw StartError(output: text)
        }
        baseURL = URL(string: "http://127.0.0.1:\(port)")!
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: scratchRoot)
    }

    /// A new empty directory (a sink's state, a journal), removed when the fake is.
    func scratch() throws -> String {
        let path = scratchRoot + "/" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        return path
    }

    private func get(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: baseURL.appendingPathComponent(path))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// The counters of `/_fake/stats`.
    func stats() throws -> [String: Int] {
        try get("_fake/stats").compactMapValues { $0 as? Int }
    }

    /// Every mailbox's folders and messages.
    func mailboxes() throws -> [String: [String: Any]] {
        try get("_fake/state")["mailboxes"] as? [String: [String: Any]] ?? [:]
    }

    /// The messages of `mailbox` (every folder).
    func messages(_ mailbox: String) throws -> [[String: Any]] {
        try mailboxes()[mailbox]?["messages"] as? [[String: Any]] ?? []
    }

    /// The folders of `mailbox`.
    func folders(_ mailbox: String) throws -> [[String: Any]] {
        try mailboxes()[mailbox]?["folders"] as? [[String: Any]] ?? []
    }

    /// Changes fault switches while the fake runs (`POST /_fake/options`).
    func set(_ options: [String: Any]) async throws {
        var request = URLRequest(url: baseURL.appendingPathComponent("_fake/options"))
        request.httpMethod = "POST"
        request.httpBody = try JSONSerialization.data(withJSONObject: options)
        _ = try await URLSession.shared.data(for: request)
    }

    /// The archive-daily options that point at this fake.
    var archiveDailyArguments: [String] {
        [
            "--m365-tenant", Self.tenant, "--m365-client-id", Self.clientID, "--m365-login-url", baseURL.absoluteString,
            "--m365-graph-url", baseURL.absoluteString,
        ]
    }
}
