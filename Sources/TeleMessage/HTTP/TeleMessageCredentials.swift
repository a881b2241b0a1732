import Foundation
import WhatsAppArchiver

/// The username and password a ``HTTPTransport`` signs in with.
///
/// The password is never stored in this value: it is read from a closure each time the transport signs in, so it
/// stays where the embedding application keeps it (an environment variable, a keychain, a secrets manager). It
/// never appears in a `description`, a `debugDescription`, a `dump`, a log line or an error message, and it is
/// never written to disk.
public struct TeleMessageCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The TeleMessage username.
    public let username: String
    private let passwordProvider: @Sendable () throws -> String

    /// Creates credentials whose password `password` supplies when the transport signs in.
    ///
    /// The closure may throw, for example when a secrets store is locked; the error stops the run.
    public init(username: String, password: @escaping @Sendable () throws -> String) {
        self.username = username
        self.passwordProvider = password
    }

    /// Credentials whose password is read from the environment variable `variable` when the transport signs in.
    ///
    /// - Parameter environment: The environment to read; the process's own by default.
    public static func environment(
        username: String,
        variable: String = "TELEMESSAGE_PASSWORD",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> TeleMessageCredentials {
        let value = environment[variable]
        return TeleMessageCredentials(username: username) {
            guard let value, !value.isEmpty else {
                throw ArchiverError(
                    .invalidConfiguration,
                    "The environment variable \(variable) that should hold the TeleMessage password of \(username) "
                        + "is not set or is empty. Set it (export \(variable)=...) and run again.",
                    scope: .run
                )
            }
            return value
        }
    }

    /// Reads the password.
    func password() throws -> String { try passwordProvider() }

    /// The username, with the password redacted.
    public var description: String { "TeleMessageCredentials(username: \(username), password: <redacted>)" }

    /// The username, with the password redacted.
    public var debugDescription: String { description }

    /// A mirror that shows the username only.
    public var customMirror: Mirror { Mirror(self, children: ["username": username, "password": "<redacted>"]) }
}
