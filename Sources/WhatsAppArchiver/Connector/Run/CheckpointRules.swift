import Foundation

/// The rules that decide where the checkpoint may move: only over items whose deliveries are durable, only forward,
/// and only when this run's window leaves no gap behind the saved checkpoint.
struct CheckpointRules {
    /// The checkpoint may move only when this run's window starts at or before the saved checkpoint; otherwise a gap
    /// between the two would be marked done without having been read.
    let mayAdvance: Bool
    /// The `capturedAt` of the last finished item: every item captured before it is finished. `nil` once the
    /// source returned items out of order: only the end of the run then moves the checkpoint, since a position
    /// reached mid-run no longer means that everything before it is done.
    private(set) var lastFinishedPosition: Date?
    private var positionsAreOrdered = true
    private var lastSavedPosition: Date?

    init(window: TimeWindow, saved: Checkpoint?) {
        self.mayAdvance = saved.map { window.from <= $0.position } ?? true
        self.lastSavedPosition = saved?.position
    }

    /// Notes that an item captured at `position` was read.
    mutating func read(_ position: Date) {
        if let last = lastFinishedPosition, position < last {
            positionsAreOrdered = false
            lastFinishedPosition = nil
        }
    }

    /// Notes that the item captured at `position` is finished: delivered to every mailbox, or failed.
    mutating func finished(_ position: Date) {
        guard positionsAreOrdered else { return }
        lastFinishedPosition = max(lastFinishedPosition ?? position, position)
    }

    /// Whether the checkpoint should be saved at `position` once the batch that covers it is durable.
    func shouldSave(_ position: Date) -> Bool {
        guard mayAdvance else { return false }
        if let lastSavedPosition, position <= lastSavedPosition { return false }
        return true
    }

    /// Notes that the checkpoint was saved at `position`.
    mutating func saved(_ position: Date) {
        lastSavedPosition = position
    }
}
