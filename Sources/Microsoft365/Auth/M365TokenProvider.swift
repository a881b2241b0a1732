/// Obtains access tokens for Microsoft Graph: the role an embedder implements to authenticate the app its own way.
///
/// The built-in ``ClientSecretTokenProvider`` uses a client secret. A certificate assertion, a managed identity or a
/// workload identity federation token is supplied by the embedder, as a conforming type or a
/// ``ClosureTokenProvider``. The sink caches what ``fetchToken()`` returns and asks again shortly before it expires
/// and after a `401`; a provider need not cache.
///
/// A provider never logs a token or a secret, and never puts one into an error.
public protocol M365TokenProvider: Sendable {
    /// Obtains a new token for the scope `{graph}/.default`.
    ///
    /// - Throws: `ArchiverError/Code/authenticationFailed` when the credentials are refused (the
    ///   run stops before anything is read); any other error when the identity platform cannot be reached.
    func fetchToken() async throws -> M365AccessToken
}

/// A token provider made of a closure: for a certificate assertion, a managed identity, or any other way the
/// embedder obtains tokens.
public struct ClosureTokenProvider: M365TokenProvider {
    private let fetch: @Sendable () async throws -> M365AccessToken

    /// Creates a provider that calls `fetch` whenever a new token is needed.
    public init(_ fetch: @escaping @Sendable () async throws -> M365AccessToken) {
        self.fetch = fetch
    }

    /// Calls the closure.
    public func fetchToken() async throws -> M365AccessToken {
        try await fetch()
    }
}
