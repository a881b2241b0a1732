import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The directory binding: a saved TeleMessage export (`telemessage-export.md`, section 3).
///
/// ```
/// <export>/items.jsonl          one item per line, ascending (capturedAt, id); blank lines ignored
/// <export>/attachments/<id>     the bytes of attachment <id>
/// ```
///
/// `items.jsonl` is read as a stream, one page at a time, so an export of any size is read in bounded memory. The
/// window selects on `capturedAt` exactly as over HTTP. A line whose `capturedAt` cannot be read belongs to the
/// window of the nearest readable `capturedAt` before it (after it, at the start of the file), so that consecutive
/// windows report each bad line exactly once.
///
/// The cursor is the byte offset and line number of the next line, and the `capturedAt` that bad lines are placed
/// by. Attachments are served in place; a missing file is the directory form of a `404`.
public struct ExportDirectoryTransport: TeleMessageTransport {
    /// The export directory.
    public let directory: String
    /// Limits for hostile lines.
    public let decoderConfiguration: ItemDecoder.Configuration

    private var itemsPath: String { directory + "/items.jsonl" }

    /// Opens the export at `directory`.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` when the directory has no readable `items.jsonl`.
    public init(
        directory: String,
        decoderConfiguration: ItemDecoder.Configuration = ItemDecoder.Configuration()
    )
        throws
    {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.decoderConfiguration = decoderConfiguration
        var info = stat()
        guard stat(itemsPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw ArchiverError(
                .invalidConfiguration,
                "\(directory) is not a saved TeleMessage export: \(itemsPath) is missing or not a file. "
                    + "An export holds items.jsonl and an attachments directory.",
                scope: .run
            )
        }
    }

    /// Reads the next page of lines in the window.
    public func fetchRecords(_ request: PageRequest) async throws -> TeleMessageRecordPage {
        var state = try request.cursor.map { try ScanState(cursor: $0) } ?? ScanState()
        if state.line == 0 {
            state.placement = try firstReadableCapturedAt()
        }
        let reader = try JSONLinesReader(
            path: itemsPath,
            offset: state.offset,
            maximumLineBytes: decoderConfiguration.maximumRecordBytes
        )
        let limit = max(request.limit, 1)
        var records: [TeleMessageRecord] = []
        var invalid: [InvalidRecord] = []
        while records.count + invalid.count < limit {
            guard let line = try reader.next() else {
                return TeleMessageRecordPage(records: records, invalidRecords: invalid, nextCursor: nil)
            }
            state.line += 1
            let position = "items.jsonl line \(state.line)"
            switch line {
            case .tooLong(let length):
                if state.placement.map(request.window.contains) ?? true {
                    invalid.append(
                        InvalidRecord(
                            position: position,
                            reason: "the line is \(length) bytes long, more than the limit of "
                                + "\(decoderConfiguration.maximumRecordBytes)"
                        )
                    )
                }
            case .text(var bytes):
                if state.line == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
                guard !Self.isBlank(bytes) else { continue }
                let document = parse(bytes)
                let capturedAt = document.flatMap { decoder.capturedAt(of: $0) }
                if let capturedAt { state.placement = capturedAt }
                if let placement = capturedAt ?? state.placement, !request.window.contains(placement) { continue }
                records.append(
                    document.map { TeleMessageRecord(parsed: $0, position: position) }
                        ?? TeleMessageRecord(json: bytes, position: position)
                )
            }
        }
        state.offset = reader.offset
        return TeleMessageRecordPage(records: records, invalidRecords: invalid, nextCursor: state.cursor)
    }

    /// Finds attachment `id` in `<export>/attachments/`.
    public func fetchAttachment(id: String, declaredSize: Int64) async throws -> TeleMessageAttachmentFile {
        guard Attachment.isValidID(id) else {
            throw ArchiverError(.attachmentMissing, "Attachment id \(id) cannot name a file.")
        }
        let path = directory + "/attachments/" + id
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let code = errno
            throw ArchiverError(
                .attachmentMissing,
                "Attachment \(id) is not in the export: \(path): \(SystemError.describe(code))"
            )
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ArchiverError(
                .attachmentMissing,
                "Attachment \(id) in the export is not a regular file (a link, a directory or a device): \(path)"
            )
        }
        return TeleMessageAttachmentFile(path: path, isTemporary: false)
    }

    // MARK: - Scanning

    private var decoder: ItemDecoder { ItemDecoder(configuration: decoderConfiguration) }

    /// The parsed line, when it is UTF-8 JSON within the limits; `nil` leaves the reason to the decoder.
    private func parse(_ bytes: [UInt8]) -> JSONDocument? {
        guard bytes.count <= decoderConfiguration.maximumRecordBytes,
            ItemDecoder.firstInvalidUTF8Offset(bytes) == nil
        else { return nil }
        return try? JSONDocument(bytes: bytes, maximumDepth: decoderConfiguration.maximumDepth)
    }

    /// The first readable `capturedAt` of the file: where bad lines at its start belong.
    private func firstReadableCapturedAt() throws -> Date? {
        let reader = try JSONLinesReader(
            path: itemsPath,
            offset: 0,
            maximumLineBytes: decoderConfiguration.maximumRecordBytes
        )
        while let line = try reader.next() {
            if case .text(let bytes) = line, let document = parse(bytes), let date = decoder.capturedAt(of: document) {
                return date
            }
        }
        return nil
    }

    static func isBlank(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    /// Where a scan is: the cursor's content.
    struct ScanState {
        var offset: Int64 = 0
        var line = 0
        var placement: Date?

        init() {}

        init(cursor: SourceCursor) throws {
            let parts = cursor.rawValue.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "e1", let offset = Int64(parts[1]), offset >= 0,
                let line = Int(parts[2]), line >= 0
            else {
                throw ArchiverError(
                    .protocolViolation,
                    "The cursor \(cursor) does not come from an export directory.",
                    scope: .run
                )
            }
            self.offset = offset
            self.line = line
            if let bits = UInt64(parts[3], radix: 16) {
                placement = Date(timeIntervalSince1970: Double(bitPattern: bits))
            }
        }

        var cursor: SourceCursor {
            let bits = placement.map { String($0.timeIntervalSince1970.bitPattern, radix: 16) } ?? "-"
            return SourceCursor("e1:\(offset):\(line):\(bits)")
        }
    }
}
