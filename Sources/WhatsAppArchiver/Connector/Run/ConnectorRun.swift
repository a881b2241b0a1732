import Foundation

/// The state of one `Connector.run` and its loop: read a page, map, convert and deliver each item, seal a batch at
/// each commit point and wait for the previous one.
///
/// A class confined to the task that calls `run`, so that the hot loop mutates plain stored properties.
final class ConnectorRun {
    let connector: Connector
    let window: TimeWindow
    private let progress: (@Sendable (ProgressEvent) -> Void)?

    var tally: RunTally
    var checkpoint: CheckpointRules
    private var seenItemIDs = Set<String>()

    /// Deliveries and bytes since the last seal.
    var pendingDeliveries = 0
    var pendingBytes: Int64 = 0
    /// Batches sealed and not yet waited for, oldest first, each with the position the checkpoint may move to once
    /// it is durable.
    var sealedBatches: [(batch: SealedBatch, position: Date?)] = []
    /// Deliveries the sink answered `.accepted`, until a receipt settles them.
    var acceptedDeliveries: [AcceptedKey: AcceptedDelivery] = [:]

    /// Identifies an accepted delivery the way a ``SettledDelivery`` names it.
    struct AcceptedKey: Hashable {
        var itemID: String
        var mailbox: MailboxAddress
    }

    /// What is needed to count an accepted delivery once it settles.
    struct AcceptedDelivery {
        var sourceUser: String
        /// A quarantine copy: its item is already counted as unmapped.
        var isQuarantine: Bool
    }

    init(
        connector: Connector,
        window: TimeWindow,
        savedCheckpoint: Checkpoint?,
        progress: (@Sendable (ProgressEvent) -> Void)?
    ) {
        self.connector = connector
        self.window = window
        self.progress = progress
        self.tally = RunTally(window: window)
        self.checkpoint = CheckpointRules(window: window, saved: savedCheckpoint)
    }

    func execute() async throws -> RunReport {
        do {
            return try await executePages()
        } catch {
            // What sealed batches made durable still moves the checkpoint; their own failure is secondary.
            try? await waitForSealedBatches()
            throw error
        }
    }

    private func executePages() async throws -> RunReport {
        var cursor: SourceCursor?
        repeat {
            if Task.isCancelled { try await stopForCancellation() }
            let page = try await fetch(cursor: cursor)
            emit(.pageFetched)
            for invalid in page.invalidRecords {
                recordInvalid(invalid)
            }
            for item in page.items {
                if Task.isCancelled { try await stopForCancellation() }
                try await process(item)
                if pendingDeliveries >= connector.configuration.commitEveryDeliveries
                    || pendingBytes >= connector.configuration.commitEveryBytes
                {
                    try await commitPoint(position: checkpoint.lastFinishedPosition)
                }
            }
            if let next = page.nextCursor, next == cursor {
                throw ArchiverError(
                    .protocolViolation,
                    "The source returned the same cursor twice (\(next)); stopping instead of looping forever."
                )
            }
            cursor = page.nextCursor
        } while cursor != nil
        try await commitAll(position: window.until)
        return tally.report
    }

    // MARK: - Items

    private func process(_ item: Item) async throws {
        guard seenItemIDs.insert(item.id).inserted else { return }
        tally.itemRead()
        checkpoint.read(item.capturedAt)

        let mapping: MappingResult
        do {
            mapping = try await connector.mapper.map(MappingRequest(item: item))
        } catch {
            throw Connector.runError(error, code: .invalidConfiguration, "The user mapper failed on item \(item.id).")
        }

        if mapping.mailboxes.isEmpty {
            tally.pairForImport()
            var detail = mapping.unmappedSummary
            if let quarantine = mapping.quarantine {
                let attempt = try await DeliveryAttempt.run(
                    item,
                    mapping: mapping,
                    mailboxes: [quarantine],
                    quarantineReason: detail,
                    connector: connector
                )
                let note = try await applyQuarantine(attempt, item: item, quarantine: quarantine)
                detail += detail.isEmpty ? note : "; " + note
            }
            recordFailure(item: item, mailbox: nil, reason: .unmapped, detail: detail)
        } else {
            let attempt = try await DeliveryAttempt.run(
                item,
                mapping: mapping,
                mailboxes: mapping.mailboxes,
                quarantineReason: nil,
                connector: connector
            )
            try await apply(attempt, item: item, mailboxes: mapping.mailboxes)
        }
        checkpoint.finished(item.capturedAt)
        emit(.itemFinished, itemID: item.id)
    }

