import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ExchangeOnlineSink {
    /// A message ready to send, and the spooled files to remove once every mailbox has it.
    struct Payload: Sendable {
        var payload: MessageImporter.Payload
        var files: [String]
        var byteCount: Int

        func remove() {
            for path in files { _ = unlink(path) }
        }
    }

    /// Counts the writes of one message down; the last one releases what they shared.
    final class PendingGroup: Sendable {
        private let remaining: Mutex<Int>
        private let release: @Sendable () -> Void

        init(count: Int, release: @escaping @Sendable () -> Void) {
            remaining = Mutex(count)
            self.release = release
        }

        func done() {
            let last = remaining.withLock { remaining in
                remaining -= 1
                return remaining == 0
            }
            if last { release() }
        }
    }
}
