// Does a delivery cost more as the folder grows? Delivers N messages (default 100,000) into one Maildir folder
// through MaildirSink, committing every B (default 1,000), and times every batch:
//
//   swift run -c release --package-path Benchmarks FolderScaleBenchmark --root DIR [--messages N] [--batch B]
//       [--size BYTES]
//
// Prints the rate of the batch that holds the 1,000th delivery, of the one that holds the last, their ratio, and the
// slowest and median batch. DIR is a scratch directory (/dev/shm to see the code rather than the disk); what the
// benchmark writes there is removed at the end.
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
    var messages = 100_000
    var batch = 1_000
    var size = 2_048

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--root": root = value
            case "--messages": messages = max(Int(value) ?? messages, 1)
            case "--batch": batch = max(Int(value) ?? batch, 1)
            case "--size": size = Int(value) ?? size
            default:
                print("unknown option \(flag)")
                exit(2)
            }
        }
        if root.isEmpty {
            print("usage: FolderScaleBenchmark --root DIR [--messages N] [--batch B] [--size BYTES]")
            exit(2)
        }
    }
}

/// A message of about `size` bytes, as a converter would produce it.
func messageBytes(number: Int, size: Int) -> [UInt8] {
    var text = "From: Alice <alice@contoso.com>\r\nTo: Bob <bob@contoso.com>\r\nSubject: Folder scale \(number)\r\n"
    text += "Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <scale.\(number)@archiver.invalid>\r\n\r\n"
    let line = String(repeating: "x", count: 74) + "\r\n"
    while text.utf8.count + line.utf8.count <= size { text += line }
    return Array(text.utf8)
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let options = Options(CommandLine.arguments)
let scratch = options.root + "/folder-scale-\(getpid())"
try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: scratch) }

let mailbox = MailboxAddress("scale@contoso.com")!
let sink = try MaildirSink(root: scratch)
let clock = ContinuousClock()
var batchRates: [Double] = []
var batchStart = clock.now
for number in 0..<options.messages {
    let id = "scale.\(number)@archiver.invalid"
    let message = EmailMessage(
        messageID: id,
        date: SampleItems.baseDate.addingTimeInterval(Double(number)),
        body: EmailBody(bytes: messageBytes(number: number, size: options.size))
    )
    let delivery = Delivery(
        mailboxes: [mailbox],
        folder: "WhatsApp Archiver",
        message: message,
        item: SampleItems.message(id: id)
    )
    let result = try await sink.deliver(delivery)
    precondition(result.outcomes.map(\.status) == [.stored])
    if (number + 1) % options.batch == 0 || number + 1 == options.messages {
        _ = try await sink.commit()
        let now = clock.now
        let count = (number % options.batch) + 1
        batchRates.append(Double(count) / seconds(now - batchStart))
        batchStart = now
    }
}
try await sink.close()

let first = batchRates[min(999 / options.batch, batchRates.count - 1)]
let last = batchRates[batchRates.count - 1]
let sorted = batchRates.sorted()
print(
    String(
        format: "folder_scale messages %d batch %d first_rate %.0f last_rate %.0f last_over_first %.2f "
            + "slowest_batch %.0f median_batch %.0f",
        options.messages,
        options.batch,
        first,
        last,
        last / first,
        sorted[0],
        sorted[sorted.count / 2]
    )
)
