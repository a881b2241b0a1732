// archive-verify: checks a Maildir tree against its evidence logs, offline, as Documentation/Evidence.md describes.
// All the work is done by ArchiveEvidence's ArchiveVerifier; this program parses arguments and prints.
//
//   archive-verify --maildir DIR [--mailbox ADDR]... [--heads FILE]
//
// Exit status: 0 everything verifies; 1 discrepancies (each on its own line on standard output) or the tree cannot
// be read; 2 wrong usage.
import ArchiveEvidence
import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    usage: archive-verify --maildir DIR [--mailbox ADDR]... [--heads FILE]
      --maildir DIR    the Maildir root archive-daily writes
      --mailbox ADDR   verify only this mailbox (repeatable; default: every mailbox)
      --heads FILE     anchored heads, as the run report gives them (its "logHeads"), or JSON lines of reports
    exit status: 0 everything verifies, 1 discrepancies (one a line), 2 wrong usage
    """

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("archive-verify: \(message)\n".utf8))
    exit(status)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(usage)
    exit(0)
}
var maildir: String?
var mailboxes: [String] = []
var headsFile: String?
while !arguments.isEmpty {
    let option = arguments.removeFirst()
    guard ["--maildir", "--mailbox", "--heads"].contains(option) else {
        fail("unknown argument \(option)\n\(usage)", status: 2)
    }
    guard !arguments.isEmpty else { fail("\(option) needs a value\n\(usage)", status: 2) }
    let value = arguments.removeFirst()
    switch option {
    case "--maildir": maildir = value
    case "--mailbox":
        guard MailboxAddress(value) != nil else { fail("--mailbox \(value) is not an address\n\(usage)", status: 2) }
        mailboxes.append(value.lowercased())
    default: headsFile = value
    }
}
guard let maildir else { fail("--maildir is required\n\(usage)", status: 2) }

do {
    var configuration = ArchiveVerifier.Configuration(root: maildir)
    configuration.mailboxes = mailboxes
    configuration.threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    if let headsFile {
        guard let data = FileManager.default.contents(atPath: headsFile) else {
            fail("\(headsFile) cannot be read", status: 2)
        }
        configuration.anchoredHeads = try AnchoredHead.parse(Array(data), file: headsFile)
    }
    let report = try ArchiveVerifier(configuration: configuration).verify()
    for discrepancy in report.discrepancies { print(discrepancy) }
    let summary =
        "\(report.folders) folders, \(report.messages) messages, \(report.entries) log entries, "
        + "\(configuration.anchoredHeads.count) anchored heads: "
        + (report.discrepancies.isEmpty ? "everything verifies" : "\(report.discrepancies.count) discrepancies")
    FileHandle.standardError.write(Data("archive-verify: \(summary)\n".utf8))
    exit(report.discrepancies.isEmpty ? 0 : 1)
} catch let error as ArchiverError {
    fail(error.message, status: error.code == .invalidConfiguration ? 2 : 1)
} catch {
    fail("\(error)", status: 1)
}
