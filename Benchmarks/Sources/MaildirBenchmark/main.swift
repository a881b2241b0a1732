// Messages per second the Maildir sink delivers durably, against the same loop committing (syncing) every message
// on its own, and against the file system's raw create-write-rename rate, all measured in the same run:
//
//   swift run -c release --package-path Benchmarks MaildirBenchmark --root DIR [--messages N] [--each M]
//       [--batch B] [--mailboxes K] [--size BYTES] [--rounds R]
//
// DIR is a scratch directory on the file system to measure (/dev/shm for memory, a directory on the disk
// otherwise); everything the benchmark writes there is removed at the end.
//
// With --deliver-only it measures nothing: it delivers messages 0..<N into DIR itself, committing every B, and
// keeps them; Scripts/maildir-kill-test.sh kills it with SIGKILL at random instants and checks the reruns.
import Foundation
import WhatsAppArchiver
import WhatsAppArchiverTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options {
    var root = ""
    var messages = 20_000
    var each = 1_000
    var batch = 1_000
    var mailboxes = 10
    var size = 4_096
    var rounds = 3
    var deliverOnly = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            if flag == "--deliver-only" {
                deliverOnly = true
                continue
            }
            let value = iterator.next() ?? ""
            switch flag {
            case "--root": root = value
            case "--messages": messages = Int(value) ?? messages
            case "--each": each = Int(value) ?? each
            case "--batch": batch = Int(value) ?? batch
            case "--mailboxes": mailboxes = Int(value) ?? mailboxes
            case "--size": size = Int(value) ?? size
            case "--rounds": rounds = max(Int(value) ?? rounds, 1)
            default:
                print("unknown option \(flag)")
                exit(2)
            }
        }
        if root.isEmpty {
            print("usage: MaildirBenchmark --root DIR [--messages N] [--each M] [--batch B] [--mailboxes K] [--size N]")
            exit(2)
        }
    }
}

/// A message of about `size` bytes with CRLF lines of 76 characters, as a converter would produce.
func messageBytes(number: Int, size: Int) -> [UInt8] {
    var text = "From: Alice <alice@contoso.com>\r\nTo: Bob <bob@contoso.com>\r\nSubject: Benchmark \(number)\r\n"
    text += "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench.\(number)@archiver.invalid>\r\n\r\n"
    let line = String(repeating: "x", count: 74) + "\r\n"
    while text.utf8.count + line.utf8.count <= size { text += line }
    return Array(text.utf8)
}

