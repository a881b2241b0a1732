import Foundation
import Testing

/// `archive-daily --m365-*` against the fake Graph, the way an operator runs it: run, rerun, rerun without the
/// state directory, an overlapping window, missing and denied mailboxes, a wrong secret.
@Suite(.serialized)
struct ArchiveDailyMicrosoft365Tests {
    static let mailboxes = ["alice@contoso.com", "carol@contoso.com"]

    static func demoArguments(_ fake: FakeGraph, state: String, report: String) -> [String] {
        [
            "--export", ArchiveDailyProcess.demoExport, "--mapping", ArchiveDailyProcess.demoExport + "/mapping.csv",
            "--domain", "contoso.com", "--state", state, "--report", report,
        ] + fake.archiveDailyArguments + ArchiveDailyProcess.window
    }

    /// Every message in every mailbox: (mailbox, internetMessageId) → copies.
    static func copies(_ fake: FakeGraph) throws -> [String: Int] {
        var copies: [String: Int] = [:]
        for (mailbox, contents) in try fake.mailboxes() {
            for message in contents["messages"] as? [[String: Any]] ?? [] {
                copies["\(mailbox) \(message["internetMessageId"] as? String ?? "?")", default: 0] += 1
            }
        }
        return copies
    }

    @Test func theDemoIsImportedOnceAndRerunsAddNothing() throws {
        let fake = try FakeGraph(mailboxes: Self.mailboxes)
        let scratch = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let first = try ArchiveDailyProcess.run(
            Self.demoArguments(fake, state: scratch + "/state", report: scratch + "/1.json")
        )
        #expect(first.status == 0, "\(first.errors)")
        let report = try ArchiveDailyProcess.report(scratch + "/1.json")
        #expect(report["imported"] as? Int == 22)
        #expect(report["failed"] as? Int == 1)
        let afterFirst = try Self.copies(fake)
        #expect(afterFirst.count == 22)
        #expect(afterFirst.values.allSatisfy { $0 == 1 })
        for mailbox in Self.mailboxes {
            let folders = try fake.folders(mailbox)
            #expect(folders.count == 1)
            #expect(folders.first?["displayName"] as? String == "WhatsApp Archiver")
            for message in try fake.messages(mailbox) {
                #expect(message["isDraft"] as? Bool == false)
                #expect(message["source"] as? String == "importMime")
            }
        }
        let firstStats = try fake.stats()
        #expect(firstStats["importMime"] == 22)
        #expect(firstStats["tokens"] == 1)

        // Rerun with the state directory: nothing stored, and no Graph request spent on a duplicate.
        let second = try ArchiveDailyProcess.run(
            Self.demoArguments(fake, state: scratch + "/state", report: scratch + "/2.json")
        )
        #expect(second.status == 0, "\(second.errors)")
        let rerun = try ArchiveDailyProcess.report(scratch + "/2.json")
        #expect(rerun["imported"] as? Int == 0)
        #expect(rerun["skippedDuplicates"] as? Int == 22)
        #expect(try fake.stats()["requests"] == firstStats["requests"])

        // Rerun without the state directory: the mailbox is the truth; one folder lookup and one listing each.
        try FileManager.default.removeItem(atPath: scratch + "/state")
        let third = try ArchiveDailyProcess.run(
            Self.demoArguments(fake, state: scratch + "/state", report: scratch + "/3.json")
        )
        #expect(third.status == 0, "\(third.errors)")
        #expect(try ArchiveDailyProcess.report(scratch + "/3.json")["skippedDuplicates"] as? Int == 22)
        #expect(try Self.copies(fake) == afterFirst)
        let thirdStats = try fake.stats()
        #expect(thirdStats["requests"]! - firstStats["requests"]! == 4)
        #expect(thirdStats["folderCreates"] == 2)
        for mailbox in Self.mailboxes { #expect(try fake.folders(mailbox).count == 1) }
    }

    @Test func anOverlappingWindowAddsOnlyWhatIsNew() throws {
        let fake = try FakeGraph(mailboxes: Self.mailboxes)
        let (export, _) = try ArchiveDailyProcess.export(count: 40)
        defer { try? FileManager.default.removeItem(atPath: export) }
        let scratch = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        func run(_ from: String, _ until: String, _ report: String) throws -> [String: Any] {
            let result = try ArchiveDailyProcess.run(
                [
                    "--export", export, "--domain", "contoso.com", "--state", scratch + "/state", "--report", report,
                    "--from", from, "--until", until,
                ] + fake.archiveDailyArguments
            )
            #expect(result.status == 0, "\(result.errors)")
            return try ArchiveDailyProcess.report(report)
        }
        let first = try run("2026-11-23T10:00:00Z", "2026-11-23T10:00:30Z", scratch + "/1.json")
        #expect(first["imported"] as? Int == 60)
        let second = try run("2026-11-23T10:00:15Z", "2026-11-23T10:01:00Z", scratch + "/2.json")
        #expect(second["skippedDuplicates"] as? Int == 30)
        #expect(second["imported"] as? Int == 20)
        let copies = try Self.copies(fake)
        #expect(copies.count == 80)
        #expect(copies.values.allSatisfy { $0 == 1 })
    }

    @Test func aMissingAndADeniedMailboxFailTheirPairsAndTheRunGoesOn() throws {
        // carol@contoso.com does not exist; alice@contoso.com may not be opened; bernd is fine.
        let fake = try FakeGraph(mailboxes: ["bernd@contoso.com"], arguments: ["--denied", "alice@contoso.com"])
        let scratch = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try ArchiveDailyProcess.run(
            Self.demoArguments(fake, state: scratch + "/state", report: scratch + "/r.json")
        )
        #expect(result.status == 0, "\(result.errors)")
        let report = try ArchiveDailyProcess.report(scratch + "/r.json")
        let failures = report["failures"] as? [[String: Any]] ?? []
        let reasons = Dictionary(grouping: failures) { $0["mailbox"] as? String ?? "-" }.mapValues {
            Set($0.compactMap { $0["reason"] as? String })
        }
        #expect(reasons["carol@contoso.com"] == ["mailbox_not_found"])
        #expect(reasons["alice@contoso.com"] == ["mailbox_access_denied"])
        #expect(report["imported"] as? Int == 0)
        // One lookup per mailbox, not one per message: the answer is remembered for the run.
        #expect(try fake.stats()["requests"] == 2)
    }

    @Test func aWrongSecretExitsOneBeforeAnythingIsRead() throws {
        let fake = try FakeGraph(mailboxes: Self.mailboxes)
        let scratch = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // The export does not exist: had the source been opened first, the error would be about it.
        let arguments =
            ["--export", scratch + "/no-such-export", "--domain", "contoso.com", "--state", scratch + "/state"]
            + fake.archiveDailyArguments
        let wrong = "not the secret 12345"
        let result = try ArchiveDailyProcess.run(arguments, secret: wrong)
        #expect(result.status == 1)
        #expect(result.errors.contains("AADSTS7000215"))
        #expect(result.errors.contains("client secret"))
        #expect(!result.errors.contains(wrong))
        #expect(!result.output.contains(wrong))
        #expect(try fake.stats()["requests"] == 0)
        #expect(try fake.stats()["rejectedTokens"] == 1)

        let missing = try ArchiveDailyProcess.run(arguments, secret: nil)
        #expect(missing.status == 1)
        #expect(missing.errors.contains("M365_CLIENT_SECRET"))

        let onTheCommandLine = try ArchiveDailyProcess.run(arguments + ["--m365-secret", wrong])
        #expect(onTheCommandLine.status == 2)
        #expect(onTheCommandLine.errors.contains("never taken from the command line"))
    }

    @Test func aMissingPermissionIsNamedBeforeAnythingIsRead() throws {
        let fake = try FakeGraph(mailboxes: Self.mailboxes, arguments: ["--roles", "Mail.ReadWrite"])
        let scratch = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let result = try ArchiveDailyProcess.run(
            Self.demoArguments(fake, state: scratch + "/state", report: scratch + "/r.json")
        )
        #expect(result.status == 1)
        #expect(result.errors.contains("Mail-Advanced.ReadWrite.All"))
        #expect(try fake.stats()["requests"] == 0)
    }

    @Test func theStateDirectoryIsRequiredAndDestinationsAreExclusive() throws {
        let fake = try FakeGraph(mailboxes: Self.mailboxes)
        let base = ["--export", ArchiveDailyProcess.demoExport] + fake.archiveDailyArguments
        let noState = try ArchiveDailyProcess.run(base)
        #expect(noState.status == 2)
        #expect(noState.errors.contains("--state"))
        let both = try ArchiveDailyProcess.run(base + ["--state", "/dev/null/x", "--maildir", "/dev/null/y"])
        #expect(both.status == 2)
        let plainHTTP = try ArchiveDailyProcess.run(
            [
                "--export", ArchiveDailyProcess.demoExport, "--state", try fake.scratch(),
                "--m365-tenant", FakeGraph.tenant, "--m365-client-id", FakeGraph.clientID,
                "--m365-login-url", "http://login.example.com",
            ]
        )
        #expect(plainHTTP.status == 1)
        #expect(plainHTTP.errors.contains("loopback"))
    }
}
