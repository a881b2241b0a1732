import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// Every inode a commit counts as durable was synced: on its own, or by a `syncfs` of the whole file system.
///
/// The hole this closes: asked to sync the whole file system on a system without `syncfs` (macOS), the sink made
/// copies without syncing them (a `syncfs` would cover them), then fell back to syncing file by file and skipped
/// the copies as "synced with an earlier file". The hook takes `syncfs` away on Linux, to force that path.
@Suite struct MaildirSyncPolicyTests {
    static let mailboxes = [
        MaildirFixtures.alice, MaildirFixtures.bob, MailboxAddress("carol@contoso.com")!,
    ]

    /// Delivers one message to three mailboxes and commits; returns the paths synced on their own.
    static func syncedPaths(
        syncsWholeFileSystem: Bool,
        linksCopies: Bool,
        syncfsAvailable: Bool?,
        inMemory: Bool = false,
        bytes: [UInt8]? = nil
    ) async throws -> (synced: [String], root: String, scratch: ScratchDirectory) {
        let scratch = try ScratchDirectory()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.syncsWholeFileSystem = syncsWholeFileSystem
        configuration.linksCopies = linksCopies
        let synced = Mutex<[String]>([])
        var hooks = MaildirSink.Hooks()
        hooks.wholeFileSystemSyncAvailable = syncfsAvailable
        // Decided here, not by where the scratch directory happens to be.
        hooks.memoryFileSystem = inMemory
        hooks.synced = { path in synced.withLock { $0.append(path) } }
        let sink = try MaildirSink(configuration: configuration, hooks: hooks)
        let single = MaildirFixtures.delivery(id: "policy@archiver.invalid", bytes: bytes)
        let result = try await sink.deliver(
            Delivery(mailboxes: mailboxes, folder: single.folder, message: single.message, item: single.item)
        )
        #expect(result.statuses == [.stored, .stored, .stored])
        #expect(try await sink.commit().deliveries == 3)
        try await sink.close()
        return (synced.withLock { $0 }, scratch.root, scratch)
    }

    /// Without `syncfs`, each copy's own inode is synced, and every `new/` directory.
    @Test(arguments: [false, true], [nil as Int?, 200_000])
    func withoutSyncfsEveryCopyIsSynced(linksCopies: Bool, largeMessage: Int?) async throws {
        let bytes = largeMessage.map { size in
            MaildirFixtures.messageBytes(id: "policy@archiver.invalid", body: String(repeating: "x", count: size))
        }
        // Copies even with linksCopies: a link is impossible across file systems, and the copy path is the same.
        let (synced, root, scratch) = try await Self.syncedPaths(
            syncsWholeFileSystem: true,
            linksCopies: linksCopies,
            syncfsAvailable: false,
            bytes: bytes
        )
        _ = scratch
        for mailbox in Self.mailboxes {
            let folder = MaildirFixtures.folderPath(root, mailbox)
            let fileSynced = synced.contains { $0.hasPrefix(folder + "/tmp/") }
            if linksCopies && mailbox != Self.mailboxes[0] {
                // A hard link is the original's inode, which was synced.
                #expect(!fileSynced, "\(mailbox): a link needs no sync of its own")
            } else {
                #expect(fileSynced, "\(mailbox)'s file was never synced: \(synced)")
            }
            #expect(synced.contains(folder + "/new"), "\(mailbox)'s new/ was never synced")
        }
        #expect(
            synced.filter { $0.hasPrefix(MaildirFixtures.folderPath(root, Self.mailboxes[0]) + "/tmp/") }.count == 1
        )
    }

    /// Asked for `syncfs` where it exists, nothing is synced on its own: the two `syncfs` calls cover every inode.
    @Test func withSyncfsNothingIsSyncedOnItsOwn() async throws {
        #if os(Linux)
        let (synced, _, scratch) = try await Self.syncedPaths(
            syncsWholeFileSystem: true,
            linksCopies: false,
            syncfsAvailable: nil
        )
        _ = scratch
        #expect(synced.isEmpty, "\(synced)")
        #endif
    }

    /// Without asking for `syncfs`, the original and each copy are synced, links are not, and each `new/`.
    @Test(arguments: [false, true])
    func byDefaultEachInodeIsSyncedOnce(linksCopies: Bool) async throws {
        let (synced, root, scratch) = try await Self.syncedPaths(
            syncsWholeFileSystem: false,
            linksCopies: linksCopies,
            syncfsAvailable: nil
        )
        _ = scratch
        let files = synced.filter { $0.hasPrefix(root) && $0.contains("/.WhatsApp Archiver/tmp/") }
        #expect(files.count == (linksCopies ? 1 : 3), "\(files)")
        for mailbox in Self.mailboxes {
            #expect(synced.contains(MaildirFixtures.folderPath(root, mailbox) + "/new"))
        }
    }

    /// On a memory file system (tmpfs) nothing survives a restart: nothing is synced, in any mode.
    @Test(arguments: [false, true], [false, true])
    func onAMemoryFileSystemNothingIsSynced(syncsWholeFileSystem: Bool, linksCopies: Bool) async throws {
        let (synced, _, scratch) = try await Self.syncedPaths(
            syncsWholeFileSystem: syncsWholeFileSystem,
            linksCopies: linksCopies,
            syncfsAvailable: false,
            inMemory: true
        )
        _ = scratch
        #expect(synced.isEmpty, "\(synced)")
    }
}
