import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// The sink tells its commit log where it syncs nothing (a memory file system), so that the log can follow the
/// same rule; on disk it says the folder is kept.
@Suite struct MaildirCommitLogMemoryTests {
    /// Records what the sink hands it.
    final class RecordingLog: MaildirCommitLog {
        let prepared = Mutex<[MaildirCommittedFile]>([])
        let completed = Mutex<[MaildirCommittedFile]>([])
        func recover(root: String) throws {}
        func prepare(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
            prepared.withLock { $0 += files }
        }
        func complete(_ files: [MaildirCommittedFile], syncingFileSystem: Bool) throws {
            completed.withLock { $0 += files }
        }
    }

    @Test(arguments: [false, true])
    func everyCommittedFileSaysWhetherItsFolderIsInMemory(inMemory: Bool) async throws {
        let scratch = try ScratchDirectory()
        let log = RecordingLog()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.commitLog = log
        var hooks = MaildirSink.Hooks()
        hooks.memoryFileSystem = inMemory
        let sink = try MaildirSink(configuration: configuration, hooks: hooks)
        let single = MaildirFixtures.delivery(id: "memory@archiver.invalid")
        let mailboxes = [MaildirFixtures.alice, MaildirFixtures.bob]
        let result = try await sink.deliver(
            Delivery(mailboxes: mailboxes, folder: single.folder, message: single.message, item: single.item)
        )
        #expect(result.statuses == [.stored, .stored])
        #expect(try await sink.commit().deliveries == 2)
        try await sink.close()
        let prepared = log.prepared.withLock { $0 }
        let completed = log.completed.withLock { $0 }
        #expect(prepared.count == 2)
        #expect(completed == prepared)
        #expect(prepared.allSatisfy { $0.folderIsInMemory == inMemory })
        // One message, one digest for both copies (computed once, while the bytes were written).
        #expect(Set(prepared.map(\.sha256)).count == 1)
    }
}
