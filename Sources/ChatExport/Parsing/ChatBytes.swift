/// Byte comparisons for the short names the readers look up on every line.
enum ChatBytes {
    /// Whether the `count` bytes at `a` and at `b` are the same.
    ///
    /// Eight bytes at a time, the last eight overlapping the ones before: the authors' names this compares are a
    /// few bytes long and differ near their end, and a call to `memcmp` for each known name was most of the first
    /// pass's author lookup.
    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard count >= 8 else {
            for index in 0..<count where a[index] != b[index] { return false }
            return true
        }
        let (a, b) = (UnsafeRawPointer(a), UnsafeRawPointer(b))
        var offset = 0
        while offset < count - 8 {
            guard
                a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    == b.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            else { return false }
            offset += 8
        }
        return a.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
            == b.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
    }
}
