// archive-export: a production for review platforms in RSMF 2.0, from the Maildir alone, as
// Documentation/Evidence.md describes. All the work is done by ArchiveEvidence's ArchiveExporter; this program parses
// arguments and prints.
//
//   archive-export --maildir DIR --mailbox ADDR... --from TIMESTAMP --until TIMESTAMP [--conversation ID]... --out DIR
//
// Exit status: 0 the production is written; 1 it could not be (the archive unreadable, the output not writable);
// 2 wrong usage.
import ArchiveEvidence
import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    usage: archive-export --maildir DIR --mailbox ADDR... --from TIMESTAMP --until TIMESTAMP
                          [--conversation ID]... --out DIR
      --maildir DIR          the Maildir root archive-daily writes
      --mailbox ADDR         a mailbox to produce from (repeatable, at least one)
      --from, --until        RFC 3339 instants: the items sent in [from, until)
      --conversation ID      only this conversation (repeatable; default: every conversation)
      --out DIR              where the .rsmf files and loadfile.csv are written
    """

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("archive-export: \(message)\n".utf8))
    exit(status)
}

var arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(usage)
    exit(0)
}
var single: [String: String] = [:]
var mailboxes: [String] = []
var conversations: [String] = []
while !arguments.isEmpty {
    let option = arguments.removeFirst()
    guard ["--maildir", "--mailbox", "--from", "--until", "--conversation", "--out"].contains(option) else {
        fail("unknown argument \(option)\n\(usage)", status: 2)
    }
    guard !arguments.isEmpty else { fail("\(option) needs a value\n\(usage)", status: 2) }
    let value = arguments.removeFirst()
    switch option {
    case "--mailbox":
        guard MailboxAddress(value) != nil else { fail("--mailbox \(value) is not an address\n\(usage)", status: 2) }
        mailboxes.append(value.lowercased())
    case "--conversation": conversations.append(value)
    default:
        guard single[option] == nil else { fail("\(option) is given twice\n\(usage)", status: 2) }
        single[option] = value
    }
}
guard let maildir = single["--maildir"], let out = single["--out"], !mailboxes.isEmpty else {
    fail("--maildir, --mailbox and --out are required\n\(usage)", status: 2)
}
guard let fromText = single["--from"], let from = RFC3339.parse(fromText) else {
    fail("--from needs an RFC 3339 timestamp such as 2026-11-23T00:00:00Z\n\(usage)", status: 2)
}
guard let untilText = single["--until"], let until = RFC3339.parse(untilText) else {
    fail("--until needs an RFC 3339 timestamp such as 2026-11-24T00:00:00Z\n\(usage)", status: 2)
}
guard from < until else { fail("--from must be before --until", status: 2) }

do {
    var configuration = ArchiveExporter.Configuration(
        root: maildir,
        mailboxes: mailboxes,
        from: from,
        until: until,
        output: out
    )
    configuration.conversations = conversations
    let report = try ArchiveExporter(configuration: configuration).export()
    for problem in report.skipped { FileHandle.standardError.write(Data("archive-export: skipped: \(problem)\n".utf8)) }
    for file in report.files { print(out + "/" + file) }
    FileHandle.standardError.write(
        Data(
            "archive-export: \(report.items) items in \(report.files.count) RSMF files; load file \(out)/loadfile.csv\n"
                .utf8
        )
    )
    exit(0)
} catch let error as ArchiverError {
    fail(error.message, status: error.code == .invalidConfiguration ? 2 : 1)
} catch {
    fail("\(error)", status: 1)
}
