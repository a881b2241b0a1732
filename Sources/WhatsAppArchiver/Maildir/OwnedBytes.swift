/// A private copy of a message's bytes that can cross to the write-behind thread, freed with its last reference.
package final class OwnedBytes: @unchecked Sendable {
    // Written once in init, then only read: safe to share.
    package let buffer: UnsafeRawBufferPointer

    /// Copies `bytes`.
    package init(copying bytes: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if let base = bytes.baseAddress, bytes.count > 0 {
            copy.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        }
        self.buffer = UnsafeRawBufferPointer(start: copy.baseAddress, count: bytes.count)
    }

    deinit {
        buffer.deallocate()
    }
}
