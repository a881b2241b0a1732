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
