import Foundation
import Synchronization
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The HTTP binding: a live TeleMessage account (`telemessage-export.md`, section 2), over URLSession.
///
/// - Signs in with the username and password, and sends the bearer token with every request; a `401` on a later
///   request renews the token once and repeats the request. Credentials the server rejects stop the run with
///   ``ArchiverError/Code/authenticationFailed``.
/// - Requires `https`; plain `http` is accepted to a loopback address only. Redirects are refused, so the token
///   never leaves for another address.
/// - Retries `429` (honouring `Retry-After`), `500`, `502`, `503`, `504`, timeouts, lost connections, bodies cut
///   short and bodies that are not JSON, with exponential backoff and jitter, at most
///   ``RetryPolicy/maximumAttempts`` times; then stops the run with ``ArchiverError/Code/sourceUnavailable``.
///   Anything else is reported at once.
/// - Downloads attachments as streams into a private temporary directory (`0700`, files `0600`), resuming with
///   `Range` when a download breaks and the server honours it. A `404` is ``ArchiverError/Code/attachmentMissing``.
public final class HTTPTransport: TeleMessageTransport {
    struct State {
        var token: BearerToken?
        var pageNumber = 0
        var temporaryDirectory: String?
        var downloadCounter = 0
        var signInCount = 0
    }

    /// Where and how the transport talks to TeleMessage.
    public let configuration: Configuration
    /// The account's credentials.
    public let credentials: TeleMessageCredentials
    let baseURL: URL
    private let session: URLSession
    private let driver = URLSessionDriver()
    private let state = Mutex(State())

    /// Creates a transport; nothing is sent until the first request.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` when the base URL is not `https` (or `http` to a
    ///   loopback address).
    public init(configuration: Configuration, credentials: TeleMessageCredentials) throws {
        self.baseURL = try Self.validatedBaseURL(configuration.baseURL)
        self.configuration = configuration
        self.credentials = credentials
        let sessionConfiguration = URLSessionConfiguration.ephemeral
        sessionConfiguration.timeoutIntervalForRequest = configuration.requestTimeout
        sessionConfiguration.urlCache = nil
        sessionConfiguration.httpCookieStorage = nil
        sessionConfiguration.urlCredentialStorage = nil
        sessionConfiguration.httpShouldSetCookies = false
        self.session = URLSession(configuration: sessionConfiguration, delegate: driver, delegateQueue: nil)
    }

    /// How many times the transport has signed in: once, plus once per expired token.
    public var signInCount: Int { state.withLock { $0.signInCount } }

    /// Signs in now, so that wrong credentials are found before anything is written.
    public func verifyCredentials() async throws {
        _ = try await withRetries("sign in to \(host)") { try await self.signIn() }
    }

    /// Fetches a page of items: `GET /api/v1/archive/items`.
    public func fetchRecords(_ request: PageRequest) async throws -> TeleMessageRecordPage {
        let pageNumber = request.cursor == nil ? 1 : state.withLock { $0.pageNumber } + 1
        var components = URLComponents(url: endpoint("api/v1/archive/items"), resolvingAgainstBaseURL: false)!
        var query = [
            URLQueryItem(name: "from", value: Self.timestamp(request.window.from, roundingUp: false)),
            URLQueryItem(name: "until", value: Self.timestamp(request.window.until, roundingUp: true)),
            URLQueryItem(name: "limit", value: String(min(max(request.limit, 1), 1000))),
        ]
        if let cursor = request.cursor { query.append(URLQueryItem(name: "cursor", value: cursor.rawValue)) }
        components.queryItems = query
        // "+" is a space in many servers' query parsing; timestamps and cursors must arrive as sent.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        let url = components.url!
        let what = "page \(pageNumber) of items"
        let page = try await authorized(what) { token in
            let body = ResponseBody(memoryLimit: self.configuration.maximumJSONBytes)
            return (self.request(url, token: token), body)
        } handle: { response, body in
            try self.requireSuccess(response, body, what)
            return try self.recordPage(body.bytes, pageNumber: pageNumber, what: what)
        }
        state.withLock { $0.pageNumber = pageNumber }
        return page
    }

