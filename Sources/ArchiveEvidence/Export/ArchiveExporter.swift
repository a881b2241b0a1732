import Foundation
import WhatsAppArchiver

/// Produces an archive for review platforms: one RSMF 2.0 file per conversation per day (UTC) of the items sent in
/// a window, read from the Maildir alone (each message's `X-WhatsApp-Item-Record` and attachment parts), and a
/// load file, `loadfile.csv`, that lists each file with its SHA-256 and the evidence-log entries proving each
/// message it was made from.
///
/// An item that several mailboxes hold is one event; the load file cites every copy's log entry.
public struct ArchiveExporter: Sendable {
    /// What to produce.
    public struct Configuration: Sendable {
        /// The Maildir root.
        public var root: String
        /// The mailboxes to read (addresses, any case); at least one.
        public var mailboxes: [String]
        /// Items sent at or after this instant…
        public var from: Date
        /// …and before this one.
        public var until: Date
        /// Only these conversations (ids as the items give them); empty: every conversation.
        public var conversations: [String] = []
        /// The directory the RSMF files and `loadfile.csv` are written to (created when missing).
        public var output: String

        /// A production of `mailboxes` for `[from, until)` into `output`.
        public init(root: String, mailboxes: [String], from: Date, until: Date, output: String) {
            self.root = root
            self.mailboxes = mailboxes
            self.from = from
            self.until = until
            self.output = output
        }
    }

    /// What a production wrote.
    public struct Report: Sendable {
        /// The RSMF files, by name, in load-file order.
        public var files: [String] = []
        /// Distinct items produced.
        public var items = 0
        /// Messages read that could not be used (no item record, not decodable), with why.
        public var skipped: [String] = []
    }

    /// The configuration.
    public let configuration: Configuration

    /// An exporter.
    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// One archived copy of an item: the message and where it lies.
    struct Copy {
        var message: ArchivedMessage
        var folder: String
        var sha256: [UInt8]
    }

