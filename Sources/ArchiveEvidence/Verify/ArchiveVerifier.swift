import Dispatch
import WhatsAppArchiver

/// Checks a Maildir tree against its evidence logs, offline: recomputes every message's SHA-256 and every log's
/// heads, and lists each message added outside the log, altered or missing, each log that does not hold together,
/// and each anchored head the log does not reproduce.
///
/// Messages are matched to entries by their bytes, never by file names: mail clients move files from `new/` to
/// `cur/` and add flags to their names. A file whose bytes no entry holds is *altered* when its `Message-ID` is
/// that of an unmatched entry, *added* otherwise; an entry no file matches is *missing*.
public struct ArchiveVerifier: Sendable {
    /// What to verify.
    public struct Configuration: Sendable {
        /// The Maildir root (`archive-daily --maildir`).
        public var root: String
        /// The mailboxes to verify (addresses in lower case); empty: every mailbox under the root.
        public var mailboxes: [String] = []
        /// Heads kept outside the machine, each checked against its folder's log.
        public var anchoredHeads: [AnchoredHead] = []
        /// Threads that read and hash files.
        public var threads: Int = 2

        /// Verifies everything under `root`.
        public init(root: String) {
            self.root = root
        }
    }

    /// What a verification found.
    public struct Report: Sendable {
        /// Every discrepancy, folder by folder, then the anchored heads'.
        public var discrepancies: [Discrepancy] = []
        /// The folders verified.
        public var folders = 0
        /// The message files read and hashed.
        public var messages = 0
        /// The log entries checked.
        public var entries = 0
    }

    /// The configuration.
    public let configuration: Configuration

    /// A verifier.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// Runs the verification.
    ///
    /// - Throws: `ArchiverError.Code.storageFailed` when the tree cannot be read (a discrepancy is not an error).
    public func verify() throws -> Report {
        let root = configuration.root
        guard MaildirTree.isDirectory(root) else {
            throw ArchiverError(.storageFailed, "\(root) is not a directory: no Maildir to verify.", scope: .run)
        }
        let filter = configuration.mailboxes.isEmpty ? nil : Set(configuration.mailboxes.map { $0.lowercased() })
        let folders = try MaildirTree.folders(root: root, mailboxes: filter)
        var files: [(folder: Int, name: String)] = []
        for (index, folder) in folders.enumerated() {
            for directory in ["new", "cur"] {
                for name in try MaildirTree.entries(in: root + "/" + folder + "/" + directory)
                where !name.hasPrefix(".") {
                    files.append((index, directory + "/" + name))
                }
            }
        }
        let digests = try hashAll(files.map { root + "/" + folders[$0.folder] + "/" + $0.name })

        var report = Report()
        report.folders = folders.count
        report.messages = digests.compactMap { $0 }.count
        var logs: [String: EvidenceLogContents] = [:]
        var fileIndex = 0
        for (index, folder) in folders.enumerated() {
            var folderFiles: [(name: String, digest: FileDigest)] = []
            while fileIndex < files.count && files[fileIndex].folder == index {
                if let digest = digests[fileIndex] { folderFiles.append((files[fileIndex].name, digest)) }
                fileIndex += 1
            }
            let logPath = root + "/" + folder + "/" + EvidenceLogFile.name
            let sizes = Set(configuration.anchoredHeads.filter { $0.folderPath == folder }.map(\.size))
            var log: EvidenceLogContents?
            if let bytes = try POSIXFiles.readFile(logPath) { log = EvidenceLogContents(bytes, rootsAt: sizes) }
            if let log { logs[folder] = log }
            report.entries += log?.entries.count ?? 0
            report.discrepancies += Self.compare(folder: folder, files: folderFiles, log: log)
        }
        for anchored in configuration.anchoredHeads {
            let folder = anchored.folderPath
            if let filter, let mailbox = folder.split(separator: "/").first, !filter.contains(String(mailbox)) {
                continue
            }
            let subject = "\(folder) size \(anchored.size)"
            guard let log = logs[folder] else {
                report.discrepancies.append(Discrepancy(.head, subject, "the folder has no log"))
                continue
            }
            guard let root = log.roots[anchored.size] else {
                report.discrepancies.append(
                    Discrepancy(.head, subject, "the log holds only \(log.entries.count) entries")
                )
                continue
            }
            if root != anchored.root {
                report.discrepancies.append(
                    Discrepancy(.head, subject, "the log's entries give root \(SHA256.hex(root)), not the anchored one")
                )
            }
        }
        return report
    }

