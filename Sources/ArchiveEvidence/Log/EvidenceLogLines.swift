import WhatsAppArchiver

/// Writes one step's intent or entry lines straight from the committed files: byte for byte the lines
/// ``EvidenceLogRecord/intent(size:_:)`` and ``EvidenceLogRecord/entry(index:_:)`` write for the same values, without
/// an ``EvidenceLogEntry`` (four strings and an array retained and released) per file.
///
/// A line is `{"intent":N,` or `{"entry":N,`, then the file's own fields `"messageId":…,"sha256":"…","size":…`, then
/// the fields every line of the step shares `,"time":…,"run":…,"file":`, then the file's name `"…"}` and a line
/// feed. The shared part is quoted once per step. The file's two parts (``FileParts``) are built once, into the
/// intents of `prepare`, and copied from there into the entries of `complete` (``EvidenceLogIntents``).
struct EvidenceLogLines {
    /// Where a file's own two parts are in a buffer of lines.
    struct FileParts: Sendable {
        /// `"messageId":…,"sha256":"…","size":…`
        var fields: Range<Int>
        /// `"…"}`: the file name, quoted, and the object's end.
        var name: Range<Int>
    }

    /// `,"time":…,"run":…,"file":`, the same for every line of the step.
    private var shared: [UInt8] = []

    /// The writer of the lines of a step recorded at `time` by the run `run`.
    init(time: String, run: String) {
        shared.reserveCapacity(48 + time.utf8.count + run.utf8.count)
        shared.append(contentsOf: ",\"time\":".utf8)
        JSONText.appendQuoted(time, to: &shared)
        shared.append(contentsOf: ",\"run\":".utf8)
        JSONText.appendQuoted(run, to: &shared)
        shared.append(contentsOf: ",\"file\":".utf8)
    }

    /// Appends the intent of the file at `position` in `files` for a tree of `size` entries; returns where the
    /// file's parts went.
    func appendIntent(
        size: Int,
        _ files: [MaildirCommittedFile],
        at position: Int,
        to bytes: inout [UInt8]
    ) -> FileParts {
        bytes.append(contentsOf: "{\"intent\":".utf8)
        EvidenceLogRecord.appendDecimal(size, to: &bytes)
        bytes.append(UInt8(ascii: ","))
        let fieldsStart = bytes.count
        Self.appendFields(files, at: position, to: &bytes)
        let fieldsEnd = bytes.count
        bytes.append(contentsOf: shared)
        let nameStart = bytes.count
        Self.appendName(files, at: position, to: &bytes)
        let parts = FileParts(fields: fieldsStart..<fieldsEnd, name: nameStart..<bytes.count)
        bytes.append(0x0A)
        return parts
    }

    /// Appends the entries of one folder's files, `group` of `files`, leaf `firstIndex` onwards, and the end of each
    /// line (its line feed) to `lineEnds`. A file's parts are copied from its intent when it has one in `intents`,
    /// and written anew otherwise.
    func appendEntries(
        _ files: [MaildirCommittedFile],
        _ group: EvidenceLogIntents.Group,
        firstIndex: Int,
        intents: EvidenceLogIntents,
        to bytes: inout [UInt8],
        lineEnds: inout [Int]
    ) {
        let prepared = group.preparedFolder.map { intents.folders[$0].bytes } ?? []
        for offset in group.positions.indices {
            bytes.append(contentsOf: "{\"entry\":".utf8)
            EvidenceLogRecord.appendDecimal(firstIndex + offset, to: &bytes)
            bytes.append(UInt8(ascii: ","))
            let preparedPosition = group.preparedPositions[offset]
            if preparedPosition >= 0 {
                let parts = intents.parts[preparedPosition]
                bytes.append(contentsOf: prepared[parts.fields])
                bytes.append(contentsOf: shared)
                bytes.append(contentsOf: prepared[parts.name])
            } else {
                Self.appendFields(files, at: group.positions[offset], to: &bytes)
                bytes.append(contentsOf: shared)
                Self.appendName(files, at: group.positions[offset], to: &bytes)
            }
            lineEnds.append(bytes.count)
            bytes.append(0x0A)
        }
    }

    // The file is read field by field in the array: taken out of it as a value, it was copied (four strings and an
    // array retained, then released) for every line.

    /// `"messageId":…,"sha256":"…","size":…` of the file at `position`, as ``EvidenceLogRecord`` writes them.
    private static func appendFields(_ files: [MaildirCommittedFile], at position: Int, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "\"messageId\":".utf8)
        JSONText.appendQuoted(files[position].messageID, to: &bytes)
        bytes.append(contentsOf: ",\"sha256\":\"".utf8)
        EvidenceLogRecord.appendHex(files[position].sha256, to: &bytes)
        bytes.append(contentsOf: "\",\"size\":".utf8)
        EvidenceLogRecord.appendDecimal(Int(files[position].size), to: &bytes)
    }

    /// The name of the file at `position`, quoted, and the object's end.
    private static func appendName(_ files: [MaildirCommittedFile], at position: Int, to bytes: inout [UInt8]) {
        JSONText.appendQuoted(files[position].fileName, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }
}
