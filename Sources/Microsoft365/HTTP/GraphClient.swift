import Foundation
import Synchronization
import WhatsAppArchiver

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends Graph requests: the bearer token (renewed before it expires and after a `401`), at most
/// ``Configuration/requestsPerMailbox`` in flight per mailbox, `Retry-After` on `429` and `503`, bounded retries that
/// end in a run error, and lost answers of storing writes handed back to the caller to check.
final class GraphClient: Sendable {
    /// The answer to a storing write was lost (timeout, reset, `5xx`): the service may or may not hold what was sent.
    struct AnswerLost: Error, Sendable {
        var status: Int?
    }

    /// How the client retries and limits itself.
    struct Limits: Sendable {
        var requestsPerMailbox = 4
        var chunkUploads = 1
        var maximumAttempts = 8
        var initialDelay: Duration = .milliseconds(500)
        var maximumDelay: Duration = .seconds(30)
        var maximumRetryAfter: Duration = .seconds(300)
    }

    private struct TokenState {
        var token: M365AccessToken?
        var renewal: Task<M365AccessToken, any Error>?
        var fetches = 0
    }

    let graphURL: URL
    let limits: Limits
    /// Upload-session chunks in flight over every mailbox: each holds a chunk in memory (3.125 MiB, and the
    /// transport's copies of it: about 14 MiB measured), so this, not the attachments' sizes, bounds a run's memory.
    let chunkUploads: AsyncLimiter
    private let provider: any M365TokenProvider
    private let session: GraphSession
    private let tokens = Mutex(TokenState())
    private let limiters = Mutex<[String: AsyncLimiter]>([:])
    private let counter = Mutex<[String: Int]>([:])

    init(graphURL: URL, provider: any M365TokenProvider, limits: Limits = Limits(), timeout: TimeInterval = 120) {
        self.graphURL = graphURL
        self.provider = provider
        self.limits = limits
        self.chunkUploads = AsyncLimiter(limit: limits.chunkUploads)
        self.session = GraphSession(timeout: timeout)
    }

    /// `{graph}/{version}/users/{mailbox}/{path}` with `query`.
    func url(_ version: String, mailbox: String, _ path: String, query: [(String, String)] = []) -> URL {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%")
        let user = mailbox.addingPercentEncoding(withAllowedCharacters: allowed) ?? mailbox
        var text = graphURL.absoluteString + "/\(version)/users/\(user)" + (path.isEmpty ? "" : "/" + path)
        if !query.isEmpty {
            var queryAllowed = CharacterSet.urlQueryAllowed
            queryAllowed.remove(charactersIn: "&=+#%")
            text +=
                "?"
                + query.map { "\($0)=\($1.addingPercentEncoding(withAllowedCharacters: queryAllowed) ?? $1)" }
                .joined(separator: "&")
        }
        return URL(string: text)!
    }

    /// Requests sent so far, by method (for the benchmark's request budget).
    var requestCounts: [String: Int] { counter.withLock { $0 } }

    /// How many tokens were fetched: one, plus one per renewal.
    var tokenFetches: Int { tokens.withLock { $0.fetches } }

    /// A valid token, fetched when there is none, it is close to expiry, or `renewing` (after a `401`).
    func token(renewing stale: M365AccessToken? = nil) async throws -> M365AccessToken {
        let task = tokens.withLock { state -> Task<M365AccessToken, any Error> in
            if let renewal = state.renewal { return renewal }
            if let token = state.token, !token.needsRenewal(at: Date()), token.value != stale?.value {
                return Task { token }
            }
            state.fetches += 1
            let renewal = Task { [provider] in try await provider.fetchToken() }
            state.renewal = renewal
            return renewal
        }
        do {
            let token = try await task.value
            tokens.withLock { state in
                state.token = token
                state.renewal = nil
            }
            return token
        } catch {
            tokens.withLock { $0.renewal = nil }
            throw error
        }
    }

