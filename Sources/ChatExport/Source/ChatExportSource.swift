import Foundation
import Synchronization
import WhatsAppArchiver

/// A `MessageSource` over a WhatsApp chat export ("Export chat"): the `.txt`, a folder holding it and the media,
/// or the `.zip` WhatsApp makes.
///
/// ```swift
/// var configuration = ChatExportSource.Configuration(path: "WhatsApp Chat - Deal Team.zip")
/// configuration.owner = PhoneNumber("+44 7700 900123")
/// configuration.timeZone = TimeZone(identifier: "Europe/London")!
/// let source = try ChatExportSource(configuration: configuration)
/// let report = try await connector.run(window: source.wholeExport)
/// ```
///
/// Creating the source reads the export as a whole before anything is delivered: a `.zip` is checked and extracted
/// into a private directory (a damaged or hostile archive throws), and a first pass over the text decides the
/// layout, the day/month order and the span of times. Pages then stream the text: every message becomes one item
/// (an event for a system line), and a message that cannot be one (not UTF-8, a NUL byte, too long, an impossible
/// date) an `InvalidRecord` with its line numbers, as do lines before the first message. Memory is bounded by the
/// page, never by the export's size.
public final class ChatExportSource: MessageSource {
    /// The chat's name: `--chat-name`, else what the export's file name says.
    public let chatName: String
    /// The conversation every item belongs to.
    public let conversation: Conversation
    /// The day/month order the dates are read in (decided from the file when asked for `.automatic`).
    public let dateOrder: ChatDateOrder
    /// The display names of the export's authors, in the order they first write.
    public let authors: [String]
    /// A window that holds every message of the export, whatever its zone: the default window of a run.
    public let wholeExport: TimeWindow

    private let input: ChatExportInput
    private let shape: ChatLineHeader.Shape
    private let makeFactory: @Sendable () -> ChatItemFactory
    private let maximumMessageBytes: Int
    private let state = Mutex<PageState?>(nil)
    private let temporaryDirectory = Mutex<String?>(nil)

    /// Reads the export at `configuration.path` as a whole.
    ///
    /// - Throws: `ArchiverError` with the code `chat_export_invalid` (run-scoped) when the export cannot be read: not an
    ///   export, a damaged or refused archive, dates whose order the file does not tell.
    public init(configuration: Configuration) throws {
        let input = try ChatExportInput.resolve(
            path: configuration.path,
            temporaryRoot: configuration.temporaryDirectory,
            limits: configuration.zipLimits
        )
        do {
            let scan = try ChatExportScan.scan(
                path: input.textPath,
                name: input.textName,
                order: configuration.dateOrder,
                maximumMessageBytes: configuration.maximumMessageBytes
            )
            guard let name = configuration.chatName ?? input.nameFromFile else {
                throw ChatExportProblem(
                    "\(configuration.path): the file name does not give the chat's name (it is not "
                        + "\"WhatsApp Chat with NAME.txt\" or \"WhatsApp Chat - NAME.zip\"); give --chat-name."
                )
            }
            self.chatName = name
            let key = ChatText.normalizedName(name)
            self.conversation = Conversation(
                id: "wa-chat-" + SHA256.hexDigest(Array("conversation\u{0}\(key)".utf8)).prefix(24),
                type: scan.isGroup ? .group : .individual,
                name: name
            )
            self.dateOrder = scan.order
            self.authors = scan.authors
            self.shape = scan.shape
            // Zones are within 14 hours of UTC, and a gap or an overlap moves a time by at most an hour more.
            let margin: Int64 = 16 * 3600
            self.wholeExport = try TimeWindow(
                from: Date(timeIntervalSince1970: TimeInterval(scan.earliest - margin)),
                until: Date(timeIntervalSince1970: TimeInterval(scan.latest + margin + 1))
            )
        } catch let problem as ChatExportProblem {
            Self.remove(input.temporaryDirectory)
            throw ChatExportInput.runError(problem.message)
        } catch {
            Self.remove(input.temporaryDirectory)
            throw error
        }
        self.input = input
        temporaryDirectory.withLock { $0 = input.temporaryDirectory }
        self.maximumMessageBytes = configuration.maximumMessageBytes
        let participants = configuration.participants
        let owner =
            configuration.owner.map(participants.party(forOwner:)) ?? Party(phone: "", name: "the exporting owner")
        let conversation = self.conversation
        let authors = self.authors
        let order = self.dateOrder
        let zone = configuration.timeZone
        let ownerIsKnown = configuration.owner != nil
        let media = input.media
        let key = ChatText.normalizedName(chatName)
        self.makeFactory = {
            ChatItemFactory(
                chatKey: key,
                conversation: conversation,
                owner: owner,
                participants: participants,
                authors: authors,
                media: media,
                order: order,
                zone: zone,
                ownerIsKnown: ownerIsKnown
            )
        }
    }

    deinit {
        Self.remove(temporaryDirectory.withLock { $0 })
    }

    /// Reads the next page: up to `request.limit` items of the window, in file order (a page never ends inside a
    /// run of messages that share their time), and the invalid messages met on the way.
    public func fetchPage(_ request: PageRequest) async throws -> SourcePage {
        try state.withLock { state in
            let consumed = request.cursor.flatMap { Int($0.rawValue) } ?? 0
            if state == nil || state!.consumed != consumed || request.cursor == nil {
                state = try PageState(
                    reader: ChatMessageReader(
                        lines: ChatLineReader(path: input.textPath, maximumLineBytes: maximumMessageBytes),
                        shape: shape,
                        maximumMessageBytes: maximumMessageBytes
                    ),
                    factory: makeFactory(),
                    textName: input.textName
                )
                try state!.skip(consumed)
            }
            return try state!.page(window: request.window, limit: max(1, request.limit))
        }
    }

    /// Closes the text and removes the private directory a `.zip` was extracted into.
    public func close() async {
        state.withLock { $0 = nil }
        Self.remove(
            temporaryDirectory.withLock { directory in
                defer { directory = nil }
                return directory
            }
        )
    }

    private static func remove(_ directory: String?) {
        if let directory { ChatExportInput.removeDirectory(directory) }
    }
}
