/// Makes the random part of multipart boundaries.
///
/// The converter makes every boundary `=_WA_` followed by the generator's token. `=_` cannot occur in base64 or in
/// the quoted-printable this converter writes, so no encoded line can ever be mistaken for a boundary. Tests pass
/// a ``FixedMIMEBoundaryGenerator`` to get byte-for-byte reproducible messages.
public protocol MIMEBoundaryGenerator: Sendable {
    /// A new token: 1 to 60 characters from `[A-Za-z0-9._-]`; other characters are dropped.
    func makeToken() -> String
}

/// The default generator: 128 random bits from the system's secure random source, in hexadecimal.
public struct RandomMIMEBoundaryGenerator: MIMEBoundaryGenerator {
    /// Creates the generator.
    public init() {}

    /// 32 random hexadecimal digits.
    public func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    private func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

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
