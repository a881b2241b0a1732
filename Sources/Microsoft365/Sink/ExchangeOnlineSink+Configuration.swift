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
        /// waits for a place beyond that. Wide, so that one busy mailbox's backlog never starves the others.
        public var messagesInFlight = 2048
        /// Of those, messages over 64 KiB (held in memory up to 3 MiB each, or spooled to files).
        public var largeMessagesInFlight = 16
        /// Upload-session chunks in flight at once, over every mailbox. Each costs about 14 MiB of memory while it
        /// is sent (the chunk and the transport's copies); with 1, a run with a 100 MiB attachment peaks under 64 MiB.
        public var chunkUploadsInFlight = 1
        /// Attempts of one request before the run stops with
        /// `ArchiverError/Code/destinationUnavailable`.
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
