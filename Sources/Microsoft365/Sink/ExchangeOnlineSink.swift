import Foundation
import Synchronization
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ``WhatsAppArchiver/MailboxSink`` that stores every message in a folder of an Exchange Online mailbox over
/// Microsoft Graph, as received, non-draft mail whose MIME is the converter's.
///
/// - A message whose base64 fits a 4 MiB request goes in with one `importMime`; a larger one is created as a
///   non-draft message and its attachments are uploaded after it (an upload session above 3 MB, in chunks); an
///   attachment over 150 MiB is left out, the message says so, and the pair is partially imported.
/// - The folder is found or created once per mailbox; which messages it holds is read once (one paged listing, 1
///   request per 1000 messages) when the state directory has no journal of it, else from the journal: a duplicate
///   costs no request. A write whose answer was lost, in this run or a killed one, is checked with one lookup before
///   it is sent again. See `Documentation/Microsoft365.md` for the request budget.
/// - A delivery is durable when the service has answered `201`, so ``commit()`` has nothing left to wait for.
public final class ExchangeOnlineSink: MailboxSink {
    /// The configuration.
    public let configuration: Configuration
    let client: GraphClient
    private let journalDirectory: String
    private let spoolDirectory: String
    private let lockDescriptor: Int32
    private let lanes = Mutex<[String: MailboxLane]>([:])
    private let counters = Mutex((spool: 0, uncommitted: 0))

    /// Creates a sink; it takes the state directory's lock, so that two runs never share a journal.
    ///
    /// - Throws: ``WhatsAppArchiver/ArchiverError/Code/invalidConfiguration`` for a Graph URL that is not `https`
    ///   (or loopback `http`), or when another run holds the state directory;
    ///   ``WhatsAppArchiver/ArchiverError/Code/storageFailed`` when the state directory cannot be written.
    public init(configuration: Configuration, tokenProvider: any M365TokenProvider) throws {
        var configuration = configuration
        configuration.graphURL = try GraphEndpoint.validated(configuration.graphURL, what: "--m365-graph-url")
        self.configuration = configuration
        var limits = GraphClient.Limits()
        limits.requestsPerMailbox = configuration.requestsPerMailbox
        limits.maximumAttempts = max(configuration.maximumAttempts, 1)
        limits.initialDelay = configuration.initialRetryDelay
        client = GraphClient(
            graphURL: configuration.graphURL,
            provider: tokenProvider,
            limits: limits,
            timeout: configuration.requestTimeout
        )
        journalDirectory = configuration.stateDirectory + "/microsoft365"
        spoolDirectory = journalDirectory + "/spool"
        try POSIXFiles.ensureDirectories(configuration.stateDirectory)
        try POSIXFiles.ensureDirectory(journalDirectory)
        let lockPath = journalDirectory + "/lock"
        lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lockDescriptor >= 0 else { throw POSIXFiles.failure("open the lock file", lockPath, errno) }
        guard try MaildirFileSystem.tryLock(lockDescriptor, path: lockPath) else {
            _ = close(lockDescriptor)
            throw ArchiverError(
                .invalidConfiguration,
                "Another run uses the state directory \(configuration.stateDirectory); wait for it to finish.",
                scope: .run
            )
        }
        // What a killed run left in the spool is of no use: its messages are stored again from the source.
        try? FileManager.default.removeItem(atPath: spoolDirectory)
        try POSIXFiles.ensureDirectory(spoolDirectory)
    }

    deinit {
        _ = close(lockDescriptor)
    }

    /// Obtains a token and checks its permissions, before any item is read: a wrong secret, an unknown tenant or a
    /// missing permission stops the run here.
    ///
    /// - Throws: ``WhatsAppArchiver/ArchiverError/Code/authenticationFailed`` saying what to fix.
    public func verifyAccess() async throws {
        let token = try await client.token()
        guard let roles = token.roles else { return }  // not a JWT: the service answers for itself
        let missing = configuration.requiredRoles.filter { !roles.contains($0) }
        guard missing.isEmpty else {
            throw ArchiverError(
                .authenticationFailed,
                "The app lacks the application permission \(missing.joined(separator: " and ")) on Microsoft Graph: "
                    + "add it to the app registration and grant admin consent (see Documentation/Microsoft365.md).",
                scope: .run
            )
        }
    }

