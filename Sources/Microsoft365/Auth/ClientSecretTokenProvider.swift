import Foundation
import WhatsAppArchiver

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The OAuth 2.0 client credentials grant with a client secret:
/// `POST {login}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, `client_id`, `client_secret` and
/// `scope={graph}/.default`.
///
/// The identity platform's refusal (a wrong secret, an unknown tenant or app) is
/// `ArchiverError/Code/authenticationFailed` with the platform's `AADSTS` code and what to fix;
/// the secret is never part of it.
public struct ClientSecretTokenProvider: M365TokenProvider {
    /// The identity endpoint, for example `https://login.microsoftonline.com`.
    public let loginURL: URL
    /// The tenant: its id (a GUID) or a verified domain.
    public let tenant: String
    /// The application (client) id.
    public let clientID: String
    /// The Graph endpoint whose `.default` scope is requested.
    public let graphURL: URL
    private let secret: ClientSecret
    private let session: GraphSession

    /// Creates a provider; nothing is sent until the first token is needed.
    ///
    /// - Throws: `ArchiverError/Code/invalidConfiguration` for a login URL that is not `https`
    ///   (or `http` to a loopback address), or a tenant that is not a plain name.
    public init(loginURL: URL, tenant: String, clientID: String, secret: ClientSecret, graphURL: URL) throws {
        self.loginURL = try GraphEndpoint.validated(loginURL, what: "--m365-login-url")
        self.graphURL = try GraphEndpoint.validated(graphURL, what: "--m365-graph-url")
        guard !tenant.isEmpty, tenant.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-.".contains($0)) })
        else {
            throw ArchiverError(
                .invalidConfiguration,
                "The tenant \"\(tenant)\" is not a tenant id or a domain name.",
                scope: .run
            )
        }
        self.tenant = tenant
        self.clientID = clientID
        self.secret = secret
        self.session = GraphSession(timeout: 60)
    }

    /// Requests a new token.
    public func fetchToken() async throws -> M365AccessToken {
        var request = URLRequest(
            url: loginURL.appendingPathComponent(tenant).appendingPathComponent("oauth2/v2.0/token")
        )
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        let form = [
            ("grant_type", "client_credentials"), ("client_id", clientID), ("client_secret", secret.value),
            ("scope", graphURL.absoluteString + "/.default"),
        ]
        request.httpBody = Data(form.map { "\($0)=\(Self.formEncoded($1))" }.joined(separator: "&").utf8)
        let obtainedAt = Date()
        var lastProblem = ""
        for attempt in 1...4 {
            let response: GraphResponse
            do {
                response = try await session.send(request, limit: 1 << 20)
            } catch {
                lastProblem =
                    "the identity platform at \(loginURL.host ?? "?") could not be reached (\(Self.describe(error)))"
                try await Task.sleep(for: .milliseconds(250 << attempt))
                continue
            }
            let object = response.jsonObject ?? [:]
            if response.status == 200, let token = object["access_token"] as? String {
                let lifetime =
                    (object["expires_in"] as? Double) ?? Double(object["expires_in"] as? String ?? "") ?? 3599
                return M365AccessToken(
                    value: token,
                    expiresAt: obtainedAt.addingTimeInterval(lifetime),
                    obtainedAt: obtainedAt
                )
            }
            if response.status == 429 || response.status >= 500 {
                lastProblem = "the identity platform answered \(response.status)"
                try await Task.sleep(for: response.retryAfter ?? .milliseconds(250 << attempt))
                continue
            }
            throw ArchiverError(.authenticationFailed, refusal(response.status, object), scope: .run)
        }
        throw ArchiverError(.authenticationFailed, "No token for tenant \(tenant): \(lastProblem).", scope: .run)
    }

    /// What the platform's refusal means, without the secret (removed even if the platform echoed it).
    private func refusal(_ status: Int, _ object: [String: Any]) -> String {
        let code = object["error"] as? String ?? "HTTP \(status)"
        var description =
            (object["error_description"] as? String ?? "").split(separator: "\r\n").first.map(String.init) ?? ""
        if !secret.value.isEmpty { description = description.replacingOccurrences(of: secret.value, with: "[secret]") }
        let advice: String
        switch code {
        case "invalid_client":
            advice = "the client secret is wrong or expired: create a new one and set it in the environment"
        case "unauthorized_client":
            advice = "no app with client id \(clientID) in tenant \(tenant): check --m365-client-id"
        case "invalid_request" where description.contains("AADSTS90002"):
            advice = "tenant \(tenant) does not exist: check --m365-tenant"
        case "invalid_scope": advice = "the Graph URL is not a resource the tenant knows: check --m365-graph-url"
        default: advice = "check the tenant, the client id and the secret"
        }
        return "The identity platform refused the app's credentials for tenant \(tenant) (\(code): \(description)); "
            + advice + "."
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? URLError { return "URLError \(error.code.rawValue)" }
        return String(describing: type(of: error))
    }

    static func formEncoded(_ text: String) -> String {
        // RFC 3986 unreserved characters only, ASCII: everything else is percent-encoded.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
