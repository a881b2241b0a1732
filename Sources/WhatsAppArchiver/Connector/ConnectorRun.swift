import Foundation

/// The state of one `Connector.run`: counters, the pending-commit tally and the checkpoint logic.
///
/// A class confined to the task that calls `run`, so that the hot loop mutates plain stored properties.
final class ConnectorRun {
    private let connector: Connector
    private let window: TimeWindow
    private let savedCheckpoint: Checkpoint?
    private let progress: (@Sendable (ProgressEvent) -> Void)?

    private var report: RunReport
    private var counts = ProgressCounts()
    private var seenItemIDs = Set<String>()

    /// Deliveries and bytes since the last commit.
    private var pendingDeliveries = 0
    private var pendingBytes: Int64 = 0
    /// The `capturedAt` of the last finished item: every item captured before it is finished.
    private var lastFinishedPosition: Date?
    /// False once the source returned items out of (`capturedAt`) order: only the end of the run then moves the
    /// checkpoint, since a position reached mid-run no longer means that everything before it is done.
    private var positionsAreOrdered = true
    /// The checkpoint may move only when this run's window starts at or before the saved checkpoint; otherwise a gap
    /// between the two would be marked done without having been read.
    private let checkpointMayAdvance: Bool
    private var lastSavedPosition: Date?
    /// A commit running in the background (for a sink that ``MailboxSink/allowsDeliveriesDuringCommit``), and
    /// the position the checkpoint may move to once it has returned.
    private var commitInFlight: (task: Task<CommitReceipt, any Error>, position: Date?)?

    init(
        connector: Connector,
        window: TimeWindow,
        savedCheckpoint: Checkpoint?,
        progress: (@Sendable (ProgressEvent) -> Void)?
    ) {
        self.connector = connector
        self.window = window
        self.savedCheckpoint = savedCheckpoint
        self.progress = progress
        self.report = RunReport(window: window)
        self.checkpointMayAdvance = savedCheckpoint.map { window.from <= $0.position } ?? true
        self.lastSavedPosition = savedCheckpoint?.position
    }

