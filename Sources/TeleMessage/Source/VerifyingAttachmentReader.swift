import WhatsAppArchiver

/// Streams a fetched attachment file and vouches for it at the end: its final read, the one that would return 0,
/// waits for the file's ``AttachmentVerification`` and throws ``ArchiverError/Code/attachmentIntegrity`` when the
/// bytes do not match the item, as ``AttachmentReader`` allows.
///
/// It counts the bytes it hands out too, so a file that grows or shrinks while it is read fails here even when the
/// item declares no digest. A failure it finds first is recorded in the verification, so later opens of the same
/// attachment fail at once.
final class VerifyingAttachmentReader: AttachmentReader {
    private let file: FileAttachmentReader
    private let verification: AttachmentVerification
    private let id: String
    private let declaredSize: Int64
    private var total: Int64 = 0
    private var holdsInterest = true

    /// Reads `file`, which must hold attachment `id` of `declaredSize` bytes; takes an interest in `verification`.
    init(file: FileAttachmentReader, verification: AttachmentVerification, id: String, declaredSize: Int64) {
        self.file = file
        self.verification = verification
        self.id = id
        self.declaredSize = declaredSize
        verification.retain()
    }

    deinit {
        close()
    }

    /// Reads the next bytes; at the end of the file, the verification's verdict.
    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        let count = try file.readSynchronously(into: buffer)
        if count > 0 {
            total += Int64(count)
            if total > declaredSize {
                throw failure(AttachmentVerification.sizeMismatch(id: id, actual: total, declared: declaredSize))
            }
            return count
        }
        guard total == declaredSize else {
            throw failure(AttachmentVerification.sizeMismatch(id: id, actual: total, declared: declaredSize))
        }
        switch await verification.outcomeWhenSettled() {
        case .passed:
            return 0
        case .failed(let error):
            throw error
        case .cancelled:
            // Not reachable while this reader holds its interest; said plainly rather than trusted.
            throw ArchiverError(.storageFailed, "The check of attachment \(id) stopped before it ended.")
        }
    }

    /// Closes the file and gives up the interest in the verification.
    func close() {
        file.close()
        if holdsInterest {
            holdsInterest = false
            verification.release()
        }
    }

    private func failure(_ error: ArchiverError) -> ArchiverError {
        verification.fail(error)
        return error
    }
}
