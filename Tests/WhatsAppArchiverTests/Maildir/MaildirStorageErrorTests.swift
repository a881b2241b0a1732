import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A full disk and a read-only file system, on a tiny tmpfs mounted for the test (Linux, as root).
@Suite(.enabled(if: TinyFileSystem.isAvailable, "needs Linux and root to mount a tmpfs"))
struct MaildirStorageErrorTests {
    @Test func aFullDiskStopsTheRunWithNothingPartialVisibleAndNothingLeftInTmp() async throws {
        let scratch = try ScratchDirectory()
        let disk = try TinyFileSystem(at: scratch.path + "/disk", kilobytes: 256)
        defer { withExtendedLifetime(scratch) { disk.unmount() } }
        let root = disk.path + "/maildir"
        let sink = try MaildirSink(root: root)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "fits@archiver.invalid")).status == .stored)
        // The small message is written by the sink's write-behind thread, which may not have run yet: let it write
        // (one `write`, so a non-empty file is a whole one) before the large message fills the disk, or it fails
        // too (once seen in CI's neighbour runs). Nothing is committed yet.
        let small = MessageIDDigest(messageID: "fits@archiver.invalid").hexDigits
        let folder = MaildirFixtures.folderPath(root)
        for _ in 0..<500 where !Self.holdsWrittenFile(folder + "/tmp", containing: small) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(Self.holdsWrittenFile(folder + "/tmp", containing: small))

        let large = MaildirFixtures.messageBytes(
            id: "large@archiver.invalid",
            body: String(repeating: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", count: 8192)
        )
        let error = await #expect(throws: ArchiverError.self) {
            try await sink.deliver(MaildirFixtures.delivery(id: "large@archiver.invalid", bytes: large))
        }
        #expect(error?.code == .storageFailed)
        #expect(error?.scope == .run)
        #expect(error?.message.contains("No space left on device") == true)
        #expect(error?.message.contains(MaildirFixtures.folderPath(root) + "/tmp/") == true)
        #expect(MaildirFixtures.names(folder + "/new").isEmpty)
        // Nothing of the large message; only the small one, waiting for the commit.
        #expect(MaildirFixtures.names(folder + "/tmp").allSatisfy { $0.contains(small) })

        // Once space is free again the same message is stored whole.
        #expect(try await sink.commit().deliveries == 1)
        #expect(MaildirFixtures.names(folder + "/tmp").isEmpty)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "large2@archiver.invalid")).status == .stored)
        #expect(try await sink.commit().deliveries == 1)
        #expect(MaildirFixtures.names(folder + "/new").count == 2)
    }

    /// Whether `directory` holds a non-empty file whose name contains `digest`.
    static func holdsWrittenFile(_ directory: String, containing digest: String) -> Bool {
        MaildirFixtures.names(directory).contains { name in
            name.contains(digest)
                && ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int) ?? 0) > 0
        }
    }

    @Test func aReadOnlyFileSystemStopsTheRunWithAClearError() async throws {
        let scratch = try ScratchDirectory()
        let disk = try TinyFileSystem(at: scratch.path + "/disk", kilobytes: 256)
        defer { withExtendedLifetime(scratch) { disk.unmount() } }
        let root = disk.path + "/maildir"
        let sink = try MaildirSink(root: root)
        _ = try await sink.deliver(MaildirFixtures.delivery(id: "before@archiver.invalid"))
        _ = try await sink.commit()
        try disk.remount(readOnly: true)

        // A small message's file is written behind the delivery: the failure stops the run at the latest at the
        // commit, before anything could count as durable.
        let error = await #expect(throws: ArchiverError.self) {
            _ = try await sink.deliver(MaildirFixtures.delivery(id: "after@archiver.invalid"))
            _ = try await sink.commit()
        }
        #expect(error?.code == .storageFailed)
        #expect(error?.message.contains("Read-only file system") == true)
        #expect(error?.message.contains("The file system is read-only.") == true)
        let folder = MaildirFixtures.folderPath(root)
        #expect(MaildirFixtures.names(folder + "/new").count == 1)
        #expect(MaildirFixtures.names(folder + "/tmp").isEmpty)
    }
}

/// A tmpfs of a few kilobytes, mounted for one test.
struct TinyFileSystem {
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
        try Self.mount(["-t", "tmpfs", "-o", "size=\(kilobytes)k,mode=0700", "tmpfs", path])
    }

    func remount(readOnly: Bool) throws {
        try Self.mount(["-o", readOnly ? "remount,ro" : "remount,rw", path])
    }

    func unmount() {
        _ = try? Self.run("/bin/umount", [path])
    }

    private static func mount(_ arguments: [String]) throws {
        try run("/bin/mount", arguments)
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ArchiverError(.storageFailed, "\(executable) \(arguments) failed with \(process.terminationStatus)")
        }
    }
}
