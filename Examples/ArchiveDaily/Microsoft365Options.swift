import Foundation
import Microsoft365
import WhatsAppArchiver

/// The `--m365-*` options of `archive-daily` (microsoft-365.md): the Exchange Online destination.
struct Microsoft365Options {
    static let valuedOptions: Set<String> = [
        "--m365-tenant", "--m365-client-id", "--m365-secret-env", "--m365-login-url", "--m365-graph-url",
    ]

    var tenant: String
    var clientID: String
    var secretVariable = "M365_CLIENT_SECRET"
    var loginURL = "https://login.microsoftonline.com"
    var graphURL = "https://graph.microsoft.com"

    /// The options, `nil` when none is given.
    static func parse(_ values: [String: String]) throws(Options.UsageError) -> Microsoft365Options? {
        guard valuedOptions.contains(where: { values[$0] != nil }) else { return nil }
        guard let tenant = values["--m365-tenant"], let clientID = values["--m365-client-id"] else {
            throw Options.UsageError(message: "the Microsoft 365 destination needs --m365-tenant and --m365-client-id")
        }
        var options = Microsoft365Options(tenant: tenant, clientID: clientID)
        if let variable = values["--m365-secret-env"] { options.secretVariable = variable }
        if let url = values["--m365-login-url"] { options.loginURL = url }
        if let url = values["--m365-graph-url"] { options.graphURL = url }
        return options
    }
}

extension Microsoft365Options {
    /// The Exchange Online sink, once its token and permissions are checked.
    func makeSink(stateDirectory: String) async throws -> ExchangeOnlineSink {
        guard let login = URL(string: loginURL), let graph = URL(string: graphURL) else {
            throw ArchiverError(.invalidConfiguration, "--m365-login-url and --m365-graph-url must be URLs.")
        }
        let provider = try ClientSecretTokenProvider(
            loginURL: login,
            tenant: tenant,
            clientID: clientID,
            secret: try ClientSecret.environment(secretVariable),
            graphURL: graph
        )
        let sink = try ExchangeOnlineSink(
            configuration: ExchangeOnlineSink.Configuration(graphURL: graph, stateDirectory: stateDirectory),
            tokenProvider: provider
        )
        try await sink.verifyAccess()
        return sink
    }
}