    /// Graph requests sent so far, by HTTP method: the request budget the benchmark measures.
    public var requestCounts: [String: Int] { client.requestCounts }

    /// `true`: one message for several mailboxes is written once and stored in them concurrently.
    public var acceptsSharedDeliveries: Bool { true }

    /// `true`: every delivery is durable when it returns, so a commit never waits for one.
    public var allowsDeliveriesDuringCommit: Bool { true }

    /// Stores one message in one mailbox.
    public func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        let result = try await deliver(
            SharedDelivery(
                mailboxes: [delivery.mailbox],
                folder: delivery.folder,
                message: delivery.message,
                item: delivery.item
            )
        )
        return try result[0].get()
    }

    /// Stores one message in several mailboxes at once; the body is written once.
    public func deliver(_ delivery: SharedDelivery) async throws -> [Result<DeliveryResult, ArchiverError>] {
        let messageID = delivery.message.messageID
        var results = [Result<DeliveryResult, ArchiverError>?](repeating: nil, count: delivery.mailboxes.count)
        var waiting: [(Int, MailboxLane)] = []
        for (index, mailbox) in delivery.mailboxes.enumerated() {
            let lane = lane(mailbox.rawValue, folder: delivery.folder)
            do {
                try await lane.prepare()
                if await lane.isStored(messageID) {
                    results[index] = .success(.duplicate)
                } else {
                    waiting.append((index, lane))
                }
            } catch let error as ArchiverError where error.scope == .item {
                results[index] = .failure(error)
            }
        }
        if !waiting.isEmpty {
            let name = counters.withLock { counters -> String in
                counters.spool += 1
                return "m\(counters.spool)"
            }
            let spool = MIMESpool(directory: spoolDirectory, name: name)
            defer { spool.discard() }
            try await delivery.message.body.write(to: spool)
            let payload: MessageImporter.Payload
            var spooledAttachments: [String] = []
            defer { for path in spooledAttachments { _ = unlink(path) } }
            switch spool.finish() {
            case .memory(let bytes):
                payload = .mime(bytes)
            case .file(let path, let size):
                // Split once, whatever the number of mailboxes: the attachments are decoded into files of their own.
                let parsed = try MIMEFileParser.parse(path: path, directory: spoolDirectory, prefix: name)
                spooledAttachments = parsed.attachments.map(\.path)
                spool.discard()
                payload = .large(parsed, size: size)
            }
            let importer = MessageImporter(client: client)
            let date = delivery.message.date
            let outcomes = try await withThrowingTaskGroup(of: (Int, Result<DeliveryResult, ArchiverError>).self) {
                group in
                for (index, lane) in waiting {
                    group.addTask {
                        do {
                            let outcome = try await importer.store(payload, messageID: messageID, date: date, in: lane)
                            return (index, .success(outcome.stored ? .delivered(byteCount: outcome.byteCount) : .duplicate))
                        } catch let error as ArchiverError where error.scope == .item {
                            return (index, .failure(error))
                        }
                    }
                }
                var collected: [(Int, Result<DeliveryResult, ArchiverError>)] = []
                for try await outcome in group { collected.append(outcome) }
                return collected
            }
            for (index, outcome) in outcomes { results[index] = outcome }
        }
        let delivered = results.count { if case .success(let result) = $0, result.status == .delivered { true } else { false } }
        counters.withLock { $0.uncommitted += delivered }
        return results.map { $0! }
    }

    /// Returns at once: every delivery was durable (answered `201`) when it returned.
    public func commit() async throws -> CommitReceipt {
        CommitReceipt(deliveries: counters.withLock { counters in
            defer { counters.uncommitted = 0 }
            return counters.uncommitted
        })
    }

    private func lane(_ mailbox: String, folder: String) -> MailboxLane {
        lanes.withLock { lanes in
            let key = mailbox + "\u{0}" + folder
            if let lane = lanes[key] { return lane }
            let lane = MailboxLane(mailbox: mailbox, folder: folder, client: client, journalDirectory: journalDirectory)
            lanes[key] = lane
            return lane
        }
    }
}
