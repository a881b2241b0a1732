import Foundation
import Synchronization
import WhatsAppArchiver

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs URLSession data tasks whose bodies stream into a ``ResponseBody`` as they arrive, so that a download of any
/// size passes through in bounded memory, and refuses every redirect, so that a bearer token is never sent to
/// another address.
final class URLSessionDriver: NSObject, URLSessionDataDelegate, Sendable {
    private struct Exchange {
        var body: ResponseBody
        var response: HTTPURLResponse?
        var continuation: CheckedContinuation<HTTPURLResponse, any Error>?
    }

    private let exchanges = Mutex<[Int: Exchange]>([:])

    /// Sends `request` on `session` (whose delegate is this driver) and streams its body into `body`.
    ///
    /// - Returns: The response, once the body is complete.
    /// - Throws: The task's error (a `URLError`), or `CancellationError` when the calling task is cancelled.
    func perform(_ request: URLRequest, on session: URLSession, body: ResponseBody) async throws -> HTTPURLResponse {
        let task = session.dataTask(with: request)
        let identifier = task.taskIdentifier
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                exchanges.withLock {
                    $0[identifier] = Exchange(body: body, response: nil, continuation: continuation)
                }
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
        guard let http = response as? HTTPURLResponse else {
            completionHandler(.cancel)
            return
        }
        let body = exchanges.withLock { exchanges -> ResponseBody? in
            exchanges[dataTask.taskIdentifier]?.response = http
            return exchanges[dataTask.taskIdentifier]?.body
        }
        body?.begin(http)
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let body = exchanges.withLock { $0[dataTask.taskIdentifier]?.body }
        guard let body else { return }
        if !body.append(data) { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let exchange = exchanges.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let response = exchange.response, error == nil || exchange.body.stoppedEarly {
            exchange.continuation?.resume(returning: response)
        } else {
            exchange.continuation?.resume(throwing: error ?? URLError(.badServerResponse))
        }
    }

    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
