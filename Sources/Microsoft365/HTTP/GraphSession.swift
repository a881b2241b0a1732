import Foundation
import Synchronization

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A URLSession whose answers are collected up to a limit and which refuses every redirect, so that a bearer token
/// or a message never follows a `3xx` to another address. Certificate validation is the system's, never disabled:
/// the delegate does not handle authentication challenges.
final class GraphSession: NSObject, URLSessionDataDelegate, Sendable {
    private struct Exchange {
        var response: HTTPURLResponse?
        var body = Data()
        var limit: Int
        var tooLong = false
        var continuation: CheckedContinuation<GraphResponse, any Error>
    }

    /// A body longer than the limit the caller set.
    struct BodyTooLong: Error {}

    private let exchanges = Mutex<[Int: Exchange]>([:])
    private let session = Mutex<URLSession?>(nil)

    /// Creates a session; `timeout` is how long a request may wait for its next bytes, in seconds.
    init(timeout: TimeInterval, maximumConnections: Int = 128) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = maximumConnections
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.urlCredentialStorage = nil
        configuration.httpShouldSetCookies = false
        session.withLock { $0 = URLSession(configuration: configuration, delegate: self, delegateQueue: nil) }
    }

    deinit {
        session.withLock { $0?.invalidateAndCancel() }
    }

    /// Sends `request`, collects at most `limit` bytes of the answer.
    func send(_ request: URLRequest, limit: Int) async throws -> GraphResponse {
        guard let session = session.withLock({ $0 }) else { throw CancellationError() }
        let task = session.dataTask(with: request)
        let identifier = task.taskIdentifier
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchanges.withLock { $0[identifier] = Exchange(limit: limit, continuation: continuation) }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    func urlSession(
        _ session: URLSession,
        dataTask: URLSessionDataTask,
        didReceive response: URLResponse,
        completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
    ) {
        exchanges.withLock { $0[dataTask.taskIdentifier]?.response = response as? HTTPURLResponse }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let overflow = exchanges.withLock { exchanges -> Bool in
            guard var exchange = exchanges[dataTask.taskIdentifier] else { return false }
            if exchange.body.count + data.count > exchange.limit {
                exchange.tooLong = true
                exchanges[dataTask.taskIdentifier] = exchange
                return true
            }
            exchange.body.append(data)
            exchanges[dataTask.taskIdentifier] = exchange
            return false
        }
        if overflow { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let exchange = exchanges.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if exchange.tooLong {
            exchange.continuation.resume(throwing: BodyTooLong())
        } else if let response = exchange.response, error == nil {
            var headers: [String: String] = [:]
            for (name, value) in response.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name] = value }
            }
            exchange.continuation.resume(
                returning: GraphResponse(status: response.statusCode, headers: headers, body: exchange.body)
            )
        } else {
            exchange.continuation.resume(throwing: error ?? URLError(.badServerResponse))
        }
    }

    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        // Never followed: the 3xx itself is the answer, and the caller reports it.
        completionHandler(nil)
    }
}
