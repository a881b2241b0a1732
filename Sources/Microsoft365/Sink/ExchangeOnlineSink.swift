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

/// A `MailboxSink` that stores every message in a folder of an Exchange Online mailbox over
/// Microsoft Graph, as received, non-draft mail whose MIME is the converter's.
///
/// - A message whose base64 fits a 4 MiB request goes in with one `importMime`; a larger one is created as a
///   non-draft message and its attachments are uploaded after it (an upload session above 3 MB, in chunks); an
///   attachment over 150 MiB is left out, the message says so, and the pair is partially imported.
/// - The folder is found or created once per mailbox; which messages it holds is read once (one paged listing, 1
///   request per 1000 messages) when the state directory has no journal of it, else from the journal: a duplicate
///   costs no request. A write whose answer was lost, in this run or a killed one, is checked with one lookup before
///   it is sent again. See `Documentation/Microsoft365.md` for the request budget.
/// - ``deliver(_:)`` answers `accepted` for the mailboxes it must write to and returns; the requests run in the
///   background, at most four per mailbox, every mailbox at once. A delivery is durable when the service has
///   answered `201`: ``waitUntilDurable(_:)`` waits for that and settles each accepted outcome.
public final class ExchangeOnlineSink: MailboxSink {
    /// The configuration.
    public let configuration: Configuration
    let client: GraphClient
    private let journalDirectory: String
    private let spoolDirectory: String
    private let lockDescriptor: Int32
    private let lanes = Mutex<[String: MailboxLane]>([:])
    private let state = Mutex(State())
    private let window: AsyncLimiter
    private let largeWindow: AsyncLimiter

    private struct State {
        var spoolCounter = 0
        var sequence = 0
        var unsealed: [Pending] = []
        var sealed: [Int: [Pending]] = [:]
        var fatal: (any Error)?
    }

    /// One (message, mailbox) write in flight.
    private struct Pending {
        var itemID: String
        var messageID: String
        var task: Task<MailboxOutcome, any Error>
    }