func delivery(number: Int, options: Options) -> Delivery {
    let mailbox = MailboxAddress("user\(number % options.mailboxes)@contoso.com")!
    let id = "bench.\(number)@archiver.invalid"
    let message = EmailMessage(
        messageID: id,
        date: SampleItems.baseDate.addingTimeInterval(Double(number)),
        body: EmailBody(bytes: messageBytes(number: number, size: options.size))
    )
    return Delivery(
        mailboxes: [mailbox],
        folder: "WhatsApp Archiver",
        message: message,
        item: SampleItems.message(id: id)
    )
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// Delivers `count` messages through a fresh sink, committing every `batch`; returns the elapsed seconds and the
/// rate of the first and last tenth of the run.
func runSink(
    directory: String,
    count: Int,
    batch: Int,
    syncfs: Bool = false,
    options: Options
) async throws -> (Double, Double, Double) {
    var configuration = MaildirSink.Configuration(root: directory)
    configuration.syncsWholeFileSystem = syncfs
    let sink = try MaildirSink(configuration: configuration)
    let clock = ContinuousClock()
    let start = clock.now
    let tenth = max(count / 10, 1)
    var tenthStart = start
    var firstTenth = 0.0
    var lastTenth = 0.0
    for number in 0..<count {
        let result = try await sink.deliver(delivery(number: number, options: options))
        precondition(result.outcomes.map(\.status) == [.stored])
        if (number + 1) % batch == 0 || number + 1 == count { _ = try await sink.commit() }
        if (number + 1) % tenth == 0 {
            let now = clock.now
            let rate = Double(tenth) / seconds(now - tenthStart)
            if number + 1 == tenth { firstTenth = rate }
            lastTenth = rate
            tenthStart = now
        }
    }
    let elapsed = seconds(clock.now - start)
    try await sink.close()
    return (elapsed, firstTenth, lastTenth)
}

/// The file system's own rate: create a file in tmp/, write the message, close, rename into new/; with `sync`,
/// also fsync the file and the directory for every message.
func runRaw(directory: String, count: Int, sync: Bool, options: Options) throws -> Double {
    try FileManager.default.createDirectory(atPath: directory + "/tmp", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: directory + "/new", withIntermediateDirectories: true)
    let newDirectory = open(directory + "/new", O_RDONLY | O_DIRECTORY)
    defer { close(newDirectory) }
    let clock = ContinuousClock()
    let start = clock.now
    for number in 0..<count {
        let bytes = messageBytes(number: number, size: options.size)
        let temporary = directory + "/tmp/\(number)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        precondition(descriptor >= 0, "open failed: \(errno)")
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        precondition(written == bytes.count)
        if sync { precondition(fsync(descriptor) == 0) }
        close(descriptor)
        precondition(rename(temporary, directory + "/new/\(number)") == 0)
        if sync { precondition(fsync(newDirectory) == 0) }
    }
    return seconds(clock.now - start)
}

func peakMemoryMegabytes() -> Double {
    var usage = rusage()
    #if canImport(Darwin)
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576
    #else
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
    #endif
}

let options = Options(CommandLine.arguments)

if options.deliverOnly {
    let sink = try MaildirSink(root: options.root)
    var delivered = 0
    var duplicates = 0
    for number in 0..<options.messages {
        switch try await sink.deliver(delivery(number: number, options: options)).outcomes[0].status {
        case .stored: delivered += 1
        case .duplicate: duplicates += 1
        default: preconditionFailure("a Maildir sink answers stored or duplicate")
        }
        if (number + 1) % options.batch == 0 { _ = try await sink.commit() }
    }
    _ = try await sink.commit()
    print("delivered \(delivered), duplicates \(duplicates)")
    exit(0)
}
let scratch = options.root + "/maildir-benchmark-\(getpid())"
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

print(
    "Maildir benchmark in \(options.root): \(options.size)-byte messages over \(options.mailboxes) mailboxes, "
        + "\(options.rounds) rounds (median, min-max msg/s)"
)

/// The rates of each phase over the rounds; the phases are interleaved round by round so that a burst of load from
/// elsewhere on the machine affects them alike.
struct Results {
    var rates: [String: [Double]] = [:]
    var order: [String] = []

    mutating func record(_ label: String, _ count: Int, _ elapsed: Double) {
        if rates[label] == nil { order.append(label) }
        rates[label, default: []].append(Double(count) / elapsed)
    }
}
var results = Results()
var scaling: [String] = []

for round in 0..<options.rounds {
    let directory = scratch + "/round\(round)"
    // Each phase starts with no dirty data left over from the one before, which would otherwise be written back
    // (and paid for) inside the next phase's syncs.
    sync()
    let raw = try runRaw(directory: directory + "/raw", count: options.messages, sync: false, options: options)
    results.record("raw create-write-rename, no sync (\(options.messages))", options.messages, raw)
    sync()
    let rawSynced = try runRaw(directory: directory + "/raw-sync", count: options.each, sync: true, options: options)
    results.record("raw create-write-fsync-rename-fsync dir (\(options.each))", options.each, rawSynced)
    sync()
    let batched = try await runSink(
        directory: directory + "/batched",
        count: options.messages,
        batch: options.batch,
        options: options
    )
    results.record("MaildirSink, commit every \(options.batch) (\(options.messages))", options.messages, batched.0)
    scaling.append(String(format: "first tenth %.0f, last tenth %.0f msg/s", batched.1, batched.2))
    sync()
    let whole = try await runSink(
        directory: directory + "/syncfs",
        count: options.messages,
        batch: options.batch,
        syncfs: true,
        options: options
    )
    results.record("MaildirSink, syncfs every \(options.batch) (\(options.messages))", options.messages, whole.0)
    sync()
    let each = try await runSink(directory: directory + "/each", count: options.each, batch: 1, options: options)
    results.record("MaildirSink, commit every message (\(options.each))", options.each, each.0)
    try? FileManager.default.removeItem(atPath: directory)
}

for label in results.order {
    let sorted = results.rates[label]!.sorted()
    let padded = label.padding(toLength: 50, withPad: " ", startingAt: 0)
    print(padded + String(format: " %9.0f msg/s  (%.0f-%.0f)", sorted[sorted.count / 2], sorted[0], sorted.last!))
}
print("MaildirSink batched, per round: " + scaling.joined(separator: "; "))
print(String(format: "peak memory %.1f MB", peakMemoryMegabytes()))
