import Foundation
import Synchronization
import WhatsAppArchiver

/// Runs the `archive-daily` executable that `swift build` put beside the tests.
enum ArchiveDailyProcess {
    static let demoExport = FakeGraph.repository.appendingPathComponent("Examples/demo-export").path
    static let window = ["--from", "2026-11-23T00:00:00Z", "--until", "2026-11-24T00:00:00Z"]

    struct LaunchError: Error { var message: String }

    static func executable() throws -> URL {
        var directory = Bundle.main.bundleURL
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("archive-daily")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw LaunchError(message: "archive-daily is not built next to the tests")
    }

    /// Runs archive-daily with `arguments`; the client secret is in the environment, never an argument.
    static func run(
        _ arguments: [String],
        secret: String? = FakeGraph.secret
    ) throws -> (
        status: Int32, output: String, errors: String
    ) {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["M365_CLIENT_SECRET"] = secret
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let errorData = Mutex(Data())
        let reader = Thread { errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while reader.isExecuting { usleep(1000) }
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData.withLock { $0 }, as: UTF8.self)
        )
    }

    static func report(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    static func scratch() throws -> String {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = base + "/m365-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Writes an export of `count` 1:1 messages from Alice (alice@contoso.com by her email) to Carol
    /// (carol@contoso.com), the `big` one with an attachment of `bigSize` random bytes; returns its directory and
    /// the attachment's SHA-256 (hex).
    static func export(count: Int, bigAttachmentSize: Int? = nil, start: Int = 0) throws -> (String, String?) {
        let directory = try scratch()
        try FileManager.default.createDirectory(atPath: directory + "/attachments", withIntermediateDirectories: true)
        var lines: [String] = []
        var digest: String?
        for index in start..<(start + count) {
            let time = String(format: "2026-11-23T10:%02d:%02dZ", index / 60 % 60, index % 60)
            var attachments = ""
            if let size = bigAttachmentSize, index == start {
                let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
                let bytes = Array(random.readData(ofLength: size))
                try random.close()
                try Data(bytes).write(to: URL(fileURLWithPath: directory + "/attachments/att-big"))
                let hex = sha256Hex(bytes)
                digest = hex
                attachments =
                    #","attachments":[{"id":"att-big","fileName":"recording.mp4","contentType":"video/mp4","#
                    + #""size":\#(size),"sha256":"\#(hex)","kind":"video"}]"#
            }
            lines.append(
                #"{"id":"m-\#(index)","network":"whatsapp","kind":"message","capturedAt":"\#(time)","sentAt":"\#(time)","#
                    + #""owner":{"phone":"+46701234567"},"conversation":{"id":"c1","type":"individual"},"#
                    + #""from":{"phone":"+46701234567","name":"Alice","email":"alice@contoso.com"},"#
                    + #""to":[{"phone":"+12124325249","name":"Carol","email":"carol@contoso.com"}],"#
                    + #""text":"message number \#(index)"\#(attachments)}"#
            )
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(
            to: URL(fileURLWithPath: directory + "/items.jsonl")
        )
        return (directory, digest)
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hexDigest(bytes)
    }
}
