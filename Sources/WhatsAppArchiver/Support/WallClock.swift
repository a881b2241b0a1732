import Foundation

/// The source of "now" for everything that depends on the current time (the default window, checkpoint stamps).
///
/// Inject a fixed clock in tests (`WhatsAppArchiverTesting.FixedClock`) so that runs are reproducible.
public protocol WallClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    /// Creates the system clock.
    public init() {}

    /// The current time, from `Date()`.
    public func now() -> Date { Date() }
}
