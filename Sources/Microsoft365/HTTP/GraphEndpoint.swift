import Foundation
import WhatsAppArchiver

/// The rules for every address the destination sends to: `https`, or plain `http` to a loopback address only; no
/// user information, query or fragment in a configured base URL.
enum GraphEndpoint {
    /// Whether `host` is a loopback address: `localhost`, `127.0.0.0/8` or `::1`.
    static func isLoopback(host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { UInt8($0).map { String($0) } == String($0) }
    }

    /// Whether a bearer token or a secret may be sent to `url`.
    static func mayCarryCredentials(_ url: URL) -> Bool {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return false }
        return scheme == "https" || (scheme == "http" && isLoopback(host: host))
    }

    /// `url` without a trailing slash, once it is known to be an allowed base URL.
    static func validated(_ url: URL, what: String) throws -> URL {
        guard let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
            let host = components.host, !host.isEmpty
        else {
            throw ArchiverError(.invalidConfiguration, "\(what) is not an absolute URL with a host.", scope: .run)
        }
        guard components.user == nil, components.password == nil, components.query == nil,
            components.fragment == nil
        else {
            throw ArchiverError(
                .invalidConfiguration,
                "\(what) for \(host) must be a base URL without user, password, query or fragment.",
                scope: .run
            )
        }
        guard mayCarryCredentials(url) else {
            throw ArchiverError(
                .invalidConfiguration,
                "Refusing \(what) \(components.scheme ?? "")://\(host): credentials and mail would cross the network "
                    + "unencrypted. Use https (plain http is accepted for a loopback address only).",
                scope: .run
            )
        }
        var normalized = components
        while normalized.path.hasSuffix("/") { normalized.path.removeLast() }
        return normalized.url ?? url
    }
}
