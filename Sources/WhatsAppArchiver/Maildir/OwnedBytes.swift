/// A message's bytes that can cross to the write-behind thread, released with their last reference: a private
/// copy, or a pooled buffer handed over whole (given back to its pool instead of freed).
package final class OwnedBytes: @unchecked Sendable {
    // Written once in init, then only read: safe to share.
    package let buffer: UnsafeRawBufferPointer
    private let storage: UnsafeMutableRawBufferPointer
    private let pool: MaildirBufferPool?

    /// Copies `bytes`.
    package init(copying bytes: UnsafeRawBufferPointer) {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        if let base = bytes.baseAddress, bytes.count > 0 {
            copy.baseAddress!.copyMemory(from: base, byteCount: bytes.count)
        }
        self.storage = copy
        self.pool = nil
        self.buffer = UnsafeRawBufferPointer(start: copy.baseAddress, count: bytes.count)
    }

    /// Takes over the first `count` bytes of `storage`, a buffer of `pool`'s, which gets it back when released.
    package init(adopting storage: UnsafeMutableRawBufferPointer, count: Int, returningTo pool: MaildirBufferPool) {
        self.storage = storage
        self.pool = pool
        self.buffer = UnsafeRawBufferPointer(rebasing: storage[0..<count])
    }

    deinit {
        if let pool {
            pool.giveBack(storage)
        } else {
            storage.deallocate()
        }
    }
}
