/// An access token from the sign-in endpoint. Its value never appears in a description or a dump.
struct BearerToken: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    let value: String

    var description: String { "BearerToken(<redacted>)" }
    var customMirror: Mirror { Mirror(self, children: ["value": "<redacted>"]) }
}
