import Foundation

/// An OAuth 2.0 access token for Microsoft Graph, with its expiry.
///
/// Its ``description`` never shows the token: a token printed into a log is a token anyone reading the log can use.
public struct M365AccessToken: Sendable, CustomStringConvertible {
    /// The bearer token, sent as `Authorization: Bearer …`.
    public var value: String
    /// When the token stops being accepted.
    public var expiresAt: Date
    /// When the token was obtained; renewal starts before `expiresAt` by a tenth of the lifetime (at most 5 minutes).
    public var obtainedAt: Date

    /// Creates a token.
    public init(value: String, expiresAt: Date, obtainedAt: Date = Date()) {
        self.value = value
        self.expiresAt = expiresAt
        self.obtainedAt = obtainedAt
    }

    /// `M365AccessToken(expires …)`: never the token itself.
    public var description: String { "M365AccessToken(expires \(expiresAt), value redacted)" }

    /// Whether the token should be renewed at `now`: within a tenth of its lifetime (at most 5 minutes) of expiry.
    func needsRenewal(at now: Date) -> Bool {
        let lifetime = max(expiresAt.timeIntervalSince(obtainedAt), 0)
        return now >= expiresAt.addingTimeInterval(-min(lifetime / 10, 300))
    }

    /// The application roles (permissions) the token carries, read from its `roles` claim; `nil` when the token is
    /// not a JWT whose payload can be read (the service then answers for itself).
    public var roles: [String]? {
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        var payload = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while payload.count % 4 != 0 { payload += "=" }
        guard let data = Data(base64Encoded: payload),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return object["roles"] as? [String] ?? []
    }
}
