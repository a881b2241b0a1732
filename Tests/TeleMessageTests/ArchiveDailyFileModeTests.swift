import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The Maildir tree `archive-daily` writes is private whatever the operator's umask: directories `0700`, files
/// `0600`.
///
/// The umask is process-wide state, so the umask is set in a child process (`sh -c 'umask M; exec archive-daily'`)
/// rather than in this test process, where every test running beside it would create its files under it.
struct ArchiveDailyFileModeTests {
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return info.st_mode & 0o7777
    }

    @Test(arguments: ["0", "0277", "0022"])
    func directoriesAre0700AndFiles0600WhateverTheUmask(mask: String) throws {
        let scratch = try Fixtures.scratchDirectory()
        let maildir = scratch + "/archive"
        let demo = ArchiveDailyEndToEndTests.demoExport
        let script = "umask \(mask) && exec \"$0\" \"$@\""
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments =
            [
                "-c", script, try ArchiveDailyEndToEndTests.executable().path, "--export", demo, "--maildir", maildir,
                "--mapping", demo + "/mapping.csv", "--domain", "contoso.com",
            ] + ArchiveDailyEndToEndTests.window
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        let mailbox = maildir + "/alice@contoso.com"
        let folder = mailbox + "/.WhatsApp Archiver"
        for directory in [
            maildir, mailbox, mailbox + "/cur", mailbox + "/new", mailbox + "/tmp", folder, folder + "/cur",
            folder + "/new", folder + "/tmp",
        ] {
            #expect(Self.mode(directory) == 0o700, "\(directory) with umask \(mask)")
        }
        let messages = (try? FileManager.default.contentsOfDirectory(atPath: folder + "/new")) ?? []
        #expect(!messages.isEmpty)
        for file in [mailbox + "/subscriptions", folder + "/maildirfolder"] + messages.map({ folder + "/new/" + $0 }) {
            #expect(Self.mode(file) == 0o600, "\(file) with umask \(mask)")
        }
    }
}
