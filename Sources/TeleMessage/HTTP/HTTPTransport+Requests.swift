import Foundation
import WhatsAppArchiver

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A failure worth trying again: `429`, `5xx`, a timeout, a lost connection, a body cut short or not JSON.
struct TransientFailure: Error, CustomStringConvertible {
    var description: String
    var retryAfter: Duration?

    init(_ description: String, retryAfter: Duration? = nil) {
        self.description = description
        self.retryAfter = retryAfter
    }
}

extension HTTPTransport {
    /// Runs `operation` until it succeeds, throws something that is not a ``TransientFailure``, or has failed
    /// transiently ``RetryPolicy/maximumAttempts`` times.
    func withRetries<Result>(
        _ what: String,
        _ operation: () async throws -> Result
    ) async throws -> Result {
        var attempt = 1
        while true {
            do {
                return try await operation()
            } catch let failure as TransientFailure {
                guard attempt < configuration.retry.maximumAttempts else {
                    throw ArchiverError(
                        .sourceUnavailable,
                        "TeleMessage at \(baseURL.host ?? "the given URL") did not answer \(what) after \(attempt) "
                            + "attempts; the last one failed: \(failure). The run stopped with the checkpoint "
                            + "unchanged: run again later, and check the service's status if this persists.",
                        scope: .run
                    )
                }
                let delay = configuration.retry.delay(
                    beforeRetry: attempt,
                    retryAfter: failure.retryAfter,
                    unitRandom: configuration.random()
                )
                attempt += 1
                try await configuration.sleep(delay)
            }
        }
    }

    /// Sends a request with the bearer token, signing in first when there is no token and once more when the
    /// server answers `401`; the whole exchange is retried on transient failures.
    ///
    /// - Parameters:
    ///   - prepare: Builds the request and its body for a token; called again for every attempt.
    ///   - handle: Checks the response; may throw ``TransientFailure`` to try again.
    func authorized<Result>(
        _ what: String,
        prepare: (BearerToken) throws -> (URLRequest, ResponseBody),
        handle: (HTTPURLResponse, ResponseBody) throws -> Result
    ) async throws -> Result {
        try await withRetries(what) {
            let token = try await currentToken()
            var (request, body) = try prepare(token)
            var response = try await send(request, body, what)
            if response.statusCode == 401 {
                let renewed = try await signIn()
                (request, body) = try prepare(renewed)
                response = try await send(request, body, what)
                if response.statusCode == 401 {
                    throw ArchiverError(
                        .authenticationFailed,
                        "TeleMessage accepted the password of \(credentials.username) but rejected the new token "
                            + "for \(what) (401). Check that the account may read the archive.",
                        scope: .run
                    )
                }
            }
            return try handle(response, body)
        }
    }

    /// The current token, signing in when there is none.
    private func currentToken() async throws -> BearerToken {
        if let token = withState({ $0.token }) { return token }
        return try await signIn()
    }

