import Foundation

/// An HTTP answer, its body read whole (bounded by the caller's limit).
struct GraphResponse: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as a JSON object, or `nil`.
    var jsonObject: [String: Any]? {
        body.isEmpty ? nil : (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
    }

    /// Graph's `error.code`, for example `ErrorFolderExists`.
    var errorCode: String? {
        (jsonObject?["error"] as? [String: Any])?["code"] as? String
    }

    /// Graph's `error.message`, shortened.
    var errorMessage: String {
        String(((jsonObject?["error"] as? [String: Any])?["message"] as? String ?? "").prefix(300))
    }

    /// `Retry-After` in seconds (Graph sends delta-seconds), as a duration.
    var retryAfter: Duration? {
        guard let text = header("Retry-After"), let seconds = Double(text.trimmingCharacters(in: .whitespaces)),
            seconds >= 0
        else { return nil }
        return .milliseconds(Int(seconds * 1000))
    }
}
