import Foundation

/// A half-open interval of capture times, `from <= capturedAt < until`: the export window a run reads.
public struct TimeWindow: Sendable, Hashable, CustomStringConvertible {
    /// The first instant in the window.
    public var from: Date
    /// The first instant after the window.
    public var until: Date

    /// Creates a window.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` when `from` is not before `until`.
    public init(from: Date, until: Date) throws {
        guard from < until else {
            throw ArchiverError(
                .invalidConfiguration,
                "The window is empty: from \(RFC3339.format(from)) is not before until \(RFC3339.format(until))."
            )
        }
        self.from = from
        self.until = until
    }

    /// Whether `date` lies in the window.
    public func contains(_ date: Date) -> Bool { from <= date && date < until }

    /// `[from, until)` in RFC 3339.
    public var description: String { "[\(RFC3339.format(from)), \(RFC3339.format(until)))" }
}
