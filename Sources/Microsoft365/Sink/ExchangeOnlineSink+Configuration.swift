import Foundation

extension ExchangeOnlineSink {
    /// Where and how an ``ExchangeOnlineSink`` talks to Microsoft Graph.
    public struct Configuration: Sendable {
        /// The Graph endpoint (default `https://graph.microsoft.com`; a national cloud's, or a loopback fake).
        public var graphURL: URL
        /// The state directory: the sink keeps its journals and its spool in `microsoft365/` under it.
        public var stateDirectory: String
        /// Requests in flight per mailbox at most: Exchange Online allows 4 per app per mailbox.
        public var requestsPerMailbox = 4
        /// Messages whose writes may be in flight at once, over every mailbox; ``ExchangeOnlineSink/deliver(_:)``
        /// waits for a place beyond that, so that a run never holds more than this many spooled messages.
        public var messagesInFlight = 256
        /// Attempts of one request before the run stops with
        /// ``WhatsAppArchiver/ArchiverError/Code/destinationUnavailable``.
        public var maximumAttempts = 8
        /// The first backoff delay when the service gives no `Retry-After`; it doubles up to 30 seconds.
        public var initialRetryDelay: Duration = .milliseconds(500)
        /// How long a request may wait for its next bytes, in seconds.
        public var requestTimeout: TimeInterval = 120
        /// The application permissions checked in the token's `roles` claim before anything is read:
        /// `Mail-Advanced.ReadWrite.All` for `importMime`, `Mail.ReadWrite` for the folder, large messages and their
        /// attachments.
        public var requiredRoles = ["Mail-Advanced.ReadWrite.All", "Mail.ReadWrite"]

        /// Creates a configuration.
        public init(graphURL: URL = URL(string: "https://graph.microsoft.com")!, stateDirectory: String) {
            self.graphURL = graphURL
            self.stateDirectory = stateDirectory
        }
    }
}
