import Foundation
import WhatsAppArchiver

extension HTTPTransport {
    /// Where and how an ``HTTPTransport`` talks to TeleMessage.
    public struct Configuration: Sendable {
        /// The account's base URL, for example `https://archive.telemessage.com`. `https` is required; plain `http`
        /// is accepted for a loopback address only (`127.0.0.0/8`, `::1`, `localhost`).
        public var baseURL: URL
        /// How transient failures are retried.
        public var retry = RetryPolicy()
        /// How long a request may wait for the next bytes before it times out (a transient failure), in seconds.
        public var requestTimeout: TimeInterval = 60
        /// The largest JSON body accepted (a page of items, a sign-in answer), in bytes.
        public var maximumJSONBytes = 256 << 20
        /// Where the private directory for attachment downloads is created; the system's temporary directory when
        /// `nil`. The directory is mode `0700`, its files `0600`, and it is removed when the transport closes.
        public var temporaryDirectory: String?
        /// Limits for hostile JSON.
        public var decoder = ItemDecoder.Configuration()
        /// Waits between attempts. Tests replace it to run without waiting.
        public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        /// Draws the jitter of retry delays: a number in `0...1`.
        public var random: @Sendable () -> Double = { Double.random(in: 0...1) }

        /// Creates a configuration for the account at `baseURL`.
        public init(baseURL: URL) {
            self.baseURL = baseURL
        }
    }

    /// Whether `host` is a loopback address: `localhost`, `127.0.0.0/8` or `::1`.
    public static func isLoopback(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { octet in
            guard (1...3).contains(octet.count), octet.allSatisfy(\.isASCII), let value = UInt8(octet) else {
                return false
            }
            return String(value) == octet
        }
    }

    /// Checks that `url` may carry credentials: `https`, or `http` to a loopback address; no user information,
    /// query or fragment.
    static func validatedBaseURL(_ url: URL) throws -> URL {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
            let scheme = components.scheme?.lowercased(), let host = components.host, !host.isEmpty
        else {
            throw ArchiverError(
                .invalidConfiguration,
                "The TeleMessage URL is not an absolute URL with a host (it is not repeated here: it may hold "
                    + "a credential); give one like https://archive.example.com.",
                scope: .run
            )
        }
        guard components.user == nil, components.password == nil else {
            throw ArchiverError(
                .invalidConfiguration,
                "The TeleMessage URL must not contain a user name or password; pass them as credentials instead.",
                scope: .run
            )
        }
        guard components.query == nil, components.fragment == nil else {
            throw ArchiverError(
                .invalidConfiguration,
                "The TeleMessage URL of \(host) must not have a query or fragment (not repeated here: it may "
                    + "hold a credential); give the base URL only, like https://\(host).",
                scope: .run
            )
        }
        switch scheme {
        case "https": break
        case "http" where isLoopback(host: host): break
        case "http":
            throw ArchiverError(
                .invalidConfiguration,
                "Refusing plain http to \(host): the password and the archive would cross the network unencrypted. "
                    + "Use https (plain http is accepted for a loopback address only).",
                scope: .run
            )
        default:
            throw ArchiverError(
                .invalidConfiguration,
                "The TeleMessage URL of \(host) must use https, not \(scheme).",
                scope: .run
            )
        }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        var normalized = components
        normalized.path = path
        return normalized.url ?? url
    }
}