    func execute() async throws -> RunReport {
        do {
            return try await executePages()
        } catch {
            // What a background commit made durable still moves the checkpoint; its own failure is secondary.
            try? await finishCommitInFlight()
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
                    if connector.sink.allowsDeliveriesDuringCommit {
                        try await startCommit(position: lastFinishedPosition)
                    } else {
                        try await commit(position: lastFinishedPosition)
                    }
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
        try await commit(position: window.until)
        return report
    }

    // MARK: - Items

    private func process(_ item: Item) async throws {
        guard seenItemIDs.insert(item.id).inserted else { return }
        counts.itemsRead += 1
        report.itemsFromSource += 1
        if let last = lastFinishedPosition, item.capturedAt < last {
            positionsAreOrdered = false
            lastFinishedPosition = nil
        }

        let mapping: MappingResult
        do {
            mapping = try await connector.mapper.map(MappingRequest(item: item))
        } catch {
            throw Connector.runError(error, code: .invalidConfiguration, "The user mapper failed on item \(item.id).")
        }

        if mapping.mailboxes.isEmpty {
            report.itemsForImport += 1
            var detail = mapping.unmappedSummary
            if let quarantine = mapping.quarantine {
                let outcome = try await deliver(item, to: quarantine, mapping: mapping, quarantineReason: detail)
                detail += detail.isEmpty ? "" : "; "
                detail += outcome.map { "quarantine copy not stored: \($0)" } ?? "copy kept in \(quarantine)"
            }
            recordFailure(item: item, mailbox: nil, reason: ArchiverError.Code.unmapped.rawValue, detail: detail)
        } else if mapping.mailboxes.count > 1 && connector.converter.makesSameMessageForEveryMailbox
            && connector.sink.acceptsSharedDeliveries
        {
            let outcomes = try await Self.attemptShared(item, mapping: mapping, connector: connector)
            for (mailbox, outcome) in zip(mapping.mailboxes, outcomes) {
                report.itemsForImport += 1
                if let problem = try await apply(outcome, item: item, mailbox: mailbox, quarantined: false) {
                    recordFailure(item: item, mailbox: mailbox, reason: problem.code.rawValue, detail: problem.message)
                }
            }
        } else if connector.configuration.copiesInParallel > 1 && mapping.mailboxes.count > 1 {
            let outcomes = try await Self.attemptInParallel(
                item,
                mailboxes: mapping.mailboxes,
                mapping: mapping,
                connector: connector
            )
            for (mailbox, outcome) in zip(mapping.mailboxes, outcomes) {
                report.itemsForImport += 1
                if let problem = try await apply(outcome, item: item, mailbox: mailbox, quarantined: false) {
                    recordFailure(item: item, mailbox: mailbox, reason: problem.code.rawValue, detail: problem.message)
                }
            }
        } else {
            for mailbox in mapping.mailboxes {
                report.itemsForImport += 1
                if let problem = try await deliver(item, to: mailbox, mapping: mapping, quarantineReason: nil) {
                    recordFailure(item: item, mailbox: mailbox, reason: problem.code.rawValue, detail: problem.message)
                }
            }
        }
        finish(item)
    }

    /// What converting and delivering one copy came to. Computed without touching the run's state, so that
    /// copies can be attempted in parallel and their outcomes applied afterwards, in mailbox order.
    private enum CopyOutcome: Sendable {
        /// The converter failed on this copy (an item-scoped problem).
        case conversionFailed(ArchiverError)
        /// Converted; the sink refused this copy (an item-scoped problem).
        case deliveryFailed(ArchiverError)
        /// Converted and stored, or recognised as a duplicate.
        case delivered(DeliveryResult, partialReasons: [PartialReason])
        /// The task was cancelled during the conversion.
        case cancelled
    }

    /// Converts and delivers one copy; returns the item-scoped problem when this copy failed, and throws when the
    /// run must stop.
    private func deliver(
        _ item: Item,
        to mailbox: MailboxAddress,
        mapping: MappingResult,
        quarantineReason: String?
    ) async throws -> ArchiverError? {
        let outcome = try await Self.attempt(
            item,
            to: mailbox,
            mapping: mapping,
            quarantineReason: quarantineReason,
            connector: connector
        )
        return try await apply(outcome, item: item, mailbox: mailbox, quarantined: quarantineReason != nil)
    }

    /// What converting an item and handing the message to the sink came to, before it is split per mailbox.
    private enum Attempt<Delivered> {
        case delivered(Delivered, partialReasons: [PartialReason])
        case conversionFailed(ArchiverError)
        case deliveryFailed(ArchiverError)
        case cancelled
    }

    /// Converts `request` and hands the message to `deliver`; throws (run-scoped) when the run must stop.
    ///
    /// An attachment that turns out missing or corrupt only while the body is written (a reader that verifies at
    /// the end of its stream) fails that delivery; the item is then converted once more, when the source reports
    /// the attachment as unavailable at open, so that it is stored with a placeholder, as partially imported.
    private static func convertAndDeliver<Delivered>(
        _ request: ConversionRequest,
        connector: Connector,
        deliver: (EmailMessage) async throws -> Delivered
    ) async throws -> Attempt<Delivered> {
        var isRetry = false
        while true {
            let message: EmailMessage
            do {
                message = try await connector.converter.convert(request)
            } catch let error as ArchiverError where error.scope == .run {
                throw error
            } catch is CancellationError {
                return .cancelled
            } catch {
                return .conversionFailed(Self.itemProblem(error, code: .conversionFailed))
            }
            let partialReasons = message.partialReasons
            do {
                return .delivered(try await deliver(message), partialReasons: partialReasons)
            } catch let error as ArchiverError where error.scope == .item {
                if !isRetry && Self.isAttachmentProblem(error) {
                    isRetry = true
                    continue
                }
                return .deliveryFailed(error)
            } catch {
                throw Connector.runError(
                    error,
                    code: .storageFailed,
                    "The sink failed to store item \(request.item.id)."
                )
            }
        }
    }

    /// Converts and delivers one copy; throws (run-scoped) when the run must stop.
    private static func attempt(
        _ item: Item,
        to mailbox: MailboxAddress,
        mapping: MappingResult,
        quarantineReason: String?,
        connector: Connector
    ) async throws -> CopyOutcome {
        let request = ConversionRequest(
            item: item,
            mailbox: mailbox,
            mapping: mapping,
            quarantineReason: quarantineReason
        )
        let attempt = try await convertAndDeliver(request, connector: connector) { message in
            try await connector.sink.deliver(
                Delivery(mailbox: mailbox, folder: connector.configuration.folder, message: message, item: item)
            )
        }
        switch attempt {
        case .delivered(let result, let partialReasons): return .delivered(result, partialReasons: partialReasons)
        case .conversionFailed(let problem): return .conversionFailed(problem)
        case .deliveryFailed(let problem): return .deliveryFailed(problem)
        case .cancelled: return .cancelled
        }
    }

    /// Converts an item once and delivers it to all its mailboxes in one ``SharedDelivery``; the outcomes come
    /// back in mailbox order.
    private static func attemptShared(
        _ item: Item,
        mapping: MappingResult,
        connector: Connector
    ) async throws -> [CopyOutcome] {
        let count = mapping.mailboxes.count
        let request = ConversionRequest(item: item, mailbox: mapping.mailboxes[0], mapping: mapping)
        let attempt = try await convertAndDeliver(request, connector: connector) { message in
            try await connector.sink.deliver(
                SharedDelivery(
                    mailboxes: mapping.mailboxes,
                    folder: connector.configuration.folder,
                    message: message,
                    item: item
                )
            )
        }
        switch attempt {
        case .cancelled:
            return Array(repeating: .cancelled, count: count)
        case .conversionFailed(let problem):
            return Array(repeating: .conversionFailed(problem), count: count)
        case .deliveryFailed(let problem):
            return Array(repeating: .deliveryFailed(problem), count: count)
        case .delivered(let results, let partialReasons):
            guard results.count == count else {
                throw ArchiverError(
                    .protocolViolation,
                    "The sink returned \(results.count) results for a shared delivery to \(count) mailboxes "
                        + "(item \(item.id)); a sink must return one per mailbox.",
                    scope: .run
                )
            }
            return results.map { result in
                switch result {
                case .success(let delivered): .delivered(delivered, partialReasons: partialReasons)
                case .failure(let problem): .deliveryFailed(problem)
                }
            }
        }
    }

    private static func isAttachmentProblem(_ error: ArchiverError) -> Bool {
        error.code == .attachmentIntegrity || error.code == .attachmentMissing
    }

    /// Attempts every copy of an item, at most ``Connector/Configuration/copiesInParallel`` at a time; the
    /// outcomes come back in mailbox order.
    private static func attemptInParallel(
        _ item: Item,
        mailboxes: [MailboxAddress],
        mapping: MappingResult,
        connector: Connector
    ) async throws -> [CopyOutcome] {
        try await withThrowingTaskGroup(of: (Int, CopyOutcome).self) { group in
            var outcomes = [CopyOutcome](repeating: .cancelled, count: mailboxes.count)
            var running = 0
            for (index, mailbox) in mailboxes.enumerated() {
                if running == connector.configuration.copiesInParallel, let (done, outcome) = try await group.next() {
                    outcomes[done] = outcome
                    running -= 1
                }
                group.addTask {
                    let outcome = try await attempt(
                        item,
                        to: mailbox,
                        mapping: mapping,
                        quarantineReason: nil,
                        connector: connector
                    )
                    return (index, outcome)
                }
                running += 1
            }
            for try await (done, outcome) in group {
                outcomes[done] = outcome
            }
            return outcomes
        }
    }

    /// Counts one copy's outcome; returns its item-scoped problem, and stops the run on cancellation.
    private func apply(
        _ outcome: CopyOutcome,
        item: Item,
        mailbox: MailboxAddress,
        quarantined: Bool
    ) async throws -> ArchiverError? {
        let result: DeliveryResult
        let partialReasons: [PartialReason]
        switch outcome {
        case .cancelled:
            try await stopForCancellation()
        case .conversionFailed(let problem):
            return problem
        case .deliveryFailed(let problem):
            counts.converted += 1
            return problem
        case .delivered(let delivered, let reasons):
            counts.converted += 1
            result = delivered
            partialReasons = reasons
        }
        guard !quarantined else { return nil }

        switch result.status {
        case .duplicate:
            report.skippedDuplicates += 1
            counts.duplicates += 1
        case .delivered:
            counts.delivered += 1
            counts.bytes += result.byteCount
            pendingDeliveries += 1
            pendingBytes += result.byteCount
            if partialReasons.isEmpty {
                report.imported += 1
            } else {
                report.partiallyImported += 1
                for reason in partialReasons {
                    report.partials.append(
                        RunReport.Partial(
                            itemID: item.id,
                            mailbox: mailbox,
                            reason: reason.code.rawValue,
                            detail: reason.detail
                        )
                    )
                }
            }
        }
        return nil
    }

    private func finish(_ item: Item) {
        if positionsAreOrdered {
            lastFinishedPosition = max(lastFinishedPosition ?? item.capturedAt, item.capturedAt)
        }
        emit(.itemFinished, itemID: item.id)
    }

    private func recordInvalid(_ invalid: InvalidRecord) {
        if let id = invalid.itemID {
            guard seenItemIDs.insert(id).inserted else { return }
        }
        counts.itemsRead += 1
        report.itemsFromSource += 1
        report.itemsForImport += 1
        recordFailure(
            itemID: invalid.itemID,
            sourceUser: nil,
            mailbox: nil,
            reason: ArchiverError.Code.invalidItem.rawValue,
            detail: "\(invalid.position): \(invalid.reason)"
        )
        emit(.itemFinished, itemID: invalid.itemID)
    }

    private func recordFailure(item: Item, mailbox: MailboxAddress?, reason: String, detail: String?) {
        recordFailure(itemID: item.id, sourceUser: item.from.phone, mailbox: mailbox, reason: reason, detail: detail)
    }

    private func recordFailure(
        itemID: String?,
        sourceUser: String?,
        mailbox: MailboxAddress?,
        reason: String,
        detail: String?
    ) {
        report.failed += 1
        counts.failures += 1
        report.failures.append(
            RunReport.Failure(
                itemID: itemID,
                sourceUser: sourceUser,
                mailbox: mailbox,
                reason: reason,
                detail: detail?.isEmpty == true ? nil : detail
            )
        )
    }

    private static func itemProblem(_ error: any Error, code: ArchiverError.Code) -> ArchiverError {
        if let archiverError = error as? ArchiverError { return archiverError }
        return ArchiverError(code, String(describing: error), scope: .item)
    }

    // MARK: - Source, commit, checkpoint

    private func fetch(cursor: SourceCursor?) async throws -> SourcePage {
        do {
            return try await connector.source.fetchPage(
                PageRequest(window: window, cursor: cursor, limit: connector.configuration.pageSize)
            )
        } catch is CancellationError {
            try await stopForCancellation()
        } catch {
            // What was delivered before the source failed is kept: commit it so that the rerun starts later.
            try await commit(position: lastFinishedPosition)
            throw Connector.runError(error, code: .sourceUnavailable, "The source failed.")
        }
    }

    /// Starts a commit in the background, after the previous one has returned: the sink makes this batch durable
    /// while the run converts and delivers the next.
    private func startCommit(position: Date?) async throws {
        try await finishCommitInFlight()
        let sink = connector.sink
        commitInFlight = (Task { try await sink.commit() }, position)
        pendingDeliveries = 0
        pendingBytes = 0
    }

    /// Waits for the background commit, if any, then counts it and moves the checkpoint.
    private func finishCommitInFlight() async throws {
        guard let (task, position) = commitInFlight else { return }
        commitInFlight = nil
        let receipt: CommitReceipt
        do {
            receipt = try await task.value
        } catch {
            throw Connector.runError(error, code: .storageFailed, "The sink could not make deliveries durable.")
        }
        counts.committed += receipt.deliveries
        if let position { try await saveCheckpoint(position) }
        emit(.committed)
    }

    private func commit(position: Date?) async throws {
        try await finishCommitInFlight()
        let receipt: CommitReceipt
        do {
            receipt = try await connector.sink.commit()
        } catch {
            throw Connector.runError(error, code: .storageFailed, "The sink could not make deliveries durable.")
        }
        counts.committed += receipt.deliveries
        pendingDeliveries = 0
        pendingBytes = 0
        if let position { try await saveCheckpoint(position) }
        emit(.committed)
    }

    private func saveCheckpoint(_ position: Date) async throws {
        guard checkpointMayAdvance else { return }
        if let lastSavedPosition, position <= lastSavedPosition { return }
        let checkpoint = Checkpoint(position: position, savedAt: connector.configuration.clock.now())
        do {
            try await connector.checkpoints.save(checkpoint)
        } catch {
            throw Connector.runError(error, code: .checkpointFailed, "Cannot save the checkpoint.")
        }
        lastSavedPosition = position
    }

    private func stopForCancellation() async throws -> Never {
        try await commit(position: positionsAreOrdered ? lastFinishedPosition : nil)
        throw CancellationError()
    }

    private func emit(_ kind: ProgressEvent.Kind, itemID: String? = nil) {
        progress?(ProgressEvent(kind: kind, counts: counts, itemID: itemID))
    }
}
