import WhatsAppArchiver

/// The intents a `prepare` wrote, kept with the logs it opened for the `complete` of the same commit, which takes
/// from them what it would otherwise work out again for each file: its folder, and its own parts of the line
/// (quoted `Message-ID`, hexadecimal digest, size, quoted file name; ``EvidenceLogLines``).
struct EvidenceLogIntents: Sendable {
    /// One folder's intents.
    struct Folder: Sendable {
        /// The folder's directory relative to the root.
        var path: String
        /// Its log, open for the entries.
        var log: EvidenceLogFile.OpenLog
        /// The intent lines as written.
        var bytes: [UInt8]
    }

    /// The files of one folder that a `complete` logs, in order.
    struct Group {
        /// The folder's directory relative to the root.
        var folder: String
        /// The folder in ``EvidenceLogIntents/folders`` when the prepare wrote intents to it.
        var preparedFolder: Int?
        /// The files' positions in the complete's files.
        var positions: [Int] = []
        /// For each file, its position in the prepare's files, `-1` when it has none there.
        var preparedPositions: [Int] = []
    }

    /// The prepare's files.
    private(set) var files: [MaildirCommittedFile] = []
    /// For each file of the prepare, its folder in ``folders``.
    private(set) var folderIndices: [Int] = []
    /// For each file of the prepare, where its parts are in its folder's ``Folder/bytes``.
    private(set) var parts: [EvidenceLogLines.FileParts] = []
    /// The folders of the prepare, in the order their files first appear.
    var folders: [Folder] = []

    /// No intents: what a `complete` without a `prepare` before it has.
    init() {}

    /// The intents of `files`, to be filled in folder by folder (``record(_:folder:parts:)``).
    init(files: [MaildirCommittedFile]) {
        self.files = files
        folderIndices = Array(repeating: 0, count: files.count)
        parts = Array(repeating: EvidenceLogLines.FileParts(fields: 0..<0, name: 0..<0), count: files.count)
    }

    /// Records that the intent of the file at `position` is in ``folders``[`folder`], its parts at `parts`.
    mutating func record(_ position: Int, folder: Int, parts: EvidenceLogLines.FileParts) {
        folderIndices[position] = folder
        self.parts[position] = parts
    }

    /// The files of a `complete` by folder, folders in the order their files first appear, each file with its
    /// intent when the prepare wrote one.
    ///
    /// A commit completes the files of its prepare that it stored, in the same order, so a forward walk through the
    /// prepare's files finds each one, and its folder with it, with no lookup by path: the files it did not store
    /// (the same message already in the folder) are passed over. Usually the very values of the prepare, they
    /// compare field by field by identity first. A file that is not found (a complete without a prepare) is grouped
    /// by its path, and its line written anew.
    func grouped(_ completed: [MaildirCommittedFile]) -> [Group] {
        var groups: [Group] = []
        var groupOfFolder = Array(repeating: -1, count: folders.count)
        var groupOfUnpreparedFolder: [String: Int] = [:]
        var cursor = 0
        for position in completed.indices {
            var preparedPosition = -1
            var folder: Int?
            if let found = (cursor..<files.count).first(where: { files[$0] == completed[position] }) {
                preparedPosition = found
                folder = folderIndices[found]
                cursor = found + 1
            } else {
                folder = folders.firstIndex { $0.path == completed[position].folderPath }
            }
            let group: Int
            if let folder, groupOfFolder[folder] >= 0 {
                group = groupOfFolder[folder]
            } else if folder == nil, let known = groupOfUnpreparedFolder[completed[position].folderPath] {
                group = known
            } else {
                group = groups.count
                groups.append(Group(folder: completed[position].folderPath, preparedFolder: folder))
                if let folder {
                    groupOfFolder[folder] = group
                } else {
                    groupOfUnpreparedFolder[completed[position].folderPath] = group
                }
            }
            groups[group].positions.append(position)
            groups[group].preparedPositions.append(preparedPosition)
        }
        return groups
    }
}
