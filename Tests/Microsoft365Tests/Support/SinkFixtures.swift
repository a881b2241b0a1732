import Foundation
import Synchronization
import WhatsAppArchiver
import WhatsAppArchiverTesting

@testable import Microsoft365

/// Sinks pointed at a fake, and small messages for them.
enum SinkFixtures {
    static func provider(_ fake: FakeGraph, secret: String = FakeGraph.secret) throws -> ClientSecretTokenProvider {
        try ClientSecretTokenProvider(
            loginURL: fake.baseURL,
            tenant: FakeGraph.tenant,
            clientID: FakeGraph.clientID,
            secret: ClientSecret(secret),
            graphURL: fake.baseURL
        )
    }

    static func sink(
        _ fake: FakeGraph,
        state: String? = nil,
        attempts: Int = 8,
        provider: (any M365TokenProvider)? = nil
    ) throws -> ExchangeOnlineSink {
        var configuration = ExchangeOnlineSink.Configuration(
            graphURL: fake.baseURL,
            stateDirectory: try state ?? fake.scratch()
        )
        configuration.maximumAttempts = attempts
        configuration.initialRetryDelay = .milliseconds(10)
        return try ExchangeOnlineSink(configuration: configuration, tokenProvider: provider ?? self.provider(fake))
    }

    /// A small MIME message with `Message-ID: <id>`.
    static func message(_ id: String, text: String = "Hello") -> EmailMessage {
        let mime =
            "Message-ID: <\(id)>\r\nSubject: test \(id)\r\nFrom: alice@contoso.com\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\n\(text)\r\n"
        return EmailMessage(messageID: id, date: SampleItems.baseDate, body: EmailBody(bytes: Array(mime.utf8)))
    }

    static func delivery(_ id: String, to mailbox: String, text: String = "Hello") -> Delivery {
        Delivery(
            mailboxes: [MailboxAddress(mailbox)!],
            folder: "WhatsApp Archiver",
            message: message(id, text: text),
            item: SampleItems.message(id: id)
        )
    }

    /// Delivers, seals and waits: the final outcome of the delivery's one mailbox.
    static func store(_ sink: ExchangeOnlineSink, _ delivery: Delivery) async throws -> MailboxOutcome {
        let outcome = try await sink.deliver(delivery).outcomes[0]
        let receipt = try await sink.commit()
        guard outcome.status == .accepted else { return outcome }
        return receipt.settled.first { $0.messageID == delivery.message.messageID }?.outcome ?? outcome
    }

    /// How many copies of each internetMessageId the mailbox holds.
    static func copies(_ fake: FakeGraph, _ mailbox: String) throws -> [String: Int] {
        var copies: [String: Int] = [:]
        for message in try fake.messages(mailbox) {
            copies[message["internetMessageId"] as? String ?? "?", default: 0] += 1
        }
        return copies
    }
}

/// A token provider that hands out a token the service does not know first, then real ones.
final class StaleFirstProvider: M365TokenProvider {
    let real: ClientSecretTokenProvider
    let calls = Mutex(0)

    init(real: ClientSecretTokenProvider) {
        self.real = real
    }

    func fetchToken() async throws -> M365AccessToken {
        let call = calls.withLock { calls in
            calls += 1
            return calls
        }
        if call == 1 { return M365AccessToken(value: "revoked-token", expiresAt: Date().addingTimeInterval(3600)) }
        return try await real.fetchToken()
    }
}
