import Foundation

/// The archiving pipeline: reads items from a source, maps them to mailboxes, converts each to an email and
/// delivers it, then moves the checkpoint.
///
/// ```swift
/// let connector = Connector(
///     source: mySource, mapper: myMapper, converter: myConverter, sink: mySink,
///     checkpoints: try FileCheckpointStore(directory: stateDirectory))
/// let report = try await connector.run()
/// ```
///
/// ## Guarantees
///
/// - Fan-out: every item goes to every mailbox its participants map to. It is converted once
///   (``ConversionRequest/mailboxes`` names them all) and handed to the sink in one ``Delivery``; a sink that stores
///   per mailbox loops (``PerMailboxSink``). An item that reaches no mailbox goes the same way to the quarantine
///   mailbox, when there is one.
/// - Late attachment failures: when the sink throws ``AttachmentFailure`` (an attachment failed while the body was
///   streamed), the connector delivers the message's ``EmailMessage/fallback`` instead; the source is not asked
///   again. Without a fallback, the item's deliveries fail with the failure's code.
/// - Accounting: every item read is counted in the ``RunReport``; an invalid or unmapped item is one failure, never
///   a silent drop, and `itemsForImport == imported + partiallyImported + skippedDuplicates + failed`.
/// - A problem with one item never stops the run. An error that is not about one item (the source down after its
///   retries, the disk full) stops the run with an ``ArchiverError`` and the checkpoint at the last durable point.
/// - Two-phase commits: after ``Configuration/commitEveryDeliveries`` deliveries (or
///   ``Configuration/commitEveryBytes``) the connector seals the batch (``MailboxSink/seal()``) and goes on
///   delivering; at the next commit point, at the end and on every exit path it waits for the batch sealed before
///   (``MailboxSink/waitUntilDurable(_:)``). Deliveries the sink answered ``MailboxOutcome/Status/accepted`` are
///   counted in the report when that receipt settles them.
/// - The checkpoint only ever covers items whose deliveries the sink reported durable: it moves to the position
///   recorded at a batch's seal once that batch was waited for.
/// - Cancelling the calling task stops the run at the next item: deliveries so far are sealed and waited for, the
///   checkpoint moves to the last durable item, and `run` throws `CancellationError`.
/// - Work runs in the caller's task. The connector never closes the sink: its owner does (``MailboxSink/close()``).
public struct Connector: Sendable {
    /// The source of items.
    public let source: any MessageSource
    /// Decides which mailboxes each item goes to.
    public let mapper: any UserMapper
    /// Turns items into email messages.
    public let converter: any MessageConverter
    /// Stores messages.
    public let sink: any MailboxSink
    /// Keeps the progress between runs.
    public let checkpoints: any CheckpointStore
    /// Tuning and behaviour.
    public let configuration: Configuration

    /// Creates a connector from its four roles and a checkpoint store.
    public init(
        source: any MessageSource,
        mapper: any UserMapper,
        converter: any MessageConverter,
        sink: any MailboxSink,
        checkpoints: any CheckpointStore,
        configuration: Configuration = Configuration()
    ) {
        self.source = source
        self.mapper = mapper
        self.converter = converter
        self.sink = sink
        self.checkpoints = checkpoints
        self.configuration = configuration
    }

    /// Runs the pipeline once over `window`, or over the default window when `window` is `nil`.
    ///
    /// The default window starts at the saved checkpoint less ``Configuration/overlap`` (items seen twice are
    /// recognised as duplicates by the sink), or ``Configuration/firstRunLookback`` before now on a first run, and
    /// ends now.
    ///
    /// - Parameters:
    ///   - window: The window on `capturedAt` to read.
    ///   - progress: Called after each page, each item and each commit, in the caller's task.
    /// - Returns: The run's report.
    /// - Throws: An ``ArchiverError`` of scope ``ArchiverError/Scope/run`` when the run cannot go on;
    ///   `CancellationError` when the task was cancelled.
    public func run(
        window: TimeWindow? = nil,
        progress: (@Sendable (ProgressEvent) -> Void)? = nil
    ) async throws -> RunReport {
        let saved: Checkpoint?
        do {
            saved = try await checkpoints.load()
        } catch {
            throw Self.runError(error, code: .checkpointFailed, "Cannot read the checkpoint.")
        }
        let window = try window ?? defaultWindow(after: saved)
        let run = ConnectorRun(connector: self, window: window, savedCheckpoint: saved, progress: progress)
        do {
            let report = try await run.execute()
            await source.close()
            return report
        } catch {
            await source.close()
            throw error
        }
    }

    /// The window a run without an explicit window reads, given the saved checkpoint: from the checkpoint less
    /// ``Configuration/overlap`` (or ``Configuration/firstRunLookback`` before `until` on a first run) to `until`.
    ///
    /// - Parameters:
    ///   - checkpoint: The saved checkpoint, or `nil` before the first run.
    ///   - until: The end of the window; now when `nil`.
    public func defaultWindow(after checkpoint: Checkpoint?, until: Date? = nil) throws -> TimeWindow {
        let until = until ?? configuration.clock.now()
        let from =
            checkpoint.map { $0.position.addingTimeInterval(-configuration.overlap) }
            ?? until.addingTimeInterval(-configuration.firstRunLookback)
        return try TimeWindow(from: from, until: until)
    }

    /// The window for a run given an optional start and end, as `archive-daily --from/--until` take them: a
    /// missing end is now; a missing start is the default (checkpoint less the overlap, or a day before the end).
    public func window(from: Date?, until: Date?) async throws -> TimeWindow {
        if let from {
            return try TimeWindow(from: from, until: until ?? configuration.clock.now())
        }
        let saved: Checkpoint?
        do {
            saved = try await checkpoints.load()
        } catch {
            throw Self.runError(error, code: .checkpointFailed, "Cannot read the checkpoint.")
        }
        return try defaultWindow(after: saved, until: until)
    }

    /// Wraps an error from a role as a run-scoped ``ArchiverError`` unless it already is one.
    static func runError(_ error: any Error, code: ArchiverError.Code, _ message: String) -> any Error {
        if error is CancellationError { return error }
        if let archiverError = error as? ArchiverError {
            return archiverError.scope == .run
                ? archiverError
                : ArchiverError(
                    archiverError.code,
                    archiverError.message,
                    scope: .run,
                    underlying: archiverError.underlying
                )
        }
        return ArchiverError(code, message, scope: .run, underlying: SendableErrorBox(error))
    }
}

/// Carries a non-`Sendable` error as the underlying cause of an ``ArchiverError`` by its description.
struct SendableErrorBox: Error, Sendable, CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        self.description = String(describing: error)
    }
}
