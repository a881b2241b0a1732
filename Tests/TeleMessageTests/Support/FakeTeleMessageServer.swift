import Foundation
import Synchronization

/// `Scripts/fake-telemessage.py` run as a child process on a loopback port, for the duration of a test.
final class FakeTeleMessageServer: Sendable {
    static let username = "archiver@contoso.com"
    static let password = "correct horse battery staple"

    /// The server's base URL.
    var baseURL: URL { server.baseURL }
    private let server: LoopbackPythonServer
    private let statsFile: String

    /// Whether `python3` is on the `PATH`: the tests that need the server are skipped without it.
    static var isAvailable: Bool {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/python3") }
    }

    /// Starts the server over `export` with the given fault switches (see the script's `--help`).
    init(export: String = Fixtures.exportDirectory, faults: [String] = []) throws {
        let scratch = try Fixtures.scratchDirectory()
        statsFile = scratch + "/stats.json"
        var environment = ProcessInfo.processInfo.environment
        environment["FAKE_TELEMESSAGE_PASSWORD"] = Self.password
        server = try LoopbackPythonServer(
            arguments: [
                Fixtures.fakeServerScript, "--export", export, "--username", Self.username, "--stats-file", statsFile,
                "--idle-timeout", "120",
            ] + faults,
            environment: environment
        )
    }

    /// The server's counters: requests, faults injected, sign-ins, range requests.
    func stats() throws -> [String: Int] {
        let data = try Data(contentsOf: URL(fileURLWithPath: statsFile))
        return try JSONSerialization.jsonObject(with: data) as? [String: Int] ?? [:]
    }

    /// Stops the server: closing its standard input makes it exit.
    func stop() {
        server.stop()
    }
}

/// Records the delays an `HTTPTransport` asked to wait, instead of waiting.
final class SleepRecorder: Sendable {
    private let delays = Mutex<[Duration]>([])

    var recorded: [Duration] { delays.withLock { $0 } }

    var sleep: @Sendable (Duration) async throws -> Void {
        { [self] duration in delays.withLock { $0.append(duration) } }
    }
}
