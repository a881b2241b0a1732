#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Helpers for turning POSIX error numbers into readable text.
package enum SystemError {
    /// `strerror(code)` followed by the symbolic number, for example `No space left on device (errno 28)`.
    package static func describe(_ code: Int32) -> String {
        "\(String(cString: strerror(code))) (errno \(code))"
    }

    /// Closes a descriptor; `close(2)` must not be retried on `EINTR` on Linux, so the result is only returned.
    @discardableResult
    package static func closeIgnoringInterrupts(_ descriptor: Int32) -> Int32 {
        #if canImport(Darwin)
        return Darwin.close(descriptor)
        #else
        return Glibc.close(descriptor)
        #endif
    }
}
