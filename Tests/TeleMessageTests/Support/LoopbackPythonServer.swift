import Foundation

/// A Python HTTP server started as a child process for a test, which prints `PORT <n>` once it listens on
/// 127.0.0.1 and exits when its standard input closes.
struct LoopbackPythonServer {
    let process: Process
    let input: Pipe
    let baseURL: URL

    struct StartError: Error { var output: String }

    /// Starts `python3` with `arguments` and waits for its `PORT` line.
    init(arguments: [String], environment: [String: String]? = nil) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        if let environment { process.environment = environment }
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
            throw StartError(output: text)
        }
        baseURL = URL(string: "http://127.0.0.1:\(port)")!
    }

    /// Stops the server: closing its standard input makes it exit.
    func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
    }
}
