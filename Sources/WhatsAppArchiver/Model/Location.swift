/// A shared location.
public struct Location: Sendable, Hashable {
    /// Latitude in degrees.
    public var latitude: Double
    /// Longitude in degrees.
    public var longitude: Double
    /// The place's name, if shared. Untrusted text.
    public var name: String?
    /// The place's address, if shared. Untrusted text.
    public var address: String?

    /// Creates a location.
    public init(latitude: Double, longitude: Double, name: String? = nil, address: String? = nil) {
        self.latitude = latitude
        self.longitude = longitude
        self.name = name
        self.address = address
    }
}
