import Foundation
import Synchronization
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Where a response body goes as it arrives: memory (JSON, capped) or a file (attachments, appended from a resume
/// offset). Bodies of error responses always go to memory, capped small, for the error message.
final class ResponseBody: Sendable {
    private struct State {
        var status = 0
        var bytes: [UInt8] = []
        var received: Int64 = 0
        var written: Int64
        var stoppedEarly = false
        var failure: String?
        var writeFailure: String?
        var writingToFile = false
    }

    private let fileDescriptor: Int32?
    private let filePath: String?
    private let memoryLimit: Int
    private let fileLimit: Int64
    private let state: Mutex<State>

    /// A body kept in memory, up to `limit` bytes.
    init(memoryLimit: Int) {
        self.fileDescriptor = nil
        self.filePath = nil
        self.memoryLimit = memoryLimit
        self.fileLimit = 0
        self.state = Mutex(State(written: 0))
    }

    /// A body written to the open file `descriptor`, which already holds `resumeOffset` bytes; writing stops after
    /// `limit` bytes in the file.
    init(file descriptor: Int32, path: String, resumeOffset: Int64, limit: Int64) {
        self.fileDescriptor = descriptor
        self.filePath = path
        self.memoryLimit = 64 << 10
        self.fileLimit = limit
        self.state = Mutex(State(written: resumeOffset))
    }

    /// The bytes kept in memory.
    var bytes: [UInt8] { state.withLock { $0.bytes } }
    /// How many body bytes arrived.
    var received: Int64 { state.withLock { $0.received } }
    /// How many bytes the file holds.
    var written: Int64 { state.withLock { $0.written } }
    /// Whether the body was cut off on purpose: over the limit, or a write failed.
    var stoppedEarly: Bool { state.withLock { $0.stoppedEarly } }
    /// Why the body was cut off, when it was.
    var failure: String? { state.withLock { $0.failure } }
    /// Why writing the file failed, when it did.
    var writeFailure: String? { state.withLock { $0.writeFailure } }
    /// Whether the body goes to the file: a `200`, or a `206` that resumes where the file ends.
    var isWritingToFile: Bool { state.withLock { $0.writingToFile } }

    /// Called with the response headers: decides where the body goes.
    func begin(_ response: HTTPURLResponse) {
        state.withLock { state in
            state.status = response.statusCode
            guard let descriptor = fileDescriptor else { return }
            switch response.statusCode {
            case 206 where Self.rangeStart(response) == state.written:
                state.writingToFile = true
            case 200:
                // A full body: start the file again.
                _ = ftruncate(descriptor, 0)
                _ = lseek(descriptor, 0, SEEK_SET)
                state.written = 0
                state.writingToFile = true
            default:
                state.writingToFile = false
            }
        }
    }

    /// Takes the next bytes; returns `false` to stop the transfer.
    func append(_ data: Data) -> Bool {
        state.withLock { state in
            state.received += Int64(data.count)
            guard state.writingToFile, let descriptor = fileDescriptor else {
                if fileDescriptor != nil {
                    // An error body of a download: keep its start for the message, let the rest pass.
                    state.bytes.append(contentsOf: data.prefix(max(memoryLimit - state.bytes.count, 0)))
                    return true
                }
                guard state.bytes.count + data.count <= memoryLimit else {
                    state.stoppedEarly = true
                    state.failure = "the body is longer than \(memoryLimit) bytes"
                    return false
                }
                state.bytes.append(contentsOf: data)
                return true
            }
            // Keep one byte past the limit, so that verification sees an oversized attachment as such.
            let room = max(fileLimit + 1 - state.written, 0)
            let chunk = data.prefix(Int(min(Int64(data.count), room)))
            let ok = chunk.withUnsafeBytes { raw -> Bool in
                var offset = 0
                while offset < raw.count {
                    let count = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                    if count < 0 {
                        if errno == EINTR { continue }
                        state.writeFailure =
                            "cannot write \(filePath ?? "the download"): \(SystemError.describe(errno))"
                        return false
                    }
                    offset += count
                }
                return true
            }
            state.written += Int64(ok ? chunk.count : 0)
            guard ok else {
                state.stoppedEarly = true
                return false
            }
            if state.written > fileLimit {
                state.stoppedEarly = true
                state.failure = "the server sent more than the declared \(fileLimit) bytes"
                return false
            }
            return true
        }
    }

    /// The first byte position of a `Content-Range: bytes first-last/total` header.
    static func rangeStart(_ response: HTTPURLResponse) -> Int64? {
        guard let header = response.value(forHTTPHeaderField: "Content-Range") else { return nil }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes ") else { return nil }
        let range = trimmed.dropFirst(6).prefix { $0 != "/" }
        return range.split(separator: "-").first.flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
    }
}
