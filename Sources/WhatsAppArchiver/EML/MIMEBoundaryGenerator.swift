/// Makes the random part of multipart boundaries.
///
/// The converter makes every boundary `=_WA_` followed by the generator's token. `=_` cannot occur in base64 or in
/// the quoted-printable this converter writes, so no encoded line can ever be mistaken for a boundary. Tests pass
/// a ``FixedMIMEBoundaryGenerator`` to get byte-for-byte reproducible messages.
public protocol MIMEBoundaryGenerator: Sendable {
    /// A new token: 1 to 60 characters from `[A-Za-z0-9._-]`; other characters are dropped.
    func makeToken() -> String
}