    /// Reads the mailboxes, writes the production.
    ///
    /// - Throws: `ArchiverError.Code.invalidConfiguration` for a bad window or no mailbox;
    ///   `ArchiverError.Code.storageFailed` when the archive cannot be read or the output written.
    public func export() throws -> Report {
        guard !configuration.mailboxes.isEmpty else {
            throw ArchiverError(.invalidConfiguration, "Name at least one mailbox to export.")
        }
        guard configuration.from < configuration.until else {
            throw ArchiverError(.invalidConfiguration, "The window is empty: --from must be before --until.")
        }
        let root = configuration.root
        let folders = try MaildirTree.folders(
            root: root,
            mailboxes: Set(configuration.mailboxes.map { $0.lowercased() })
        )
        var report = Report()
        var copies: [String: [Copy]] = [:]
        var order: [String] = []
        var logs: [String: [[UInt8]: Int]] = [:]
        let wanted = Set(configuration.conversations)
        for folder in folders {
            if let bytes = try POSIXFiles.readFile(root + "/" + folder + "/" + EvidenceLogFile.name) {
                var entries: [[UInt8]: Int] = [:]
                for (index, logged) in EvidenceLogContents(bytes, rootsAt: []).entries.enumerated().reversed() {
                    entries[logged.entry.sha256] = index
                }
                logs[folder] = entries
            }
            for directory in ["new", "cur"] {
                for name in try MaildirTree.entries(in: root + "/" + folder + "/" + directory)
                where !name.hasPrefix(".") {
                    let path = root + "/" + folder + "/" + directory + "/" + name
                    guard MaildirTree.isRegularFile(path), let bytes = try POSIXFiles.readFile(path) else { continue }
                    let message: ArchivedMessage
                    do {
                        message = try ArchivedMessage(bytes: bytes, path: folder + "/" + directory + "/" + name)
                    } catch let error as ArchiverError {
                        report.skipped.append(error.message)
                        continue
                    }
                    let item = message.item
                    guard item.sentAt >= configuration.from, item.sentAt < configuration.until,
                        wanted.isEmpty || wanted.contains(item.conversation.id)
                    else { continue }
                    if copies[item.id] == nil { order.append(item.id) }
                    copies[item.id, default: []].append(
                        Copy(message: message, folder: folder, sha256: SHA256.hash(bytes))
                    )
                }
            }
        }
        report.items = order.count

        // Group by conversation and UTC day, items in the order they were sent.
        var groups: [String: [String]] = [:]
        for id in order {
            let item = copies[id]![0].message.item
            groups[Self.groupKey(item), default: []].append(id)
        }
        try POSIXFiles.ensureDirectories(configuration.output)
        var rows = [
            [
                "FileName", "SHA256", "ConversationID", "Conversation", "Date", "BeginDate", "EndDate", "Events",
                "Attachments", "Custodians", "Items", "LogEntries",
            ]
        ]
        for key in groups.keys.sorted() {
            let ids = groups[key]!.sorted {
                let left = copies[$0]![0].message.item
                let right = copies[$1]![0].message.item
                return (left.sentAt, left.id) < (right.sentAt, right.id)
            }
            let (name, bytes, row) = try produce(ids.map { copies[$0]! }, logs: logs)
            try POSIXFiles.writeFileAtomically(configuration.output + "/" + name, bytes)
            rows.append([name, SHA256.hexDigest(bytes)] + row)
            report.files.append(name)
        }
        let csv = rows.map { $0.map(Self.csvField).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
        try POSIXFiles.writeFileAtomically(configuration.output + "/loadfile.csv", Array(csv.utf8))
        return report
    }

    /// One RSMF file: its name, bytes, and the load file's columns after name and digest.
    private func produce(_ items: [[Copy]], logs: [String: [[UInt8]: Int]]) throws -> (String, [UInt8], [String]) {
        let first = items[0][0].message.item
        let day = RFC3339.civil(fromSecondsSince1970: Int64(first.sentAt.timeIntervalSince1970.rounded(.down)))
        var zip = ZIPWriter(date: (day.year, day.month, day.day))
        var sources: [RSMFManifest.Source] = []
        var attachmentCount = 0
        var usedNames: Set<String> = ["rsmf_manifest.json"]
        var zipEntries: [(String, [UInt8])] = []
        for copiesOfItem in items {
            let message = copiesOfItem[0].message
            var names: [String: String] = [:]
            for attachment in message.item.attachments {
                guard let bytes = message.attachmentBytes[attachment.id] else { continue }
                var name = attachment.id + "_" + Self.safeFileName(attachment.fileName ?? "attachment")
                while usedNames.contains(name) { name = "_" + name }
                usedNames.insert(name)
                names[attachment.id] = name
                zipEntries.append((name, bytes))
                attachmentCount += 1
            }
            sources.append(RSMFManifest.Source(item: message.item, attachmentNames: names))
        }
        let manifest = RSMFManifest(conversation: first.conversation, sources: sources)
        try zip.add(name: "rsmf_manifest.json", bytes: try manifest.json())
        for (name, bytes) in zipEntries { try zip.add(name: name, bytes: bytes) }

        let begin = items.map { $0[0].message.item.sentAt }.min()!
        let end = items.map { $0[0].message.item.sentAt }.max()!
        let dayText = String(RFC3339.format(first.sentAt).prefix(10))
        let custodians = Array(Set(items.flatMap { $0.map { String($0.folder.split(separator: "/")[0]) } })).sorted()
        let conversationName = first.conversation.name ?? first.conversation.id
        var summary = "WhatsApp conversation \(conversationName) (\(first.conversation.id)), \(dayText) (UTC)\n"
        summary += "\(manifest.eventCount) events; the messages are in rsmf.zip (rsmf_manifest.json).\n\n"
        for copiesOfItem in items {
            let item = copiesOfItem[0].message.item
            let who = item.from.name.map { "\($0) \(item.from.phone)" } ?? item.from.phone
            summary +=
                "\(RFC3339.format(item.sentAt)) \(who) [\(item.kind)]: \(item.text ?? item.target?.newText ?? "")\n"
        }
        var recipients: [(String, String)] = []
        for participant in manifest.participantEmails where !recipients.contains(where: { $0.1 == participant.1 }) {
            recipients.append(participant)
        }
        let container = RSMFContainer(
            subject: "WhatsApp: \(conversationName), \(dayText)",
            from: "WhatsApp Archiver <archive-export@archiver.invalid>",
            recipients: recipients,
            headers: [
                ("X-RSMF-Version", "2.0.0"),
                ("X-RSMF-Generator", "WhatsAppArchiver archive-export"),
                ("X-RSMF-Application", "WhatsApp"),
                ("X-RSMF-BeginDate", RFC3339.format(begin)),
                ("X-RSMF-EndDate", RFC3339.format(end)),
                ("X-RSMF-EventCount", String(manifest.eventCount)),
                ("X-RSMF-AttachmentCount", String(attachmentCount)),
                ("X-RSMF-Participants", manifest.participantNames.joined(separator: ", ")),
                ("X-RSMF-Custodian", custodians.joined(separator: ", ")),
                ("X-RSMF-EventCollectionID", first.conversation.id),
            ],
            summary: summary,
            zip: zip.finish(),
            date: end
        )
        let name =
            Self.safeFileName(first.conversation.id) + "-"
            + String(SHA256.hexDigest(first.conversation.id.utf8).prefix(8)) + "_" + dayText + ".rsmf"
        var proofs: [String] = []
        for copiesOfItem in items {
            for copy in copiesOfItem {
                let index = logs[copy.folder]?[copy.sha256].map(String.init) ?? "unlogged"
                proofs.append("\(copy.folder)#\(index)=\(SHA256.hex(copy.sha256))")
            }
        }
        let row = [
            first.conversation.id, conversationName, dayText, RFC3339.format(begin), RFC3339.format(end),
            String(manifest.eventCount), String(attachmentCount), custodians.joined(separator: ";"),
            items.map { $0[0].message.item.id }.joined(separator: ";"), proofs.joined(separator: ";"),
        ]
        return (name, container.bytes(), row)
    }

    private static func groupKey(_ item: Item) -> String {
        item.conversation.id + "\u{0}" + String(RFC3339.format(item.sentAt).prefix(10))
    }

    /// A name safe in a zip and a file system: letters, digits, `.`, `_` and `-`; anything else `_`.
    static func safeFileName(_ name: String) -> String {
        var out = String(
            name.unicodeScalars.map { scalar -> Character in
                let allowed =
                    scalar.isASCII
                    && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                        || "._-".unicodeScalars.contains(scalar))
                return allowed ? Character(scalar) : "_"
            }
        )
        while out.hasPrefix(".") { out.removeFirst() }
        return out.isEmpty ? "_" : String(out.prefix(96))
    }

    /// A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break.
    static func csvField(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