    /// Creates a sink; it takes the state directory's lock, so that two runs never share a journal.
    ///
    /// - Throws: `ArchiverError/Code/invalidConfiguration` for a Graph URL that is not `https`
    ///   (or loopback `http`), or when another run holds the state directory;
    ///   `ArchiverError/Code/storageFailed` when the state directory cannot be written.
    public init(configuration: Configuration, tokenProvider: any M365TokenProvider) throws {
        var configuration = configuration
        configuration.graphURL = try GraphEndpoint.validated(configuration.graphURL, what: "--m365-graph-url")
        self.configuration = configuration
        var limits = GraphClient.Limits()
        limits.requestsPerMailbox = configuration.requestsPerMailbox
        limits.chunkUploads = max(configuration.chunkUploadsInFlight, 1)
        limits.maximumAttempts = max(configuration.maximumAttempts, 1)
        limits.initialDelay = configuration.initialRetryDelay
        client = GraphClient(
            graphURL: configuration.graphURL,
            provider: tokenProvider,
            limits: limits,
            timeout: configuration.requestTimeout
        )
        window = AsyncLimiter(limit: max(configuration.messagesInFlight, 1))
        largeWindow = AsyncLimiter(limit: max(configuration.largeMessagesInFlight, 1))
        journalDirectory = configuration.stateDirectory + "/microsoft365"
        spoolDirectory = journalDirectory + "/spool"
        try POSIXFiles.ensureDirectories(configuration.stateDirectory)
        try POSIXFiles.ensureDirectory(journalDirectory)
        let lockPath = journalDirectory + "/lock"
        lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lockDescriptor >= 0 else { throw POSIXFiles.failure("open the lock file", lockPath, errno) }
        guard try MaildirFileSystem.tryLock(lockDescriptor, path: lockPath) else {
            _ = SystemError.closeIgnoringInterrupts(lockDescriptor)
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
        _ = SystemError.closeIgnoringInterrupts(lockDescriptor)
    }

    /// Obtains a token and checks its permissions, before any item is read: a wrong secret, an unknown tenant or a
    /// missing permission stops the run here.
    ///
    /// - Throws: `ArchiverError/Code/authenticationFailed` saying what to fix.
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

    /// Stores one message in every mailbox of the delivery; the body is written once.
    ///
    /// A mailbox that holds the message already is `MailboxOutcome/Status/duplicate` at once
    /// (from the journal or the folder's listing, without a request); a mailbox that does not exist or may not be
    /// opened is `MailboxOutcome/Status/refused`; the others are
    /// `MailboxOutcome/Status/accepted`: their requests run in the background, at most four per
    /// mailbox, and the receipt of the batch says what became of them.
    public func deliver(_ delivery: Delivery) async throws -> DeliveryResult {
        if let fatal = state.withLock({ $0.fatal }) { throw fatal }
        let messageID = delivery.message.messageID
        var outcomes = [MailboxOutcome?](repeating: nil, count: delivery.mailboxes.count)
        var waiting: [(index: Int, lane: MailboxLane)] = []
        for (index, mailbox) in delivery.mailboxes.enumerated() {
            let lane = lane(mailbox.rawValue, folder: delivery.folder)
            do {
                try await lane.prepare()
                if await lane.isStored(messageID) {
                    outcomes[index] = .duplicate(mailbox)
                } else {
                    waiting.append((index, lane))
                }
            } catch let error as ArchiverError where error.scope == .item {
                outcomes[index] = .refused(mailbox, error)
            }
        }
        if !waiting.isEmpty {
            // The window of writes in flight: a run never holds more spooled messages than this. It is wide, so
            // that a busy mailbox's backlog never starves the others; a message over 64 KiB also takes one of
            // few places of a second window, so that the memory held stays bounded.
            await window.acquire()
            let payload: Payload
            let isLarge: Bool
            do {
                payload = try await spool(delivery.message)
                isLarge = payload.byteCount > 64 << 10
                if isLarge { await largeWindow.acquire() }
            } catch {
                window.release()
                throw error  // an AttachmentFailure included: nothing was stored, the caller sends the fallback
            }
            let importer = MessageImporter(client: client)
            let date = delivery.message.date
            let itemID = delivery.item.id
            let partialReasons = delivery.message.partialReasons
            let group = PendingGroup(
                count: waiting.count,
                release: { [window, largeWindow, payload] in
                    payload.remove()
                    if isLarge { largeWindow.release() }
                    window.release()
                }
            )
            for (index, lane) in waiting {
                let mailbox = delivery.mailboxes[index]
                outcomes[index] = .accepted(mailbox, partialReasons: partialReasons)
                let task = Task { () throws -> MailboxOutcome in
                    defer { group.done() }
                    do {
                        let outcome = try await importer.store(
                            payload.payload,
                            messageID: messageID,
                            date: date,
                            in: lane
                        )
                        return outcome.stored
                            ? .stored(
                                mailbox,
                                byteCount: outcome.byteCount,
                                partialReasons: partialReasons + outcome.partialReasons
                            )
                            : .duplicate(mailbox)
                    } catch let error as ArchiverError where error.scope == .item {
                        return .refused(mailbox, error)
                    } catch {
                        self.state.withLock { if $0.fatal == nil { $0.fatal = error } }
                        throw error
                    }
                }
                state.withLock {
                    $0.unsealed.append(Pending(itemID: itemID, messageID: messageID, task: task))
                }
            }
        }
        return DeliveryResult(outcomes: outcomes.map { $0! })
    }

    /// Closes the batch of every delivery accepted so far; its requests are already running.
    public func seal() async throws -> SealedBatch {
        state.withLock { state in
            state.sequence += 1
            let batch = state.unsealed
            state.unsealed = []
            if !batch.isEmpty { state.sealed[state.sequence] = batch }
            return SealedBatch(sequence: state.sequence, deliveries: batch.count)
        }
    }

    /// Waits for every request of `batch`: the batch is durable when the service has answered `201` to each.
    ///
    /// - Throws: The run-scoped error of a request that kept failing; the batch (and every later one) is then not
    ///   durable, and the checkpoint stays where the last waited-for batch put it.
    public func waitUntilDurable(_ batch: SealedBatch) async throws -> CommitReceipt {
        let pending = state.withLock { $0.sealed.removeValue(forKey: batch.sequence) } ?? []
        var settled: [SettledDelivery] = []
        for delivery in pending {
            let outcome = try await delivery.task.value
            settled.append(SettledDelivery(itemID: delivery.itemID, messageID: delivery.messageID, outcome: outcome))
        }
        return CommitReceipt(deliveries: pending.count, settled: settled)
    }

    /// Waits for the requests still in flight (their outcomes are lost: not durable in the connector's eyes,
    /// recognised as stored by the next run), then releases the state directory's lock.
    public func close() async throws {
        let pending = state.withLock { state -> [Pending] in
            defer {
                state.unsealed = []
                state.sealed = [:]
            }
            return state.unsealed + state.sealed.values.flatMap { $0 }
        }
        for delivery in pending { _ = try? await delivery.task.value }
        _ = flock(lockDescriptor, LOCK_UN)
    }

    /// Writes the message's body into the spool, and splits it when it is too large for `importMime`.
    private func spool(_ message: EmailMessage) async throws -> Payload {
        let name = state.withLock { state -> String in
            state.spoolCounter += 1
            return "m\(state.spoolCounter)"
        }
        var spool = MIMESpool(directory: spoolDirectory, name: name)
        do {
            try await message.body.write(to: &spool)
        } catch {
            spool.discard()
            throw error
        }
        switch spool.contents() {
        case .memory(let bytes):
            return Payload(payload: .mime(bytes), files: [], byteCount: bytes.count)
        case .file(let path, let size):
            defer { spool.discard() }
            // Split once, whatever the number of mailboxes: the attachments are decoded into files of their own.
            let parsed = try MIMEFileParser.parse(path: path, directory: spoolDirectory, prefix: name)
            return Payload(
                payload: .large(parsed, size: size),
                files: parsed.attachments.map(\.path),
                byteCount: Int(clamping: size)
            )
        }
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
