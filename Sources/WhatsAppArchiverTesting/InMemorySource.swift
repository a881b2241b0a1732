import Synchronization
import WhatsAppArchiver

/// A ``MessageSource`` that serves items from memory, with scripted failures: a stand-in for TeleMessage in tests.
///
/// Give it items, and it serves those in the requested window, sorted by (`capturedAt`, `id`), in pages of the
/// requested size; or give it pages, and it serves them in order as they are. Invalid records are served on the
/// first page. A scripted failure makes a given fetch (counted from 1 over the source's life) throw.
public final class InMemorySource: MessageSource {
    private struct State {
        var fetches = 0
        var failures: [Int: any Error & Sendable] = [:]
        var closeCount = 0
        var requests: [PageRequest] = []
    }

    private enum Content {
        case items([Item], [InvalidRecord])
        case pages([SourcePage])
    }

    private let content: Content
    private let state = Mutex(State())

    /// Creates a source over `items` (any order) and `invalidRecords`.
    public init(items: [Item], invalidRecords: [InvalidRecord] = []) {
        let sorted = items.sorted { ($0.capturedAt, $0.id) < ($1.capturedAt, $1.id) }
        self.content = .items(sorted, invalidRecords)
    }

    /// Creates a source that serves `pages` in order, whatever the window and limit; the cursor of page *n* is
    /// `n + 1`, and the last page has none.
    public init(pages: [SourcePage]) {
        self.content = .pages(pages)
    }

    /// Makes fetch number `fetch` (counted from 1) throw `error`.
    public func failFetch(_ fetch: Int, with error: any Error & Sendable) {
        state.withLock { $0.failures[fetch] = error }
    }

    /// How many fetches were made, failed ones included.
    public var fetchCount: Int { state.withLock { $0.fetches } }

    /// Every request made, in order.
    public var requests: [PageRequest] { state.withLock { $0.requests } }

    /// How many times ``close()`` was called.
    public var closeCount: Int { state.withLock { $0.closeCount } }

    /// Serves the next page, or throws a scripted failure.
    public func fetchPage(_ request: PageRequest) async throws -> SourcePage {
        let failure: (any Error & Sendable)? = state.withLock {
            $0.fetches += 1
            $0.requests.append(request)
            return $0.failures.removeValue(forKey: $0.fetches)
        }
        if let failure { throw failure }
        let start = request.cursor.flatMap { Int($0.rawValue) } ?? 0
        switch content {
        case .pages(let pages):
            guard start < pages.count else { return SourcePage(items: [], nextCursor: nil) }
            var page = pages[start]
            page.nextCursor = start + 1 < pages.count ? SourceCursor(String(start + 1)) : nil
            return page
        case .items(let items, let invalid):
            let inWindow = items.filter { request.window.contains($0.capturedAt) }
            let end = min(start + max(request.limit, 1), inWindow.count)
            let slice = start < end ? Array(inWindow[start..<end]) : []
            return SourcePage(
                items: slice,
                invalidRecords: start == 0 ? invalid : [],
                nextCursor: end < inWindow.count ? SourceCursor(String(end)) : nil
            )
        }
    }

    /// Counts the call.
    public func close() async {
        state.withLock { $0.closeCount += 1 }
    }
}
