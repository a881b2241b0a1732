/// How an ``HTTPTransport`` retries transient failures: `429`, `500`, `502`, `503`, `504`, timeouts, a lost
/// connection, a body cut short, a body that is not valid JSON.
///
/// Delays grow exponentially from ``initialDelay`` to at most ``maximumDelay``, with jitter (each delay is drawn
/// between half and all of its exponential value) so that many clients do not retry in step. A `Retry-After` of
/// `429` or `503` is honoured up to ``maximumRetryAfter``. After ``maximumAttempts`` the run stops.
public struct RetryPolicy: Sendable, Hashable {
    /// The most attempts of one request, the first included.
    public var maximumAttempts: Int = 6
    /// The delay before the first retry, before jitter.
    public var initialDelay: Duration = .milliseconds(500)
    /// The longest delay between attempts, before jitter.
    public var maximumDelay: Duration = .seconds(30)
    /// The longest `Retry-After` honoured; a server asking for more is retried after this long.
    public var maximumRetryAfter: Duration = .seconds(120)

    /// Creates the default policy: 6 attempts, 0.5 s doubling to 30 s.
    public init() {}

    /// Creates a policy.
    public init(maximumAttempts: Int, initialDelay: Duration, maximumDelay: Duration, maximumRetryAfter: Duration) {
        self.maximumAttempts = maximumAttempts
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.maximumRetryAfter = maximumRetryAfter
    }

    /// The delay before retry number `retry` (1 for the first retry), given a server's `Retry-After`.
    ///
    /// - Parameter unitRandom: A number in `0...1` that draws the jitter.
    public func delay(beforeRetry retry: Int, retryAfter: Duration?, unitRandom: Double) -> Duration {
        let exponent = min(max(retry - 1, 0), 30)
        let exponential = min(initialDelay * (1 << exponent), maximumDelay)
        let jittered = exponential * (0.5 + 0.5 * min(max(unitRandom, 0), 1))
        guard let retryAfter else { return jittered }
        return max(min(retryAfter, maximumRetryAfter), jittered)
    }
}