    /// Counts an attempt at an item's mailboxes, in mailbox order; stops the run on cancellation.
    private func apply(_ attempt: DeliveryAttempt, item: Item, mailboxes: [MailboxAddress]) async throws {
        switch attempt {
        case .cancelled:
            try await stopForCancellation()
        case .conversionFailed(let problem):
            for mailbox in mailboxes {
                tally.pairForImport()
                recordFailure(item: item, mailbox: mailbox, reason: problem.code, detail: problem.message)
            }
        case .deliveryFailed(let problem):
            tally.itemConverted()
            for mailbox in mailboxes {
                tally.pairForImport()
                recordFailure(item: item, mailbox: mailbox, reason: problem.code, detail: problem.message)
            }
        case .delivered(let outcomes):
            tally.itemConverted()
            for outcome in outcomes {
                tally.pairForImport()
                try count(outcome, itemID: item.id, sourceUser: item.from.phone)
                if outcome.status == .accepted {
                    acceptedDeliveries[AcceptedKey(itemID: item.id, mailbox: outcome.mailbox)] = AcceptedDelivery(
                        sourceUser: item.from.phone,
                        isQuarantine: false
                    )
                }
                if outcome.status == .stored || outcome.status == .accepted {
                    pendingDeliveries += 1
                    pendingBytes += outcome.byteCount
                }
            }
        }
    }

    /// Counts a final outcome (or notes an accepted one) of one (item, mailbox) pair already up for import.
    func count(_ outcome: MailboxOutcome, itemID: String, sourceUser: String?) throws {
        switch outcome.status {
        case .stored:
            tally.stored(
                itemID: itemID,
                mailbox: outcome.mailbox,
                byteCount: outcome.byteCount,
                partialReasons: outcome.partialReasons
            )
        case .duplicate:
            tally.duplicate()
        case .refused:
            let problem = outcome.refusal
            tally.failure(
                itemID: itemID,
                sourceUser: sourceUser,
                mailbox: outcome.mailbox,
                reason: problem.code,
                detail: problem.message
            )
        case .accepted:
            break
        default:
            throw ArchiverError(
                .protocolViolation,
                "The sink answered \"\(outcome.status)\" for item \(itemID) in \(outcome.mailbox), a status this "
                    + "connector does not know.",
                scope: .run
            )
        }
    }

    /// Handles the quarantine copy of an unmapped item; returns what the item's failure entry says about it.
    private func applyQuarantine(
        _ attempt: DeliveryAttempt,
        item: Item,
        quarantine: MailboxAddress
    ) async throws -> String {
        switch attempt {
        case .cancelled:
            try await stopForCancellation()
        case .conversionFailed(let problem):
            return "quarantine copy not stored: \(problem)"
        case .deliveryFailed(let problem):
            tally.itemConverted()
            return "quarantine copy not stored: \(problem)"
        case .delivered(let outcomes):
            tally.itemConverted()
            let outcome = outcomes[0]
            switch outcome.status {
            case .stored, .duplicate:
                if outcome.status == .stored {
                    pendingDeliveries += 1
                    pendingBytes += outcome.byteCount
                }
                return "copy kept in \(quarantine)"
            case .accepted:
                pendingDeliveries += 1
                acceptedDeliveries[AcceptedKey(itemID: item.id, mailbox: quarantine)] = AcceptedDelivery(
                    sourceUser: item.from.phone,
                    isQuarantine: true
                )
                return "copy handed to \(quarantine)"
            default:
                return "quarantine copy not stored: \(outcome.refusal)"
            }
        }
    }

    private func recordInvalid(_ invalid: InvalidRecord) {
        if let id = invalid.itemID {
            guard seenItemIDs.insert(id).inserted else { return }
        }
        tally.itemRead()
        tally.pairForImport()
        tally.failure(
            itemID: invalid.itemID,
            sourceUser: nil,
            mailbox: nil,
            reason: .invalidItem,
            detail: "\(invalid.position): \(invalid.reason)"
        )
        emit(.itemFinished, itemID: invalid.itemID)
    }

    private func recordFailure(item: Item, mailbox: MailboxAddress?, reason: ArchiverError.Code, detail: String?) {
        tally.failure(itemID: item.id, sourceUser: item.from.phone, mailbox: mailbox, reason: reason, detail: detail)
    }

    // MARK: - Source

    private func fetch(cursor: SourceCursor?) async throws -> SourcePage {
        do {
            return try await connector.source.fetchPage(
                PageRequest(window: window, cursor: cursor, limit: connector.configuration.pageSize)
            )
        } catch is CancellationError {
            try await stopForCancellation()
        } catch {
            // What was delivered before the source failed is kept: commit it so that the rerun starts later.
            try await commitAll(position: checkpoint.lastFinishedPosition)
            throw Connector.runError(error, code: .sourceUnavailable, "The source failed.")
        }
    }

    func stopForCancellation() async throws -> Never {
        try await commitAll(position: checkpoint.lastFinishedPosition)
        throw CancellationError()
    }

    func emit(_ kind: ProgressEvent.Kind, itemID: String? = nil) {
        progress?(ProgressEvent(kind: kind, counts: tally.counts, itemID: itemID))
    }
}
