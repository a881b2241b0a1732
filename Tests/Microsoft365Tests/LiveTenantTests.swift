import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

@testable import Microsoft365

/// Against a real tenant, when its environment variables are set: one message imported into a test folder of one
/// mailbox, then again, as a duplicate.
struct LiveTenantTests {
    static let environment = ProcessInfo.processInfo.environment
    static let isConfigured = [
        "M365_LIVE_TENANT", "M365_LIVE_CLIENT_ID", "M365_LIVE_CLIENT_SECRET", "M365_LIVE_MAILBOX",
    ]
    .allSatisfy { environment[$0]?.isEmpty == false }

    @Test(.enabled(if: isConfigured, "set M365_LIVE_TENANT, _CLIENT_ID, _CLIENT_SECRET and _MAILBOX to run"))
    func aMessageIsImportedOnceIntoARealMailbox() async throws {
        let graph = URL(string: Self.environment["M365_LIVE_GRAPH_URL"] ?? "https://graph.microsoft.com")!
        let provider = try ClientSecretTokenProvider(
            loginURL: URL(string: Self.environment["M365_LIVE_LOGIN_URL"] ?? "https://login.microsoftonline.com")!,
            tenant: Self.environment["M365_LIVE_TENANT"]!,
            clientID: Self.environment["M365_LIVE_CLIENT_ID"]!,
            secret: try ClientSecret.environment("M365_LIVE_CLIENT_SECRET"),
            graphURL: graph
        )
        let state = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let sink = try ExchangeOnlineSink(
            configuration: ExchangeOnlineSink.Configuration(graphURL: graph, stateDirectory: state),
            tokenProvider: provider
        )
        try await sink.verifyAccess()
        let mailbox = Self.environment["M365_LIVE_MAILBOX"]!
        let id = "live-test.\(UUID().uuidString.lowercased())@archiver.invalid"
        var delivery = SinkFixtures.delivery(id, to: mailbox, text: "WhatsApp Archiver live test")
        delivery.folder = "WhatsApp Archiver Live Test"
        let first = try await SinkFixtures.store(sink, delivery)
        #expect(first.status == .stored)
        try await sink.close()

        // A second sink without the journal: the mailbox says the message is there.
        let otherState = try ArchiveDailyProcess.scratch()
        defer { try? FileManager.default.removeItem(atPath: otherState) }
        let again = try ExchangeOnlineSink(
            configuration: ExchangeOnlineSink.Configuration(graphURL: graph, stateDirectory: otherState),
            tokenProvider: provider
        )
        let second = try await SinkFixtures.store(again, delivery)
        #expect(second.status == .duplicate)
        try await again.close()
    }
}
