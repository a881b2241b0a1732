/// A generator that always returns the same token: for reproducible output in tests and golden files only.
public struct FixedMIMEBoundaryGenerator: MIMEBoundaryGenerator {
    /// The token returned every time.
    public var token: String

    /// Creates a generator that always returns `token`.
    public init(token: String = "0123456789abcdef") {
        self.token = token
    }

    /// Returns ``token``.
    public func makeToken() -> String { token }
}