    /// A file's digest, size and `Message-ID`.
    struct FileDigest: Sendable {
        var sha256: [UInt8]
        var messageID: String?
    }

    /// Matches one folder's files to its log's entries by bytes, and lists what does not match.
    static func compare(
        folder: String,
        files: [(name: String, digest: FileDigest)],
        log: EvidenceLogContents?
    ) -> [Discrepancy] {
        var found = (log?.problems ?? []).map { Discrepancy(.log, folder, $0) }
        let entries = log?.entries ?? []
        var unmatchedBySHA: [[UInt8]: [Int]] = [:]
        for (index, logged) in entries.enumerated().reversed() {
            unmatchedBySHA[logged.entry.sha256, default: []].append(index)
        }
        var matched = [Bool](repeating: false, count: entries.count)
        var unmatchedFiles: [(name: String, digest: FileDigest)] = []
        for file in files {
            if let index = unmatchedBySHA[file.digest.sha256]?.popLast() {
                matched[index] = true
            } else {
                unmatchedFiles.append(file)
            }
        }
        var pending = Set((log?.pending ?? []).map(\.sha256))
        for file in unmatchedFiles {
            let subject = folder + "/" + file.name
            let messageID = file.digest.messageID ?? "(none)"
            if pending.remove(file.digest.sha256) != nil {
                found.append(
                    Discrepancy(
                        .pending,
                        subject,
                        "Message-ID \(messageID): stored by an interrupted commit; the archiver's next run logs it"
                    )
                )
            } else if let id = file.digest.messageID,
                let index = entries.indices.first(where: { !matched[$0] && entries[$0].entry.messageID == id })
            {
                matched[index] = true
                found.append(
                    Discrepancy(
                        .altered,
                        subject,
                        "Message-ID \(id): SHA-256 \(SHA256.hex(file.digest.sha256)) differs from entry \(index)"
                    )
                )
            } else {
                found.append(Discrepancy(.added, subject, "Message-ID \(messageID) is not in the log"))
            }
        }
        for index in entries.indices where !matched[index] {
            found.append(
                Discrepancy(
                    .missing,
                    folder,
                    "entry \(index), Message-ID \(entries[index].entry.messageID): no file holds its bytes"
                )
            )
        }
        return found
    }

    /// Reads and hashes every file on ``Configuration/threads`` threads; `nil` for a file that is gone or is not
    /// a regular file.
    private func hashAll(_ paths: [String]) throws -> [FileDigest?] {
        let threads = max(1, configuration.threads)
        let results = UnsafeMutableBufferPointer<FileDigest?>.allocate(capacity: paths.count)
        results.initialize(repeating: nil)
        defer { results.deallocate() }
        let failures = UnsafeMutableBufferPointer<ArchiverError?>.allocate(capacity: threads)
        failures.initialize(repeating: nil)
        defer { failures.deallocate() }
        nonisolated(unsafe) let sharedResults = results
        nonisolated(unsafe) let sharedFailures = failures
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let hasher = FileHasher()
            var index = thread
            while index < paths.count {
                do {
                    if let digest = try hasher.hash(paths[index]) {
                        sharedResults[index] = FileDigest(
                            sha256: digest.sha256,
                            messageID: MessageIDHeader.messageID(in: digest.head)
                        )
                    }
                } catch let error as ArchiverError {
                    sharedFailures[thread] = error
                    return
                } catch {
                    return
                }
                index += threads
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        return Array(results)
    }
}
