// An integrator writes their own sink: an actor that streams each message to an upload with an explicit end, the
// shape of an HTTP upload to an archive's API. Only public API of WhatsAppArchiver is used.
import Foundation
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// A stand-in for a network upload: it receives the message in chunks and is told when it is complete. A real one
/// would send each chunk on a socket and read the server's answer in `finish`.
final class Upload {
    let name: String
    private(set) var byteCount = 0
    private(set) var chunks = 0

    init(name: String) {
        self.name = name
    }

    func send(_ bytes: UnsafeRawBufferPointer) async throws {
        // A real upload awaits the socket here; the suspension is what the async writer makes possible.
        await Task.yield()
        byteCount += bytes.count
        chunks += 1
    }

    func finish() async throws -> String {
        "upload \(name): \(byteCount) bytes in \(chunks) chunks, complete"
    }
}

/// Writes a message's bytes into an upload as the body produces them: no copy of the whole message is held.
struct UploadWriter: EmailByteWriter {
    let upload: Upload
    var receipt: String?

    mutating func write(_ bytes: UnsafeRawBufferPointer) async throws {
        try await upload.send(bytes)
    }

    mutating func finish() async throws {
        receipt = try await upload.finish()
    }
}

/// Uploads each message once per mailbox and remembers what it uploaded. An actor: its state needs no lock, and
/// everything the connector hands it is `Sendable`.
actor UploadSink: PerMailboxSink {
    private var uploaded = Set<String>()
    private var batch = 0
    private var sealed = 0

    func deliver(_ delivery: MailboxDelivery) async throws -> MailboxOutcome {
        let key = "\(delivery.mailbox)/\(delivery.folder)/\(delivery.message.messageID)"
        guard !uploaded.contains(key) else { return .duplicate(delivery.mailbox) }
        var writer = UploadWriter(upload: Upload(name: "\(delivery.item.id) to \(delivery.mailbox)"))
        // The body calls writer.finish() once it has written the last byte; an AttachmentFailure it throws passes
        // through unchanged, and the connector then delivers the message's fallback.
        try await delivery.message.body.write(to: &writer)
        uploaded.insert(key)
        batch += 1
        print("deliver \(delivery.item.id) to \(delivery.mailbox) [\(delivery.folder)]: \(writer.receipt ?? "?")")
        return .stored(
            delivery.mailbox,
            byteCount: Int64(writer.upload.byteCount),
            partialReasons: delivery.message.partialReasons
        )
    }

    /// Each upload was complete when `finish` returned: the whole commit happens here.
    func seal() async throws -> SealedBatch {
        sealed += 1
        defer { batch = 0 }
        print("commit \(batch) uploads")
        return SealedBatch(sequence: sealed, deliveries: batch)
    }
}

var configuration = Connector.Configuration()
configuration.clock = FixedClock("2026-11-24T00:00:00Z")
let sink = UploadSink()
let connector = Connector(
    source: InMemorySource(items: [
        SampleItems.message(id: "wa-1", text: "Hello Carol"),
        SampleItems.message(id: "wa-2", offset: 30, from: SampleItems.carol, to: [SampleItems.alice], text: "Hi"),
    ]),
    mapper: StaticMapper(),
    converter: SummaryConverter(),
    sink: sink,
    checkpoints: InMemoryCheckpointStore(),
    configuration: configuration
)
let report = try await connector.run()
try await sink.close()
print("imported \(report.imported), duplicates \(report.skippedDuplicates), failed \(report.failed)")