    /// Signs in (`POST /api/v1/auth/token`) and keeps the new token. One attempt; callers retry.
    func signIn() async throws -> BearerToken {
        let password = try credentials.password()
        var request = URLRequest(url: URL(string: baseURL.absoluteString + "/api/v1/auth/token")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.httpBody = try JSONSerialization.data(
            withJSONObject: ["username": credentials.username, "password": password],
            options: [.sortedKeys]
        )
        let body = ResponseBody(memoryLimit: 1 << 20)
        let what = "the sign-in"
        let response = try await send(request, body, what)
        if response.statusCode == 401 || response.statusCode == 403 {
            throw ArchiverError(
                .authenticationFailed,
                "TeleMessage rejected the username \(credentials.username) or its password "
                    + "(\(response.statusCode)\(Self.errorCode(body.bytes).map { " \($0)" } ?? "")). "
                    + "Check the username and the password, then run again.",
                scope: .run
            )
        }
        try requireSuccess(response, body, what)
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body.bytes, maximumDepth: 8)
        } catch {
            throw TransientFailure("the sign-in answer is not valid JSON (\(error))")
        }
        guard document[0].kind == .object,
            let tokenIndex = document.members(0).first(where: { (try? document.string($0.name)) == "accessToken" })?
                .value,
            document[tokenIndex].kind == .string, let value = try? document.string(tokenIndex), !value.isEmpty,
            value.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E })
        else {
            throw ArchiverError(
                .protocolViolation,
                "TeleMessage answered the sign-in without a usable \"accessToken\".",
                scope: .run
            )
        }
        let token = BearerToken(value: value)
        withState {
            $0.token = token
            $0.signInCount += 1
        }
        return token
    }

    /// Sends one request; turns network failures and bodies cut short into ``TransientFailure``s.
    func send(_ request: URLRequest, _ body: ResponseBody, _ what: String) async throws -> HTTPURLResponse {
        let response: HTTPURLResponse
        do {
            response = try await perform(request, body)
        } catch let error as URLError {
            if Task.isCancelled { throw CancellationError() }
            if Self.transientURLErrors.contains(error.code) {
                throw TransientFailure("\(what): \(Self.describe(error))")
            }
            throw ArchiverError(
                .sourceUnavailable,
                "Cannot reach TeleMessage at \(baseURL.host ?? "the given URL") for \(what): \(Self.describe(error))"
                    + (Self.certificateErrors.contains(error.code)
                        ? ". The server's TLS certificate was not accepted: check the URL and the system's CA store."
                        : "."),
                scope: .run,
                underlying: error
            )
        }
        if body.stoppedEarly, !body.isWritingToFile, let failure = body.failure {
            throw ArchiverError(.protocolViolation, "TeleMessage answered \(what) with \(failure).", scope: .run)
        }
        let expected = response.expectedContentLength
        if !body.stoppedEarly, expected >= 0, body.received < expected,
            response.value(forHTTPHeaderField: "Content-Encoding") == nil
        {
            throw TransientFailure("\(what): the body was cut short after \(body.received) of \(expected) bytes")
        }
        return response
    }

    /// Throws unless the status is `2xx`: a ``TransientFailure`` for `429`, `500`, `502`, `503`, `504`, an
    /// ``ArchiverError`` for anything else.
    func requireSuccess(_ response: HTTPURLResponse, _ body: ResponseBody, _ what: String) throws {
        let status = response.statusCode
        guard !(200...299).contains(status) else { return }
        let code = Self.errorCode(body.bytes).map { " (\($0))" } ?? ""
        switch status {
        case 429, 500, 502, 503, 504:
            let retryAfter = response.value(forHTTPHeaderField: "Retry-After").flatMap { Self.retryAfter($0) }
            throw TransientFailure("\(what): status \(status)\(code)", retryAfter: retryAfter)
        case 400:
            throw ArchiverError(
                .protocolViolation,
                "TeleMessage refused the request for \(what) as invalid (400\(code)).",
                scope: .run
            )
        case 403:
            throw ArchiverError(
                .authenticationFailed,
                "TeleMessage denied \(credentials.username) access to \(what) (403\(code)).",
                scope: .run
            )
        default:
            throw ArchiverError(
                .sourceUnavailable,
                "TeleMessage answered \(what) with status \(status)\(code). Check the URL of the account.",
                scope: .run
            )
        }
    }

    /// The `error` member of a JSON error body, when it is a short token: never the free text, which a server
    /// could fill with anything.
    static func errorCode(_ bytes: [UInt8]) -> String? {
        guard let document = try? JSONDocument(bytes: bytes, maximumDepth: 4), document[0].kind == .object,
            let index = document.members(0).first(where: { (try? document.string($0.name)) == "error" })?.value,
            document[index].kind == .string, let code = try? document.string(index), (1...64).contains(code.count),
            code.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
        else { return nil }
        return code
    }

    /// A `Retry-After` (RFC 9110, section 10.2.3): delta-seconds, or an HTTP-date (IMF-fixdate) counted from `now`.
    static func retryAfter(_ header: String, now: Date = Date()) -> Duration? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text) { return seconds >= 0 ? .seconds(seconds) : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        guard let date = formatter.date(from: text) else { return nil }
        return .seconds(max(0, Int(date.timeIntervalSince(now).rounded(.up))))
    }

    /// Failures of the connection rather than of the request. `unknown` is in the list because libcurl's "transfer
    /// closed with bytes remaining" (a body cut short) arrives as such on Linux; the retry budget bounds it.
    static let transientURLErrors: Set<URLError.Code> = [
        .unknown, .timedOut, .networkConnectionLost, .cannotConnectToHost, .notConnectedToInternet, .dnsLookupFailed,
        .cannotFindHost, .resourceUnavailable, .badServerResponse, .cannotParseResponse, .zeroByteResource,
        .cannotDecodeRawData, .cannotDecodeContentData,
    ]

    static let certificateErrors: Set<URLError.Code> = [
        .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
        .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot, .clientCertificateRejected,
        .clientCertificateRequired,
    ]

    static func describe(_ error: URLError) -> String {
        "\(error.localizedDescription) (URLError \(error.code.rawValue))"
    }
}
