import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a run of `archive-daily` left behind, read back from the files alone.
enum ArchiveInspection {
    /// How many times each (item id, mailbox) pair is stored in `<maildir>/<mailbox>/.WhatsApp Archiver/{new,cur}`,
    /// by the `X-TeleMessage-Item-Id` header of each file, keyed `"<item id> <mailbox>"`.
    static func storedPairs(in maildir: String) throws -> [String: Int] {
        var pairs: [String: Int] = [:]
        for (mailbox, files) in try ArchiveDailyEndToEndTests.messages(in: maildir) {
            for file in files {
                let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
                let id = itemID(in: bytes) ?? "<no item id in \(file)>"
                pairs["\(id) \(mailbox)", default: 0] += 1
            }
        }
        return pairs
    }

    /// The unfolded value of `X-TeleMessage-Item-Id` in a stored message's header section.
    static func itemID(in message: Data) -> String? {
        let end = message.range(of: Data("\n\n".utf8))?.lowerBound ?? message.endIndex
        let section = String(decoding: message[..<end], as: UTF8.self)
        for line in section.split(separator: "\n") where line.lowercased().hasPrefix("x-telemessage-item-id:") {
            return line.dropFirst("x-telemessage-item-id:".count).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Every file left in a `tmp/` directory of the tree.
    static func temporaryFiles(in maildir: String) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: maildir)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            let url = URL(fileURLWithPath: path)
            if url.deletingLastPathComponent().lastPathComponent == "tmp" { found.append(path) }
        }
        return found
    }

    /// The checkpoint's position as written, or `nil` when there is no checkpoint file.
    static func checkpoint(in stateDirectory: String) -> String? {
        guard let data = FileManager.default.contents(atPath: stateDirectory + "/checkpoint.json"),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["position"] as? String
    }

    /// Runs `archive-daily`, killing it after `timeout` seconds: a run that hangs is a failure to report, not a
    /// test that never ends.
    static func run(
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: TimeInterval = 120
    ) throws -> (status: Int32, errors: String, timedOut: Bool) {
        let process = Process()
        process.executableURL = try ArchiveDailyEndToEndTests.executable()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        let errorData = Mutex(Data())
        let reader = Thread { errorData.withLock { $0 = errors.fileHandleForReading.readDataToEndOfFile() } }
        reader.start()
        let deadline = Date().addingTimeInterval(timeout)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                process.terminate()
                usleep(200_000)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        while reader.isExecuting { usleep(1000) }
        return (process.terminationStatus, String(decoding: errorData.withLock { $0 }, as: UTF8.self), timedOut)
    }
}

/// A tmpfs of a few kilobytes, mounted for one test (Linux, as root).
struct TemporaryMount {
    let path: String

    static var isAvailable: Bool {
        #if os(Linux)
        return geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/mount")
        #else
        return false
        #endif
    }

    init(at path: String, kilobytes: Int) throws {
        self.path = path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0700", "tmpfs", path])
    }

    /// Changes the size or the read-only flag of the mounted file system, keeping its files.
    func remount(kilobytes: Int? = nil, readOnly: Bool = false) throws {
        var options = ["remount", readOnly ? "ro" : "rw"]
        if let kilobytes { options.append("size=\(kilobytes)k") }
        try Self.run("/bin/mount", ["-o", options.joined(separator: ","), path])
    }

    func unmount() {
        _ = try? Self.run("/bin/umount", [path])
    }

    struct MountError: Error { var message: String }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw MountError(message: "\(executable) \(arguments) failed with \(process.terminationStatus)")
        }
    }
}
