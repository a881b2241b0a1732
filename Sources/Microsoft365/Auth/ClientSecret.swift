import Foundation
import WhatsAppArchiver

/// An app registration's client secret, read from the environment.
///
/// It never appears in a description, a log or an error: ``description`` is redacted, and the only way to the value
/// is the token request.
public struct ClientSecret: Sendable, CustomStringConvertible {
    let value: String

    /// Creates a secret from its value; an embedder that keeps secrets in a vault passes what the vault returns.
    public init(_ value: String) {
        self.value = value
    }

    /// Reads the secret from the environment variable `variable`.
    ///
    /// - Throws: `ArchiverError/Code/invalidConfiguration` when the variable is unset or empty.
    public static func environment(_ variable: String) throws -> ClientSecret {
        guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
            throw ArchiverError(
                .invalidConfiguration,
                "The client secret is read from the environment variable \(variable), which is not set; set it "
                    + "(or name another with --m365-secret-env). A secret is never taken from the command line.",
                scope: .run
            )
        }
        return ClientSecret(value)
    }

    /// `ClientSecret(redacted)`.
    public var description: String { "ClientSecret(redacted)" }
}
