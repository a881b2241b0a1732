import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct MaildirSinkTests {
    @Test(arguments: [false, true], [true, false])
    func passesTheSinkConformanceCheck(syncsWholeFileSystem: Bool, linksCopies: Bool) async throws {
        let scratch = try ScratchDirectory()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.syncsWholeFileSystem = syncsWholeFileSystem
        configuration.linksCopies = linksCopies
        // A restart closes the old sink (it holds the root's lock), as the end of the old process would.
        let previous = Mutex<MaildirSink?>(nil)
        let failures = await MailboxSinkConformance { [configuration] in
            previous.withLock { $0?.closeNow() }
            let sink = try MaildirSink(configuration: configuration)
            previous.withLock { $0 = sink }
            return sink
        }.run()
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test(arguments: [true, false])
    func aSharedDeliveryStoresOneFileForEveryMailbox(linksCopies: Bool) async throws {
        let scratch = try ScratchDirectory()
        var configuration = MaildirSink.Configuration(root: scratch.root)
        configuration.linksCopies = linksCopies
        let sink = try MaildirSink(configuration: configuration)
        let bob = MailboxAddress("bob@contoso.com")!
        let carol = MailboxAddress("carol@contoso.com")!
        let date = Date(timeIntervalSince1970: 1_795_430_096)
        let single = MaildirFixtures.delivery(id: "shared.1@archiver.invalid", date: date)
        let results = try await sink.deliver(
            Delivery(
                mailboxes: [MaildirFixtures.alice, bob, carol],
                folder: single.folder,
                message: single.message,
                item: single.item
            )
        )
        let statuses = results.statuses
        #expect(statuses == [.stored, .stored, .stored])
        #expect(try await sink.commit().deliveries == 3)

        var inodes: Set<UInt64> = []
        let expected = MaildirFixtures.contents(
            MaildirFixtures.folderPath(scratch.root)
                + "/new/" + (MaildirFixtures.names(MaildirFixtures.folderPath(scratch.root) + "/new").first ?? "")
        )
        #expect(!expected.isEmpty)
        for mailbox in [MaildirFixtures.alice, bob, carol] {
            let folder = MaildirFixtures.folderPath(scratch.root, mailbox)
            let names = MaildirFixtures.names(folder + "/new")
            #expect(names.count == 1)
            #expect(MaildirFixtures.names(folder + "/tmp").isEmpty)
            let path = folder + "/new/" + (names.first ?? "")
            #expect(MaildirFixtures.contents(path) == expected)
            #expect(MaildirFixtures.mode(path) & 0o777 == 0o600)
            var info = stat()
            #expect(stat(path, &info) == 0)
            #if canImport(Darwin)
            #expect(info.st_mtimespec.tv_sec == 1_795_430_096)
            #else
            #expect(info.st_mtim.tv_sec == 1_795_430_096)
            #endif
            #expect(info.st_nlink == (linksCopies ? 3 : 1))
            inodes.insert(UInt64(info.st_ino))
        }
        #expect(inodes.count == (linksCopies ? 1 : 3))

        let again = try await sink.deliver(
            Delivery(mailboxes: [carol, bob], folder: single.folder, message: single.message, item: single.item)
        )
        #expect(again.statuses == [.duplicate, .duplicate])
    }

    @Test func createsTheMaildirPlusPlusLayout() async throws {
        let scratch = try ScratchDirectory()
        let sink = try MaildirSink(root: scratch.root)
        _ = try await sink.deliver(MaildirFixtures.delivery(id: "layout.1@archiver.invalid"))
        _ = try await sink.commit()

        let mailbox = scratch.root + "/alice@contoso.com"
        let folder = mailbox + "/.WhatsApp Archiver"
        #expect(MaildirFixtures.names(scratch.root) == ["alice@contoso.com"])
        #expect(MaildirFixtures.names(mailbox) == ["cur", "new", "subscriptions", "tmp"])
        #expect(MaildirFixtures.names(folder) == ["cur", "maildirfolder", "new", "tmp"])
        #expect(MaildirFixtures.contents(folder + "/maildirfolder").isEmpty)
        #expect(
            String(decoding: MaildirFixtures.contents(mailbox + "/subscriptions"), as: UTF8.self)
                == "WhatsApp Archiver\n"
        )
        #expect(MaildirFixtures.names(folder + "/new").count == 1)
        #expect(MaildirFixtures.names(folder + "/tmp").isEmpty)
        #expect(MaildirFixtures.names(folder + "/cur").isEmpty)
    }

    @Test func storesLFLineEndingsExactSizesAndTheSendTimeAsModificationTime() async throws {
        let scratch = try ScratchDirectory()
        let sink = try MaildirSink(root: scratch.root)
        let date = Date(timeIntervalSince1970: 1_795_430_096.25)
        let bytes = MaildirFixtures.messageBytes(id: "bytes@archiver.invalid", body: "line one\r\nline two\rbare CR")
        let result = try await sink.deliver(
            MaildirFixtures.delivery(id: "bytes@archiver.invalid", date: date, bytes: bytes)
        )
        #expect(result.status == .stored && result.byteCount == Int64(bytes.count))
        #expect(try await sink.commit().deliveries == 1)

        let new = MaildirFixtures.folderPath(scratch.root) + "/new"
        let name = try #require(MaildirFixtures.names(new).first)
        let stored = MaildirFixtures.contents(new + "/" + name)
        let expected = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
        #expect(stored == expected)

        let lineFeeds = stored.filter { $0 == 10 }.count
        let digest = SHA256.hex(Array(SHA256.hash(Array("bytes@archiver.invalid".utf8)).prefix(16)))
        #expect(name.hasPrefix("1795430096.wa\(digest)."))
        #expect(name.hasSuffix(",S=\(stored.count),W=\(stored.count + lineFeeds)"))
        #expect(!name.contains(":") && !name.contains("/") && !name.hasPrefix("."))

        var info = stat()
        #expect(stat(new + "/" + name, &info) == 0)
        #if canImport(Darwin)
        let modified = Double(info.st_mtimespec.tv_sec) + Double(info.st_mtimespec.tv_nsec) / 1e9
        #else
        let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
        #endif
        #expect(abs(modified - date.timeIntervalSince1970) < 0.001)
    }

    @Test func aMessageIDAlreadyInTheFolderIsADuplicateEvenAfterAClientMovedAndFlaggedIt() async throws {
        let scratch = try ScratchDirectory()
        do {
            let sink = try MaildirSink(root: scratch.root)
            _ = try await sink.deliver(MaildirFixtures.delivery(id: "moved@archiver.invalid"))
            _ = try await sink.deliver(MaildirFixtures.delivery(id: "kept@archiver.invalid"))
            _ = try await sink.commit()
        }
        // A mail client reads one message: it moves it to cur/ and adds the seen flag.
        let folder = MaildirFixtures.folderPath(scratch.root)
        let digest = SHA256.hex(Array(SHA256.hash(Array("moved@archiver.invalid".utf8)).prefix(16)))
        let name = try #require(MaildirFixtures.names(folder + "/new").first { $0.contains(digest) })
        #expect(rename(folder + "/new/" + name, folder + "/cur/" + name + ":2,S") == 0)

        let sink = try MaildirSink(root: scratch.root)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "moved@archiver.invalid")).status == .duplicate)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "kept@archiver.invalid")).status == .duplicate)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "other@archiver.invalid")).status == .stored)
        #expect(try await sink.commit().deliveries == 1)
        #expect(MaildirFixtures.names(folder + "/new").count + MaildirFixtures.names(folder + "/cur").count == 3)
    }

    @Test func aMessageStoredByAnotherProgramIsRecognisedByItsMessageIDHeader() async throws {
        let scratch = try ScratchDirectory()
        do {
            let sink = try MaildirSink(root: scratch.root)
            _ = try await sink.deliver(MaildirFixtures.delivery(id: "seed@archiver.invalid"))
            _ = try await sink.commit()
        }
        let folder = MaildirFixtures.folderPath(scratch.root)
        // Dovecot-style names, a folded Message-ID header, LF line endings, and an unrelated message.
        let foreign = "Subject: copied\nmessage-id:\n <Foreign.ID@example.com>\n\nbody\n"
        let unrelated = "Subject: nothing\nMessage-ID: <unrelated@example.com>\n\nbody\n"
        #expect(
            FileManager.default.createFile(
                atPath: folder + "/cur/1700000000.M1P2.host,S=50:2,S",
                contents: Data(foreign.utf8)
            )
        )
        #expect(
            FileManager.default.createFile(atPath: folder + "/new/1700000001.M3P4.host", contents: Data(unrelated.utf8))
        )

        let sink = try MaildirSink(root: scratch.root)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "Foreign.ID@example.com")).status == .duplicate)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "foreign.id@example.com")).status == .stored)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "unrelated@example.com")).status == .duplicate)
        _ = try await sink.commit()
    }

    @Test func theSameMessageGoesOnceIntoEachMailboxAndFolder() async throws {
        let scratch = try ScratchDirectory()
        let sink = try MaildirSink(root: scratch.root)
        let id = "fanout@archiver.invalid"
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: id)).status == .stored)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: id, to: MaildirFixtures.bob)).status == .stored)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: id, folder: "Other")).status == .stored)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: id, folder: "INBOX")).status == .stored)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: id, to: MaildirFixtures.bob)).status == .duplicate)
        #expect(try await sink.commit().deliveries == 4)
        #expect(MaildirFixtures.names(scratch.root + "/alice@contoso.com/new").count == 1)
        #expect(MaildirFixtures.names(scratch.root + "/alice@contoso.com/.Other/new").count == 1)
        #expect(
            MaildirFixtures.names(MaildirFixtures.folderPath(scratch.root, MaildirFixtures.bob) + "/new").count == 1
        )
        let subscriptions = MaildirFixtures.contents(scratch.root + "/alice@contoso.com/subscriptions")
        #expect(String(decoding: subscriptions, as: UTF8.self) == "WhatsApp Archiver\nOther\n")
    }

    @Test func dovecotFilesAreNeverTouched() async throws {
        let scratch = try ScratchDirectory()
        let folder = MaildirFixtures.folderPath(scratch.root)
        try FileManager.default.createDirectory(atPath: folder + "/new", withIntermediateDirectories: true)
        let files = [
            folder + "/dovecot-uidlist", folder + "/dovecot-keywords", folder + "/dovecot.index",
            scratch.root + "/alice@contoso.com/dovecot-uidvalidity", folder + "/new/dovecot-stray",
        ]
        let stamp = Date(timeIntervalSince1970: 1_700_000_000)
        for (index, file) in files.enumerated() {
            #expect(FileManager.default.createFile(atPath: file, contents: Data("dovecot \(index)\n".utf8)))
            try FileManager.default.setAttributes([.modificationDate: stamp], ofItemAtPath: file)
        }
        let sink = try MaildirSink(root: scratch.root)
        _ = try await sink.deliver(MaildirFixtures.delivery(id: "untouched@archiver.invalid"))
        _ = try await sink.commit()
        for (index, file) in files.enumerated() {
            #expect(MaildirFixtures.contents(file) == Array("dovecot \(index)\n".utf8), "\(file)")
            let attributes = try FileManager.default.attributesOfItem(atPath: file)
            #expect(attributes[.modificationDate] as? Date == stamp, "\(file)")
        }
    }

    @Test func concurrentDeliveriesOfOneMessageStoreOneCopy() async throws {
        let scratch = try ScratchDirectory()
        let sink = try MaildirSink(root: scratch.root)
        let statuses = await withTaskGroup(of: MailboxOutcome.Status?.self) { group in
            for _ in 0..<8 {
                group.addTask { try? await sink.deliver(MaildirFixtures.delivery(id: "race@archiver.invalid")).status }
            }
            var statuses: [MailboxOutcome.Status?] = []
            for await status in group { statuses.append(status) }
            return statuses
        }
        #expect(statuses.filter { $0 == .stored }.count == 1)
        #expect(statuses.filter { $0 == .duplicate }.count == 7)
        #expect(try await sink.commit().deliveries == 1)
    }

    @Test func appendsToAnExistingSubscriptionsFileInDovecotsFormat() async throws {
        let scratch = try ScratchDirectory()
        let mailbox = scratch.root + "/alice@contoso.com"
        try FileManager.default.createDirectory(atPath: mailbox, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: mailbox + "/subscriptions", contents: Data("V\t2\n\nSent".utf8)))
        let sink = try MaildirSink(root: scratch.root)
        _ = try await sink.deliver(MaildirFixtures.delivery(id: "subscribe@archiver.invalid", folder: "Entwürfe"))
        _ = try await sink.commit()
        let text = String(decoding: MaildirFixtures.contents(mailbox + "/subscriptions"), as: UTF8.self)
        #expect(text == "V\t2\n\nSent\nEntw&APw-rfe\n")
        #expect(MaildirFixtures.names(mailbox).contains("subscriptions"))
        #expect(!FileManager.default.fileExists(atPath: mailbox + "/subscriptions.lock"))
        #expect(FileManager.default.fileExists(atPath: mailbox + "/.Entw&APw-rfe/maildirfolder"))
    }

    @Test func aSubscriptionsLockHeldElsewhereDelaysTheSubscriptionNotTheDelivery() async throws {
        let scratch = try ScratchDirectory()
        let mailbox = scratch.root + "/alice@contoso.com"
        try FileManager.default.createDirectory(atPath: mailbox, withIntermediateDirectories: true)
        // A fresh lock: another program (or a run killed a moment ago) is changing the subscriptions.
        #expect(FileManager.default.createFile(atPath: mailbox + "/subscriptions.lock", contents: Data("Sent\n".utf8)))
        let first = try MaildirSink(root: scratch.root)
        #expect(try await first.deliver(MaildirFixtures.delivery(id: "locked@archiver.invalid")).status == .stored)
        #expect(try await first.commit().deliveries == 1)
        #expect(!FileManager.default.fileExists(atPath: mailbox + "/subscriptions"))
        #expect(MaildirFixtures.contents(mailbox + "/subscriptions.lock") == Array("Sent\n".utf8))
        try await first.close()

        // Once the lock is gone, the next sink that opens the folder subscribes it.
        #expect(unlink(mailbox + "/subscriptions.lock") == 0)
        let second = try MaildirSink(root: scratch.root)
        #expect(try await second.deliver(MaildirFixtures.delivery(id: "locked@archiver.invalid")).status == .duplicate)
        #expect(MaildirFixtures.contents(mailbox + "/subscriptions") == Array("WhatsApp Archiver\n".utf8))
    }

    @Test func aSecondSinkOverTheSameRootIsRefusedUntilTheFirstCloses() async throws {
        let scratch = try ScratchDirectory()
        let first = try MaildirSink(root: scratch.root)
        let error = #expect(throws: ArchiverError.self) { try MaildirSink(root: scratch.root) }
        #expect(error?.code == .storageFailed)
        #expect(error?.message.contains(scratch.root) == true)
        try await first.close()
        let second = try MaildirSink(root: scratch.root)
        await #expect(throws: ArchiverError.self) {
            try await first.deliver(MaildirFixtures.delivery(id: "closed@archiver.invalid"))
        }
        #expect(try await second.deliver(MaildirFixtures.delivery(id: "open@archiver.invalid")).status == .stored)
    }

    @Test func aFolderNameThatCannotBeAMaildirFolderStopsTheRunWithAClearError() async throws {
        let scratch = try ScratchDirectory()
        let sink = try MaildirSink(root: scratch.root)
        let error = await #expect(throws: ArchiverError.self) {
            try await sink.deliver(MaildirFixtures.delivery(id: "x@archiver.invalid", folder: "Archive.2026"))
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.scope == .run)
        #expect(error?.message.contains("\".\"") == true)
        #expect(MaildirFixtures.names(scratch.root).isEmpty)
    }
}
