import Foundation
import WhatsAppArchiver

/// One mailbox folder as the sink sees it: the folder's id, found or created once, and which `Message-ID`s it
/// holds, from the journal or (without one) from one paged listing of the folder.
actor MailboxLane {
    /// What to do with a message.
    enum Claim: Sendable {
        /// The folder holds it, complete.
        case duplicate
        /// Store it; `replacing` is a large message a killed run left unfinished, to remove first.
        case write(replacing: String?)
    }

    /// The named property that marks a large message whose attachments are still being uploaded.
    static let uploadMarker = "String {9c2f4f0e-5d7b-4a3e-9a61-2b1d3c4e5f60} Name WhatsAppArchiverUpload"

    let mailbox: String
    let folder: String
    private let client: GraphClient
    private let journalDirectory: String
    private var preparation: Task<Void, any Error>?
    private var journal: MailboxJournal?
    private(set) var folderID = ""
    private var stored: Set<String> = []
    private var uncertain: Set<String> = []
    private var unfinished: [String: String] = [:]
    private var writing: Set<String> = []

    init(mailbox: String, folder: String, client: GraphClient, journalDirectory: String) {
        self.mailbox = mailbox
        self.folder = folder
        self.client = client
        self.journalDirectory = journalDirectory
    }

    /// Finds or creates the folder and learns what it holds, once per run; a mailbox that does not exist or may
    /// not be opened throws the same item-scoped error for every message.
    func prepare() async throws {
        if preparation == nil {
            preparation = Task { try await self.load() }
        }
        try await preparation!.value
    }

    private func load() async throws {
        let journal = try MailboxJournal(directory: journalDirectory, mailbox: mailbox, folder: folder)
        self.journal = journal
        var contents = try journal.read()
        if let folderID = contents.folderID {
            self.folderID = folderID
        } else {
            let (id, isNew) = try await resolveFolder()
            folderID = id
            contents = MailboxJournal.Contents(folderID: id)
            if !isNew { try await listFolder(into: &contents) }
            try journal.rewrite(contents)
        }
        stored = contents.stored
        uncertain = contents.pending
        unfinished = contents.unfinishedLarge
    }

    /// Whether and how to store `messageID`; checks the mailbox only for a write whose answer a run lost.
    func claim(_ messageID: String) async throws -> Claim {
        if stored.contains(messageID) || writing.contains(messageID) { return .duplicate }
        if uncertain.contains(messageID) {
            uncertain.remove(messageID)
            if let found = try await lookUp(messageID) {
                if found.complete {
                    try markStored(messageID)
                    return .duplicate
                }
                unfinished[messageID] = found.id
            }
        }
        writing.insert(messageID)
        return .write(replacing: unfinished[messageID])
    }

    /// Records, durably, that a write of `messageID` is about to be sent.
    func markPending(_ messageID: String) throws {
        try journal?.append("P \(messageID)", sync: true)
    }

    /// Records a large message created and not yet complete.
    func markUnfinished(_ messageID: String, graphID: String) throws {
        unfinished[messageID] = graphID
        try journal?.append("L \(messageID) \(graphID)", sync: false)
    }

    /// Records that the folder holds `messageID`, complete.
    func markStored(_ messageID: String) throws {
        stored.insert(messageID)
        writing.remove(messageID)
        unfinished.removeValue(forKey: messageID)
        try journal?.append("S \(messageID)", sync: false)
    }

    /// The write of `messageID` did not happen (refused): it may be tried again later.
    func release(_ messageID: String) {
        writing.remove(messageID)
    }

    // MARK: - Graph

    private func resolveFolder() async throws -> (id: String, isNew: Bool) {
        if let id = try await findFolder() { return (id, false) }
        let create = try GraphRequest.json(
            "POST",
            client.url("v1.0", mailbox: mailbox, "mailFolders"),
            ["displayName": folder, "isHidden": false],
            kind: .idempotent  // a repeat answers ErrorFolderExists, which means: look it up
        )
        let response = try await client.send(create, mailbox: mailbox)
        if response.status == 201, let id = response.jsonObject?["id"] as? String { return (id, true) }
        if response.status == 409 || response.errorCode == "ErrorFolderExists" {
            if let id = try await findFolder() { return (id, false) }
        }
        throw mailboxProblem(response, "create the folder \"\(folder)\"")
    }

    private func findFolder() async throws -> String? {
        let escaped = folder.replacingOccurrences(of: "'", with: "''")
        let url = client.url(
            "v1.0",
            mailbox: mailbox,
            "mailFolders",
            query: [("$filter", "displayName eq '\(escaped)'"), ("$select", "id,displayName")]
        )
        let response = try await client.send(GraphRequest("GET", url), mailbox: mailbox)
        guard response.status == 200 else { throw mailboxProblem(response, "look up the folder \"\(folder)\"") }
        let folders = response.jsonObject?["value"] as? [[String: Any]] ?? []
        return folders.first { ($0["displayName"] as? String)?.caseInsensitiveCompare(folder) == .orderedSame }?[
            "id"
        ] as? String
    }

    private var messageQuery: [(String, String)] {
        [
            ("$select", "id,internetMessageId"),
            ("$expand", "singleValueExtendedProperties($filter=id eq '\(Self.uploadMarker)')"),
        ]
    }

    /// One paged listing of the folder's `internetMessageId`s: 1 request per 1000 messages.
    private func listFolder(into contents: inout MailboxJournal.Contents) async throws {
        var next: URL? = client.url(
            "v1.0",
            mailbox: mailbox,
            "mailFolders/\(folderID)/messages",
            query: messageQuery + [("$top", "1000")]
        )
        while let url = next {
            guard GraphEndpoint.mayCarryCredentials(url), url.host == client.graphURL.host else {
                throw ArchiverError(.protocolViolation, "Graph paged to another address.", scope: .run)
            }
            let response = try await client.send(GraphRequest("GET", url), mailbox: mailbox)
            guard response.status == 200, let object = response.jsonObject else {
                throw mailboxProblem(response, "list the folder \"\(folder)\"")
            }
            for message in object["value"] as? [[String: Any]] ?? [] {
                guard let entry = Self.entry(message) else { continue }
                if entry.complete {
                    contents.stored.insert(entry.messageID)
                } else {
                    contents.unfinishedLarge[entry.messageID] = entry.id
                }
            }
            next = (object["@odata.nextLink"] as? String).flatMap(URL.init(string:))
        }
    }

    private func lookUp(_ messageID: String) async throws -> (id: String, complete: Bool)? {
        let url = client.url(
            "v1.0",
            mailbox: mailbox,
            "mailFolders/\(folderID)/messages",
            query: messageQuery + [("$filter", "internetMessageId eq '<\(messageID)>'")]
        )
        let response = try await client.send(GraphRequest("GET", url), mailbox: mailbox)
        guard response.status == 200 else { throw mailboxProblem(response, "look up message <\(messageID)>") }
        let values = response.jsonObject?["value"] as? [[String: Any]] ?? []
        let entries = values.compactMap(Self.entry)
        if let complete = entries.first(where: \.complete) { return (complete.id, true) }
        return entries.first.map { ($0.id, false) }
    }

    /// Checks again, after a lost answer, whether the folder now holds `messageID`.
    func holds(_ messageID: String) async throws -> (id: String, complete: Bool)? {
        try await lookUp(messageID)
    }

    private static func entry(_ message: [String: Any]) -> (messageID: String, id: String, complete: Bool)? {
        guard let id = message["id"] as? String, var internetID = message["internetMessageId"] as? String else {
            return nil
        }
        if internetID.hasPrefix("<"), internetID.hasSuffix(">") {
            internetID = String(internetID.dropFirst().dropLast())
        }
        let properties = message["singleValueExtendedProperties"] as? [[String: Any]] ?? []
        let marker = properties.first { ($0["id"] as? String)?.caseInsensitiveCompare(uploadMarker) == .orderedSame }
        return (internetID, id, (marker?["value"] as? String) != "incomplete")
    }

    /// The item-scoped error of a mailbox the app cannot use, or a run error for anything else.
    func mailboxProblem(_ response: GraphResponse, _ what: String) -> ArchiverError {
        Self.problem(response, mailbox: mailbox, what)
    }

    static func problem(_ response: GraphResponse, mailbox: String, _ what: String) -> ArchiverError {
        let code = response.errorCode ?? "HTTP \(response.status)"
        switch response.status {
        case 404
        where ["ErrorInvalidUser", "ResourceNotFound", "MailboxNotEnabledForRESTAPI", "ErrorNonExistentMailbox"]
            .contains(code):
            return .pair(.mailboxNotFound, "Mailbox \(mailbox) does not exist in the tenant (\(code)).")
        case 403:
            return .pair(
                .mailboxAccessDenied,
                "The app may not open mailbox \(mailbox) (\(code)): check the application access policy or RBAC "
                    + "scope that limits it."
            )
        default:
            return ArchiverError(
                .destinationUnavailable,
                "Microsoft Graph refused to \(what) in \(mailbox): \(response.status) \(code) \(response.errorMessage)",
                scope: .run
            )
        }
    }
}

extension MailboxLane {
    /// Whether the folder is known to hold `messageID`, complete: a duplicate that costs no request.
    func isStored(_ messageID: String) -> Bool {
        stored.contains(messageID)
    }
}
