import Foundation
import Testing
import WhatsAppArchiver

@testable import TeleMessage

/// The promises of Documentation/Security.md that the transport's other tests do not already cover: a refused base
/// URL is never repeated into an error (it may carry a token or password), and a redirect is never followed (the
/// bearer token must not reach another address).
struct SecurityDefaultsTests {
    @Test(arguments: [
        "https://archive.example.com/?token=s3cr3t-value", "https://archive.example.com/#s3cr3t-value",
        "ftp://archive.example.com/?key=s3cr3t-value", "user:s3cr3t-value@archive.example.com",
        "https://user:s3cr3t-value@archive.example.com", "http://archive.example.com/?token=s3cr3t-value",
    ])
    func aRefusedURLIsNotRepeatedInItsError(_ url: String) throws {
        let error = #expect(throws: ArchiverError.self) {
            _ = try HTTPTransport(
                configuration: .init(baseURL: try #require(URL(string: url))),
                credentials: TeleMessageCredentials(username: "ops") { "p" }
            )
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error.map { String(describing: $0) }?.contains("s3cr3t") == false)
    }

    @Test func aBearerTokenNeverShowsInADescriptionOrADump() {
        let token = BearerToken(value: "tok-3f9a7c")
        var dumped = ""
        dump(token, to: &dumped)
        for text in [String(describing: token), String(reflecting: token), dumped, "\(token)"] {
            #expect(!text.contains("tok-3f9a7c"))
        }
    }

    @Test(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed to run the loopback server"))
    func aSignedInTransportDumpsWithoutItsTokenOrPassword() async throws {
        let server = try RedirectingServer(redirecting: false)
        defer { server.stop() }
        let transport = try HTTPTransport(
            configuration: .init(baseURL: server.baseURL),
            credentials: TeleMessageCredentials(username: "ops") { "dump-secret" }
        )
        try await transport.verifyCredentials()
        #expect(transport.signInCount == 1)
        var dumped = ""
        dump(transport, to: &dumped)
        // The dump shows the configuration and the credentials (redacted); the token sits behind a Mutex, which a
        // mirror does not open, and BearerToken redacts itself anyway (the test above).
        #expect(dumped.contains("<redacted>"))
        for text in [dumped, String(describing: transport), String(reflecting: transport)] {
            #expect(!text.contains(RedirectingServer.token))
            #expect(!text.contains("dump-secret"))
        }
        await transport.close()
    }

    @Test(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is needed to run the redirecting server"))
    func aRedirectIsNeverFollowed() async throws {
        let server = try RedirectingServer()
        defer { server.stop() }
        var configuration = HTTPTransport.Configuration(baseURL: server.baseURL)
        configuration.retry.maximumAttempts = 1
        configuration.requestTimeout = 10
        let transport = try HTTPTransport(
            configuration: configuration,
            credentials: TeleMessageCredentials(username: "ops") { "redirect-secret" }
        )
        let error = await #expect(throws: ArchiverError.self) { try await transport.verifyCredentials() }
        #expect(error?.scope == .run)
        #expect(error.map { String(describing: $0) }?.contains("redirect-secret") == false)
        await transport.close()
        #expect(server.requestsToRedirectTarget() == 0, "the transport followed a redirect")
        #expect(server.redirectsSent() > 0, "the server never redirected: the test proves nothing")
    }
}

/// A loopback server that answers every request with `302 Found` to `/elsewhere` on itself, and counts the requests
/// that arrive there: one means a redirect was followed. Built with `redirecting: false`, it signs every request in
/// with ``token``.
private final class RedirectingServer: Sendable {
    var baseURL: URL { server.baseURL }
    private let server: LoopbackPythonServer
    private let counters: String

    private static let script = """
        import http.server, sys
        counters = sys.argv[1]
        redirecting = sys.argv[2] == "redirect"
        counts = {"redirects": 0, "elsewhere": 0}
        class Handler(http.server.BaseHTTPRequestHandler):
            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                if length: self.rfile.read(length)
                if self.path.startswith("/elsewhere") or not redirecting:
                    counts["elsewhere"] += 1
                    body = b'{"accessToken":"tok-9d1e55c0b7","tokenType":"Bearer","expiresIn":3600}'
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                else:
                    counts["redirects"] += 1
                    self.send_response(302)
                    self.send_header("Location", "http://127.0.0.1:%d/elsewhere" % self.server.server_port)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                with open(counters, "w") as out: out.write("%d %d" % (counts["redirects"], counts["elsewhere"]))
            do_GET = answer
            do_POST = answer
            def log_message(self, *arguments): pass
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print("PORT %d" % server.server_port, flush=True)
        import threading
        threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
        server.serve_forever()
        """

    /// The access token the server hands out.
    static let token = "tok-9d1e55c0b7"

    init(redirecting: Bool = true) throws {
        counters = try Fixtures.scratchDirectory() + "/counters"
        server = try LoopbackPythonServer(arguments: [
            "-c", Self.script, counters, redirecting ? "redirect" : "sign-in",
        ])
    }

    private func count(_ index: Int) -> Int {
        let text = (try? String(contentsOfFile: counters, encoding: .utf8)) ?? "0 0"
        return Int(text.split(separator: " ")[index]) ?? 0
    }

    func redirectsSent() -> Int { count(0) }

    func requestsToRedirectTarget() -> Int { count(1) }

    func stop() {
        server.stop()
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: counters).deletingLastPathComponent().path)
    }
}
