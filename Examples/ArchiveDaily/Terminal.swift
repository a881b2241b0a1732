import Foundation
import Synchronization
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What archive-daily prints: a progress line on a terminal, the summary, errors.
enum Terminal {
    private static let isTerminal = isatty(STDERR_FILENO) == 1
    private static let lastDraw = Mutex<Double>(0)

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Redraws the progress line at most ten times a second, and only on a terminal (never into a log file).
    static let progress: @Sendable (ProgressEvent) -> Void = { event in
        guard isTerminal else { return }
        let now = Date().timeIntervalSince1970
        let due = lastDraw.withLock { last in
            guard now - last >= 0.1 || event.kind == .committed else { return false }
            last = now
            return true
        }
        guard due else { return }
        let counts = event.counts
        let megabytes = Double(counts.bytes) / 1_048_576
        let line = String(
            format: "\r\u{1B}[K%d items · %d delivered · %d duplicates · %d failed · %.1f MiB · %d durable",
            counts.itemsRead,
            counts.delivered,
            counts.duplicates,
            counts.failures,
            megabytes,
            counts.committed
        )
        FileHandle.standardError.write(Data(line.utf8))
    }

    static func clearProgress() {
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func printSummary(_ report: RunReport) {
        var lines = [
            "archive-daily: window \(RFC3339.format(report.window.from)) to \(RFC3339.format(report.window.until))",
            "  items from source    \(report.itemsFromSource)",
            "  items for import     \(report.itemsForImport)",
            "  imported             \(report.imported)",
            "  partially imported   \(report.partiallyImported)",
            "  skipped duplicates   \(report.skippedDuplicates)",
            "  failed               \(report.failed)",
        ]
        for failure in report.failures.prefix(20) {
            let mailbox = failure.mailbox.map { " → \($0)" } ?? ""
            let detail = failure.detail.map { ": \($0)" } ?? ""
            lines.append("  failed \(failure.itemID ?? "?")\(mailbox) [\(failure.reason)]\(detail)")
        }
        if report.failures.count > 20 {
            lines.append("  ... and \(report.failures.count - 20) more failures (--report)")
        }
        for partial in report.partials.prefix(20) {
            lines.append("  partial \(partial.itemID) → \(partial.mailbox) [\(partial.reason)]")
        }
        print(lines.joined(separator: "\n"))
    }
}
