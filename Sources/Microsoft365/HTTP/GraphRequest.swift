import Foundation

/// One Graph call as the client sends it.
struct GraphRequest: Sendable {
    /// Whether sending the request twice could store something twice, and what the client does when its answer is
    /// lost.
    enum Kind: Sendable {
        /// A read, or a write that may be repeated (a `PATCH`, a `DELETE`): retried after any transient failure.
        case idempotent
        /// A write that stores something (`importMime`, a new message or attachment): after a lost answer (a
        /// timeout, a reset, a `5xx`) the client throws ``GraphClient/AnswerLost`` and the caller checks what the
        /// service holds before sending it again. A `429` is resent: a throttled request is not processed.
        case storing
    }

    var method: String
    var url: URL
    var headers: [String: String] = [:]
    var body: Data?
    var kind: Kind = .idempotent
    /// Whether to send the bearer token (not to a pre-authenticated upload URL).
    var authenticated = true
    /// The largest answer accepted.
    var responseLimit = 16 << 20

    init(_ method: String, _ url: URL, body: Data? = nil, contentType: String? = nil, kind: Kind = .idempotent) {
        self.method = method
        self.url = url
        self.body = body
        self.kind = kind
        if let contentType { headers["Content-Type"] = contentType }
    }

    /// A JSON request.
    static func json(_ method: String, _ url: URL, _ object: Any, kind: Kind = .idempotent) throws -> GraphRequest {
        let body = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        return GraphRequest(method, url, body: body, contentType: "application/json", kind: kind)
    }
}