    /// Downloads an attachment into the private temporary directory: `GET /api/v1/archive/attachments/{id}`.
    public func fetchAttachment(id: String, declaredSize: Int64) async throws -> TeleMessageAttachmentFile {
        guard Attachment.isValidID(id) else {
            throw ArchiverError(.attachmentMissing, "Attachment id \(id) cannot be requested.")
        }
        let path = try newDownloadPath(for: id)
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw POSIXFiles.failure("create the download file", path, errno) }
        defer { _ = SystemError.closeIgnoringInterrupts(descriptor) }
        let url = endpoint("api/v1/archive/attachments/" + id)
        let what = "attachment \(id)"
        do {
            try await authorized(what) { token in
                var info = stat()
                let offset = fstat(descriptor, &info) == 0 ? Int64(info.st_size) : 0
                _ = lseek(descriptor, off_t(offset), SEEK_SET)
                var request = self.request(url, token: token)
                request.setValue("*/*", forHTTPHeaderField: "Accept")
                if offset > 0 { request.setValue("bytes=\(offset)-", forHTTPHeaderField: "Range") }
                let body = ResponseBody(file: descriptor, path: path, resumeOffset: offset, limit: declaredSize)
                return (request, body)
            } handle: { response, body in
                try self.finishDownload(response, body, descriptor: descriptor, id: id, what: what)
            }
        } catch {
            _ = unlink(path)
            throw error
        }
        return TeleMessageAttachmentFile(path: path, isTemporary: true)
    }

    deinit {
        session.invalidateAndCancel()
    }

    /// Removes the temporary directory with whatever it still holds. The transport stays usable: a later run
    /// creates a new directory when it downloads again.
    public func close() async {
        let directory = state.withLock { state -> String? in
            defer { state.temporaryDirectory = nil }
            return state.temporaryDirectory
        }
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }

    // MARK: - Attachments

    private func finishDownload(
        _ response: HTTPURLResponse,
        _ body: ResponseBody,
        descriptor: Int32,
        id: String,
        what: String
    ) throws {
        switch response.statusCode {
        case 404, 410:
            throw ArchiverError(
                .attachmentMissing,
                "Attachment \(id) is gone from the TeleMessage site (\(response.statusCode))."
            )
        case 416, 206:
            if response.statusCode == 416 || !body.isWritingToFile {
                // The server did not resume where the file ends: start again from the first byte.
                _ = ftruncate(descriptor, 0)
                throw TransientFailure("the server did not resume the download of \(what) where it broke")
            }
        default:
            try requireSuccess(response, body, what)
        }
        if let failure = body.writeFailure {
            throw ArchiverError(.storageFailed, "Cannot store the download of \(what): \(failure)", scope: .run)
        }
    }

    // MARK: - Pages

    private func recordPage(_ bytes: [UInt8], pageNumber: Int, what: String) throws -> TeleMessageRecordPage {
        let document: JSONDocument
        do {
            // Tokens for the page, its members and each item, not for the items' contents: each item is parsed
            // again on its own, within the decoder's limits, so the page costs little more than its bytes.
            document = try JSONDocument(
                bytes: bytes,
                maximumDepth: configuration.decoder.maximumDepth + 2,
                recordingDepth: 2
            )
        } catch {
            throw TransientFailure("\(what) is not valid JSON (\(error))")
        }
        guard document[0].kind == .object else {
            throw ArchiverError(.protocolViolation, "TeleMessage answered \(what) with JSON that is not an object.")
        }
        var itemsIndex: Int?
        var cursor: SourceCursor?
        for (name, value) in document.members(0) {
            switch try? document.string(name) {
            case "items": itemsIndex = value
            case "nextCursor":
                switch document[value].kind {
                case .null: cursor = nil
                case .string:
                    guard let text = try? document.string(value), !text.isEmpty else { fallthrough }
                    cursor = SourceCursor(text)
                default:
                    throw ArchiverError(
                        .protocolViolation,
                        "TeleMessage answered \(what) with a \"nextCursor\" that is not a string or null."
                    )
                }
            default: break
            }
        }
        guard let itemsIndex, document[itemsIndex].kind == .array else {
            throw ArchiverError(
                .protocolViolation,
                "TeleMessage answered \(what) without an \"items\" array."
            )
        }
        let records = document.elements(itemsIndex).enumerated().map { offset, index in
            TeleMessageRecord(json: document.text(index), position: "page \(pageNumber) item \(offset + 1)")
        }
        return TeleMessageRecordPage(records: records, nextCursor: cursor)
    }

    // MARK: - Helpers

    func withState<Result>(_ body: (inout State) -> Result) -> Result {
        state.withLock { body(&$0) }
    }

    func perform(_ request: URLRequest, _ body: ResponseBody) async throws -> HTTPURLResponse {
        try await driver.perform(request, on: session, body: body)
    }

    private var host: String { baseURL.host ?? baseURL.absoluteString }

    private func endpoint(_ path: String) -> URL {
        URL(string: baseURL.absoluteString + "/" + path)!
    }

    private func request(_ url: URL, token: BearerToken) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("Bearer \(token.value)", forHTTPHeaderField: "Authorization")
        return request
    }

    private func newDownloadPath(for id: String) throws -> String {
        try state.withLock { state in
            if state.temporaryDirectory == nil {
                let base = configuration.temporaryDirectory ?? FileManager.default.temporaryDirectory.path
                var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast())
                template += Array("telemessage-XXXXXX".utf8CString)
                let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
                guard created != nil else { throw POSIXFiles.failure("create a temporary directory in", base, errno) }
                state.temporaryDirectory = String(
                    decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                    as: UTF8.self
                )
            }
            state.downloadCounter += 1
            return "\(state.temporaryDirectory!)/\(state.downloadCounter)-\(id)"
        }
    }

    /// `date` in RFC 3339 at millisecond precision, rounded so that the requested window covers the real one.
    static func timestamp(_ date: Date, roundingUp: Bool) -> String {
        let milliseconds = date.timeIntervalSince1970 * 1000
        let rounded = roundingUp ? milliseconds.rounded(.up) : milliseconds.rounded(.down)
        return RFC3339.format(Date(timeIntervalSince1970: rounded / 1000))
    }
}
