import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// A crash at each step of delivery and commit, then a rerun with a fresh sink over the same tree: every message
/// ends up in the folder exactly once and nothing is left in `tmp/`.
@Suite struct MaildirCrashTests {
    struct Crash: Error {}

    static let points: [MaildirSink.FaultPoint] = [
        .afterTemporaryWrite, .afterSync, .afterRename(count: 1), .afterRename(count: 2), .afterRename(count: 3),
        .afterDirectorySync,
    ]

    static let ids = ["crash.1@archiver.invalid", "crash.2@archiver.invalid", "crash.3@archiver.invalid"]

    @Test(arguments: points, [false, true])
    func aRerunAfterACrashDeliversExactlyTheMissingCopies(
        point: MaildirSink.FaultPoint,
        syncsWholeFileSystem: Bool
    ) async throws {
        let scratch = try ScratchDirectory()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.syncsWholeFileSystem = syncsWholeFileSystem
        configuration.faultInjection = { reached in
            if reached == point { throw Crash() }
        }
        let crashing = try MaildirSink(configuration: configuration)
        var crashed = false
        do {
            for id in Self.ids { _ = try await crashing.deliver(MaildirFixtures.delivery(id: id)) }
            _ = try await crashing.commit()
        } catch let fault as MaildirSink.InjectedFault {
            #expect(fault.point == point)
            crashed = true
        }
        #expect(crashed)
        let folder = MaildirFixtures.folderPath(scratch.root)
        let visibleAfterCrash = MaildirFixtures.names(folder + "/new")

        // The rerun: a new sink (a new process) delivers the same messages again.
        let rerun = try MaildirSink(root: scratch.root)
        var delivered = 0
        for id in Self.ids where try await rerun.deliver(MaildirFixtures.delivery(id: id)).status == .stored {
            delivered += 1
        }
        #expect(try await rerun.commit().deliveries == delivered)
        #expect(delivered == Self.ids.count - visibleAfterCrash.count)

        let stored = MaildirFixtures.names(folder + "/new")
        #expect(stored.count == Self.ids.count)
        for id in Self.ids {
            let digest = MessageIDDigest(messageID: id).hexDigits
            #expect(stored.filter { $0.contains(digest) }.count == 1, "\(id)")
        }
        #expect(MaildirFixtures.names(folder + "/tmp").isEmpty)
        for name in stored {
            let bytes = MaildirFixtures.contents(folder + "/new/" + name)
            #expect(name.hasSuffix(",S=\(bytes.count),W=\(bytes.count + bytes.filter { $0 == 10 }.count)"))
        }
    }

    static let sharedPoints: [MaildirSink.FaultPoint] =
        [.afterTemporaryWrite, .afterSync, .afterDirectorySync] + (1...6).map { .afterRename(count: $0) }

    static func sharedDelivery(_ id: String, to mailboxes: [MailboxAddress]) -> Delivery {
        let single = MaildirFixtures.delivery(id: id)
        return Delivery(mailboxes: mailboxes, folder: single.folder, message: single.message, item: single.item)
    }

    /// The same with every message shared by two mailboxes (hard links, or copies): a crash between the renames of
    /// one message's two names leaves it in one mailbox, and the rerun adds it to the other only.
    @Test(arguments: sharedPoints, [true, false])
    func aRerunAfterACrashDuringSharedDeliveriesDeliversExactlyTheMissingCopies(
        point: MaildirSink.FaultPoint,
        linksCopies: Bool
    ) async throws {
        let scratch = try ScratchDirectory()
        let mailboxes = [MaildirFixtures.alice, MailboxAddress("bob@contoso.com")!]
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.linksCopies = linksCopies
        configuration.faultInjection = { reached in
            if reached == point { throw Crash() }
        }
        let crashing = try MaildirSink(configuration: configuration)
        await #expect(throws: MaildirSink.InjectedFault.self) {
            for id in Self.ids { _ = try await crashing.deliver(Self.sharedDelivery(id, to: mailboxes)) }
            _ = try await crashing.commit()
        }
        let folders = mailboxes.map { MaildirFixtures.folderPath(scratch.root, $0) }
        let visibleAfterCrash = folders.map { MaildirFixtures.names($0 + "/new").count }.reduce(0, +)

        let rerun = try MaildirSink(root: scratch.root)
        var delivered = 0
        for id in Self.ids {
            for outcome in try await rerun.deliver(Self.sharedDelivery(id, to: mailboxes)).outcomes {
                if outcome.status == .stored { delivered += 1 }
            }
        }
        #expect(try await rerun.commit().deliveries == delivered)
        #expect(delivered == Self.ids.count * mailboxes.count - visibleAfterCrash)
        for folder in folders {
            let stored = MaildirFixtures.names(folder + "/new")
            #expect(stored.count == Self.ids.count)
            for id in Self.ids {
                let digest = MessageIDDigest(messageID: id).hexDigits
                let names = stored.filter { $0.contains(digest) }
                #expect(names.count == 1, "\(id)")
                let bytes = MaildirFixtures.contents(folder + "/new/" + (names.first ?? ""))
                let expected = String(decoding: MaildirFixtures.messageBytes(id: id), as: UTF8.self)
                    .replacingOccurrences(of: "\r\n", with: "\n")
                #expect(bytes == Array(expected.utf8), "\(id)")
            }
            #expect(MaildirFixtures.names(folder + "/tmp").isEmpty)
        }
    }

    @Test func aCrashedSinkLeavesItsTemporaryFilesForTheNextSinkToRemove() async throws {
        let scratch = try ScratchDirectory()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.faultInjection = { if $0 == .afterSync { throw Crash() } }
        let crashing = try MaildirSink(configuration: configuration)
        for id in Self.ids { _ = try await crashing.deliver(MaildirFixtures.delivery(id: id)) }
        await #expect(throws: MaildirSink.InjectedFault.self) { try await crashing.commit() }
        let tmp = MaildirFixtures.folderPath(scratch.root) + "/tmp"
        #expect(MaildirFixtures.names(tmp).count == 3)
        // A file another program is writing into tmp/ is not the sink's to remove.
        #expect(FileManager.default.createFile(atPath: tmp + "/1700000000.M1P2.otherhost", contents: Data("x".utf8)))

        let rerun = try MaildirSink(root: scratch.root)
        #expect(try await rerun.deliver(MaildirFixtures.delivery(id: "other@archiver.invalid")).status == .stored)
        let other = MessageIDDigest(messageID: "other@archiver.invalid").hexDigits
        #expect(MaildirFixtures.names(tmp).filter { !$0.contains(other) } == ["1700000000.M1P2.otherhost"])
        #expect(try await rerun.commit().deliveries == 1)
        #expect(MaildirFixtures.names(tmp) == ["1700000000.M1P2.otherhost"])
    }
}

extension MaildirSink.FaultPoint: CustomTestStringConvertible {
    /// The fault point as written in Swift, for test names.
    public var testDescription: String { "\(self)" }
}
