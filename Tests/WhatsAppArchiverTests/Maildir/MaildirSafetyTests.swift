import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Nothing in the input or planted in the tree makes the sink write outside its root or follow a link.
@Suite struct MaildirSafetyTests {
    enum Plant: String, CaseIterable {
        case mailbox = "alice@contoso.com"
        case folder = "alice@contoso.com/.WhatsApp Archiver"
        case newDirectory = "alice@contoso.com/.WhatsApp Archiver/new"
        case temporaryDirectory = "alice@contoso.com/.WhatsApp Archiver/tmp"
    }

    @Test(arguments: Plant.allCases)
    func aSymbolicLinkPlantedInsideTheRootIsNeverFollowed(plant: Plant) async throws {
        let scratch = try ScratchDirectory()
        let outside = scratch.path + "/outside"
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        let linkPath = scratch.root + "/" + plant.rawValue
        let parent = (linkPath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        for subdirectory in ["cur", "new", "tmp"] where plant == .newDirectory || plant == .temporaryDirectory {
            try FileManager.default.createDirectory(
                atPath: parent + "/" + subdirectory,
                withIntermediateDirectories: true
            )
        }
        if plant == .newDirectory { try FileManager.default.removeItem(atPath: parent + "/new") }
        if plant == .temporaryDirectory { try FileManager.default.removeItem(atPath: parent + "/tmp") }
        #expect(symlink(outside, linkPath) == 0)

        let sink = try MaildirSink(root: scratch.root)
        let error = await #expect(throws: ArchiverError.self) {
            _ = try await sink.deliver(MaildirFixtures.delivery(id: "planted@archiver.invalid"))
            _ = try await sink.commit()
        }
        #expect(error?.code == .storageFailed)
        #expect(error?.scope == .run)
        #expect(error?.message.contains("symbolic link") == true)
        #expect(error?.message.contains(linkPath) == true)
        #expect(MaildirFixtures.names(outside).isEmpty)
    }

    @Test func aSubscriptionsFileThatIsASymbolicLinkIsNotFollowed() async throws {
        let scratch = try ScratchDirectory()
        let outside = scratch.path + "/victim"
        #expect(FileManager.default.createFile(atPath: outside, contents: Data("precious\n".utf8)))
        try FileManager.default.createDirectory(
            atPath: scratch.root + "/alice@contoso.com",
            withIntermediateDirectories: true
        )
        #expect(symlink(outside, scratch.root + "/alice@contoso.com/subscriptions") == 0)
        let sink = try MaildirSink(root: scratch.root)
        await #expect(throws: ArchiverError.self) {
            try await sink.deliver(MaildirFixtures.delivery(id: "subs@archiver.invalid"))
        }
        #expect(MaildirFixtures.contents(outside) == Array("precious\n".utf8))
    }

    @Test func aSymbolicLinkInCurIsNotReadAsAMessage() async throws {
        let scratch = try ScratchDirectory()
        do {
            let sink = try MaildirSink(root: scratch.root)
            _ = try await sink.deliver(MaildirFixtures.delivery(id: "seed@archiver.invalid"))
            _ = try await sink.commit()
        }
        let outside = scratch.path + "/elsewhere.eml"
        #expect(FileManager.default.createFile(atPath: outside, contents: Data("Message-ID: <linked@x.com>\n\n".utf8)))
        #expect(symlink(outside, MaildirFixtures.folderPath(scratch.root) + "/cur/1.M1P1.host:2,") == 0)
        #expect(mkfifo(MaildirFixtures.folderPath(scratch.root) + "/cur/2.M2P2.host:2,", 0o600) == 0)
        let sink = try MaildirSink(root: scratch.root)
        #expect(try await sink.deliver(MaildirFixtures.delivery(id: "linked@x.com")).status == .stored)
    }

    @Test(arguments: [
        "../etc@contoso.com", ".hidden@contoso.com", "a/b@contoso.com", "Alice@Contoso.com", "..", ".", "",
        "alice@contoso", "alice@contoso.com/..", "alice\u{0}@contoso.com", "al ice@contoso.com",
    ])
    func onlyAValidLowerCaseAddressBecomesADirectoryName(name: String) {
        #expect(MaildirSink.problem(withMailboxDirectoryName: name) != nil)
        #expect(MailboxAddress(name).map { MaildirSink.problem(withMailboxDirectoryName: $0.rawValue) == nil } != false)
    }

    @Test func aValidAddressIsAcceptedAsADirectoryName() {
        #expect(MaildirSink.problem(withMailboxDirectoryName: "alice.o'neil+archive@mail.contoso.com") == nil)
    }
}