    /// Sends `request` for `mailbox`, retrying what may be retried.
    ///
    /// - Returns: The answer: any status the caller must interpret (2xx, 400, 403, 404, 409, …).
    /// - Throws: ``AnswerLost`` for a storing write whose answer was lost; `ArchiverError` with
    ///   `ArchiverError/Code/destinationUnavailable` (run scope) when the retries are spent, or
    ///   `ArchiverError/Code/authenticationFailed` when a renewed token is refused too.
    func send(_ request: GraphRequest, mailbox: String) async throws -> GraphResponse {
        let limiter = limiters.withLock { limiters in
            if let limiter = limiters[mailbox] { return limiter }
            let limiter = AsyncLimiter(limit: limits.requestsPerMailbox)
            limiters[mailbox] = limiter
            return limiter
        }
        var renewedAfter401 = false
        var lastProblem = ""
        for attempt in 1...limits.maximumAttempts {
            try Task.checkCancellation()
            var urlRequest = URLRequest(url: request.url)
            urlRequest.httpMethod = request.method
            urlRequest.httpBody = request.body
            for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
            urlRequest.setValue("application/json", forHTTPHeaderField: "Accept")
            var token: M365AccessToken?
            if request.authenticated {
                guard GraphEndpoint.mayCarryCredentials(request.url) else {
                    throw ArchiverError(
                        .protocolViolation,
                        "Refusing to send a token to \(request.url.host ?? "?") over \(request.url.scheme ?? "?").",
                        scope: .run
                    )
                }
                let current = try await self.token()
                token = current
                urlRequest.setValue("Bearer \(current.value)", forHTTPHeaderField: "Authorization")
            }
            counter.withLock { $0[request.method, default: 0] += 1 }
            let response: GraphResponse
            do {
                response = try await limiter.withPlace {
                    try await session.send(urlRequest, limit: request.responseLimit)
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                if Task.isCancelled { throw CancellationError() }
                if request.kind == .storing { throw AnswerLost(status: nil) }
                lastProblem = "the connection failed (\(ClientSecretTokenProvider.describe(error)))"
                try await pause(beforeRetry: attempt, retryAfter: nil)
                continue
            }
            switch response.status {
            case 401 where request.authenticated:
                if renewedAfter401 {
                    throw ArchiverError(
                        .authenticationFailed,
                        "Microsoft Graph refused a freshly issued token for \(mailbox) (401 \(response.errorCode ?? "")): "
                            + "check the app registration's permissions and admin consent.",
                        scope: .run
                    )
                }
                renewedAfter401 = true
                _ = try await self.token(renewing: token)
                continue
            case 429:
                lastProblem = "throttled (429 \(response.errorCode ?? ""))"
                try await pause(beforeRetry: attempt, retryAfter: response.retryAfter)
                continue
            case 500...599:
                lastProblem = "the service answered \(response.status) \(response.errorCode ?? "")"
                try await pause(beforeRetry: attempt, retryAfter: response.retryAfter)
                if request.kind == .storing { throw AnswerLost(status: response.status) }
                continue
            case 300...399:
                throw ArchiverError(
                    .protocolViolation,
                    "Microsoft Graph answered a \(request.method) with a redirect (\(response.status)); redirects are "
                        + "never followed, so that a token or a message never goes to another address.",
                    scope: .run
                )
            default:
                return response
            }
        }
        throw ArchiverError(
            .destinationUnavailable,
            "Microsoft Graph kept failing for \(mailbox) after \(limits.maximumAttempts) attempts (\(lastProblem)). "
                + "Nothing after the last durable item is taken as done; run again later to resume.",
            scope: .run
        )
    }

    /// Waits `Retry-After` (never less), or an exponential backoff with jitter when the service gave none.
    func pause(beforeRetry attempt: Int, retryAfter: Duration?) async throws {
        let exponential = min(limits.initialDelay * (1 << min(attempt - 1, 20)), limits.maximumDelay)
        let jittered = exponential * Double.random(in: 0.5...1)
        let delay = retryAfter.map { min($0, limits.maximumRetryAfter) } ?? jittered
        try await Task.sleep(for: delay)
    }
}
