import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The attachment files of the current page: fetched once from the transport, verified once against the declared
/// size and SHA-256, then served to every mailbox an item fans out to.
///
/// A failure that concerns the attachment (gone, corrupt) is remembered too, so a fan-out to ten mailboxes asks the
/// server once. Temporary files are deleted by ``discardAll()``, which the source calls before each page and when
/// the run ends: readers already open keep working, since an unlinked file lives until its last descriptor closes.
actor AttachmentCache {
    struct Key: Hashable {
        var id: String
        var size: Int64
        var sha256: String?
    }

    private enum Entry {
        case loading(Task<TeleMessageAttachmentFile, any Error>)
        case ready(TeleMessageAttachmentFile)
        case failed(ArchiverError)
    }

    private let transport: any TeleMessageTransport
    private var entries: [Key: Entry] = [:]
    private var generation = 0

    init(transport: any TeleMessageTransport) {
        self.transport = transport
    }

    /// The path of the verified file for `key`, fetching and verifying it on first use.
    func path(for key: Key) async throws -> String {
        switch entries[key] {
        case .ready(let file): return file.path
        case .failed(let error): throw error
        case .loading(let task): return try await task.value.path
        case nil: break
        }
        let transport = transport
        let task = Task { try await Self.fetchAndVerify(key, transport: transport) }
        entries[key] = .loading(task)
        let started = generation
        do {
            let file = try await task.value
            guard started == generation else {
                // Discarded while loading: this file belongs to nobody now.
                if file.isTemporary { _ = unlink(file.path) }
                throw ArchiverError(.attachmentMissing, "Attachment \(key.id) was discarded while being fetched.")
            }
            entries[key] = .ready(file)
            return file.path
        } catch let error as ArchiverError where error.scope == .item {
            if started == generation { entries[key] = .failed(error) }
            throw error
        } catch {
            // Not about this attachment (the source is down): forget it, so a later open tries again.
            if started == generation { entries[key] = nil }
            throw error
        }
    }

    /// Deletes every temporary file and forgets every entry.
    func discardAll() {
        generation += 1
        for entry in entries.values {
            if case .ready(let file) = entry, file.isTemporary { _ = unlink(file.path) }
        }
        entries.removeAll()
    }

    private static func fetchAndVerify(
        _ key: Key,
        transport: any TeleMessageTransport
    ) async throws -> TeleMessageAttachmentFile {
        let file = try await transport.fetchAttachment(id: key.id, declaredSize: key.size)
        do {
            try verify(file.path, key)
            return file
        } catch {
            if file.isTemporary { _ = unlink(file.path) }
            throw error
        }
    }

    /// Checks the file against the declared size and digest, reading it once in bounded memory.
    static func verify(_ path: String, _ key: Key) throws {
        let reader = try FileAttachmentReader(path: path)
        defer { reader.close() }
        var hasher = SHA256()
        var total: Int64 = 0
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            let count = try reader.readSynchronously(into: buffer)
            if count == 0 { break }
            total += Int64(count)
            if total > key.size { break }
            if key.sha256 != nil { hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count])) }
        }
        guard total == key.size else {
            throw ArchiverError(
                .attachmentIntegrity,
                "Attachment \(key.id) has \(total > key.size ? "more than \(key.size)" : String(total)) bytes, "
                    + "but its item declares \(key.size)."
            )
        }
        if let expected = key.sha256 {
            let actual = SHA256.hex(hasher.finalize())
            guard actual == expected else {
                throw ArchiverError(
                    .attachmentIntegrity,
                    "Attachment \(key.id) has SHA-256 \(actual), but its item declares \(expected)."
                )
            }
        }
    }
}
