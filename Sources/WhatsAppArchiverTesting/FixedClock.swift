import Foundation
import Synchronization
import WhatsAppArchiver

/// A ``WallClock`` that returns a time the test sets, so that default windows and checkpoint stamps are
/// reproducible.
public final class FixedClock: WallClock {
    private let current: Mutex<Date>

    /// Creates a clock stopped at `date`.
    public init(_ date: Date) {
        self.current = Mutex(date)
    }

    /// Creates a clock stopped at an RFC 3339 timestamp; traps on an invalid timestamp (test input).
    public convenience init(_ timestamp: String) {
        guard let date = RFC3339.parse(timestamp) else { preconditionFailure("Invalid timestamp \(timestamp)") }
        self.init(date)
    }

    /// The time the clock is set to.
    public func now() -> Date { current.withLock { $0 } }

    /// Sets the clock.
    public func set(_ date: Date) { current.withLock { $0 = date } }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
