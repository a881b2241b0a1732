import Synchronization

/// The sink's message buffers, kept for the next delivery instead of freed.
///
/// Every delivery renders its message into a 64 KiB buffer, and a message that fits is handed, buffer and all, to
/// the write-behind thread, which gives the buffer back here once the file is written. Allocating the buffer in
/// the caller's task and freeing it on that thread made the two contend for the allocator's lock on every message
/// (a scheduler trace showed it as the commonest reason for either to sleep), and copied each message once more.
package final class MaildirBufferPool: Sendable {
    /// A buffer of the pool's size, owned by whoever took it until it is given back.
    private struct Buffer: @unchecked Sendable {
        // Only the taker touches the memory; the pool stores the pointer only while nobody holds it.
        let memory: UnsafeMutableRawBufferPointer
    }

    /// The size of every buffer.
    package let bufferSize: Int
    /// The most buffers kept while nobody uses them; more are freed when given back.
    package let maximumKept: Int
    private let kept = Mutex<[Buffer]>([])

    package init(bufferSize: Int, maximumKept: Int = 64) {
        self.bufferSize = max(bufferSize, 16)
        self.maximumKept = maximumKept
    }

    deinit {
        kept.withLock { buffers in
            for buffer in buffers { buffer.memory.deallocate() }
            buffers = []
        }
    }

    /// A kept buffer, or a new one, of ``bufferSize`` bytes.
    package func take() -> UnsafeMutableRawBufferPointer {
        if let buffer = kept.withLock({ $0.popLast() }) { return buffer.memory }
        return .allocate(byteCount: bufferSize, alignment: 16)
    }

    /// Gives back a buffer taken from this pool; its contents are garbage from then on.
    package func giveBack(_ memory: UnsafeMutableRawBufferPointer) {
        let isKept = kept.withLock { buffers in
            guard buffers.count < maximumKept else { return false }
            buffers.append(Buffer(memory: memory))
            return true
        }
        if !isKept { memory.deallocate() }
    }
}
