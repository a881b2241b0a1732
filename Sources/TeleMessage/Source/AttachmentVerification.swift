import Dispatch
import Synchronization
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The SHA-256 check of one fetched attachment file, computed on a Dispatch queue while the converter streams the
/// same file, so that the digest costs no wall time of its own.
///
/// The hash runs off Swift's cooperative pool (a long blocking read loop there would starve every other task) on a
/// descriptor of its own, opened before the file could be unlinked, and closed when the hash ends. Whoever needs the
/// result holds an interest in it: the cache while the attachment is in the current page, and each open reader.
/// When the last interest goes while the hash is still running, the hash stops at its next chunk: no thread keeps
/// reading a file nobody will use.
///
/// The outcome is settled once, by the hash or by a reader that found the wrong number of bytes first; later opens
/// read it without hashing again.
final class AttachmentVerification: Sendable {
    /// How a verification ended.
    enum Outcome: Sendable {
        /// The bytes match the declared size and digest.
        case passed
        /// The bytes do not match, or could not be read.
        case failed(ArchiverError)
        /// Nobody needed the result any more; the hash stopped early.
        case cancelled
    }

    private struct State {
        var outcome: Outcome?
        var waiters: [CheckedContinuation<Outcome, Never>] = []
        /// The cache's interest and one per open reader.
        var interest = 1
    }

    private let state: Mutex<State>
    /// Read by the hash loop once per chunk, without taking the lock.
    private let stopRequested = Atomic<Bool>(false)

    private init(outcome: Outcome?) {
        state = Mutex(State(outcome: outcome))
    }

    /// A verification that has nothing left to check: the item declares no digest and the size matched.
    static func passed() -> AttachmentVerification {
        AttachmentVerification(outcome: .passed)
    }

    /// Starts hashing `descriptor` on `queue`; the descriptor is closed when the hash ends, whatever the outcome.
    ///
    /// - Parameters:
    ///   - descriptor: A descriptor of the attachment file, positioned at its start; the verification owns it.
    ///   - id: The attachment's id, for messages.
    ///   - declaredSize: The size the item declares.
    ///   - expectedDigest: The declared SHA-256, 64 lowercase hexadecimal digits.
    ///   - chunkSize: How many bytes each `read(2)` asks for.
    static func start(
        hashing descriptor: Int32,
        id: String,
        declaredSize: Int64,
        expectedDigest: String,
        chunkSize: Int = 1 << 18,
        on queue: DispatchQueue
    ) -> AttachmentVerification {
        let verification = AttachmentVerification(outcome: nil)
        queue.async {
            defer { SystemError.closeIgnoringInterrupts(descriptor) }
            let outcome = hash(
                descriptor,
                id: id,
                declaredSize: declaredSize,
                expectedDigest: expectedDigest,
                chunkSize: chunkSize
            ) { verification.stopRequested.load(ordering: .relaxed) }
            verification.settle(outcome)
        }
        return verification
    }

    /// Hashes `descriptor` on the calling thread and closes it: for files small enough that a thread hop costs more
    /// than the hash, and whose failure is then known at open.
    ///
    /// - Throws: The failure, when the bytes do not match.
    static func checkNow(
        hashing descriptor: Int32,
        id: String,
        declaredSize: Int64,
        expectedDigest: String,
        chunkSize: Int = 1 << 16
    ) throws -> AttachmentVerification {
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        let outcome = hash(
            descriptor,
            id: id,
            declaredSize: declaredSize,
            expectedDigest: expectedDigest,
            chunkSize: chunkSize
        ) { false }
        if case .failed(let error) = outcome { throw error }
        return AttachmentVerification(outcome: outcome)
    }

    /// The outcome, or `nil` while the hash is running.
    var outcome: Outcome? {
        state.withLock { $0.outcome }
    }

    /// Waits for the outcome without holding a thread: the caller's task is resumed by the hash when it ends.
    func outcomeWhenSettled() async -> Outcome {
        if let outcome = self.outcome { return outcome }
        return await withCheckedContinuation { continuation in
            let settled = state.withLock { state -> Outcome? in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let settled { continuation.resume(returning: settled) }
        }
    }

    /// Records `error` as the outcome unless one is already settled (a reader found the wrong byte count before the
    /// hash ended); the hash then stops.
    func fail(_ error: ArchiverError) {
        settle(.failed(error))
    }

    /// Adds an interest: a reader that will wait for the outcome.
    func retain() {
        state.withLock { $0.interest += 1 }
    }

    /// Removes an interest; the last one stops a hash still running.
    func release() {
        let unwanted = state.withLock { state -> Bool in
            state.interest -= 1
            return state.interest == 0 && state.outcome == nil
        }
        if unwanted { stopRequested.store(true, ordering: .relaxed) }
    }

    private func settle(_ outcome: Outcome) {
        let waiters = state.withLock { state -> [CheckedContinuation<Outcome, Never>] in
            guard state.outcome == nil else { return [] }
            state.outcome = outcome
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        stopRequested.store(true, ordering: .relaxed)
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    private static func hash(
        _ descriptor: Int32,
        id: String,
        declaredSize: Int64,
        expectedDigest: String,
        chunkSize: Int,
        shouldStop: () -> Bool
    ) -> Outcome {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var total: Int64 = 0
        while true {
            if shouldStop() { return .cancelled }
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                return .failed(
                    ArchiverError(
                        .storageFailed,
                        "Cannot read attachment \(id) to check its SHA-256: \(SystemError.describe(code))"
                    )
                )
            }
            if count == 0 { break }
            total += Int64(count)
            if total > declaredSize { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
        guard total == declaredSize else {
            return .failed(AttachmentVerification.sizeMismatch(id: id, actual: total, declared: declaredSize))
        }
        let actual = SHA256.hex(hasher.finalize())
        guard actual == expectedDigest else {
            return .failed(
                ArchiverError(
                    .attachmentIntegrity,
                    "Attachment \(id) has SHA-256 \(actual), but its item declares \(expectedDigest). "
                        + "The message is archived with a placeholder in its place; fetch the file again from "
                        + "TeleMessage to archive it."
                )
            )
        }
        return .passed
    }

    /// The error for a file that does not have the declared number of bytes.
    static func sizeMismatch(id: String, actual: Int64, declared: Int64) -> ArchiverError {
        ArchiverError(
            .attachmentIntegrity,
            "Attachment \(id) has \(actual > declared ? "more than \(declared)" : String(actual)) bytes, "
                + "but its item declares \(declared)."
        )
    }
}
