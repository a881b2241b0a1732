import Synchronization
import WhatsAppArchiver

/// A ``CheckpointStore`` in memory, with a record of every save.
public final class InMemoryCheckpointStore: CheckpointStore {
    private let state: Mutex<(current: Checkpoint?, history: [Checkpoint], failSaves: Bool)>

    /// Creates a store holding `checkpoint`.
    public init(_ checkpoint: Checkpoint? = nil) {
        self.state = Mutex((checkpoint, [], false))
    }

    /// The current checkpoint.
    public var checkpoint: Checkpoint? { state.withLock { $0.current } }

    /// Every checkpoint saved, oldest first.
    public var history: [Checkpoint] { state.withLock { $0.history } }

    /// Makes every later save fail (or succeed again), to test a state directory that became unwritable.
    public func setFailSaves(_ fail: Bool) { state.withLock { $0.failSaves = fail } }

    /// Returns the current checkpoint.
    public func load() async throws -> Checkpoint? { state.withLock { $0.current } }

    /// Replaces the checkpoint, or fails when told to.
    public func save(_ checkpoint: Checkpoint) async throws {
        try state.withLock {
            if $0.failSaves { throw ArchiverError(.checkpointFailed, "Scripted checkpoint failure.") }
            $0.current = checkpoint
            $0.history.append(checkpoint)
        }
    }
}
