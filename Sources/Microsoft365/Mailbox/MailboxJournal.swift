import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The sink's record of one mailbox folder in the state directory: an append-only file of lines.
///
/// - `F <folder id>`: the folder, found or created once.
/// - `P <Message-ID>`: a write is about to be sent (synced to disk first): if no `S` follows, the next run asks the
///   mailbox whether it holds the message before it sends it again.
/// - `L <Message-ID> <graph id>`: a large message was created and its attachments are being uploaded.
/// - `S <Message-ID>`: the service answered `201`: the message is in the folder, complete.
///
/// The mailbox is the truth: without this file the sink lists the folder once, and learns the same.
/// A line cut short by a crash (no final newline) is ignored.
final class MailboxJournal {
    struct Contents {
        var folderID: String?
        var stored: Set<String> = []
        var pending: Set<String> = []
        var unfinishedLarge: [String: String] = [:]
    }

    let path: String
    private let descriptor: Int32

    /// Opens (creating) the journal of `mailbox`'s folder `folder` under `directory`, and reads what it holds.
    init(directory: String, mailbox: String, folder: String) throws {
        let name = SHA256.hexDigest(Array("\(mailbox.lowercased())\u{0}\(folder)".utf8)).prefix(32)
        path = directory + "/" + name + ".journal"
        descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw POSIXFiles.failure("open the Microsoft 365 journal", path, errno) }
    }

    deinit {
        _ = close(descriptor)
    }

    /// Whether the file was just created (nothing recorded).
    func read() throws -> Contents {
        guard let bytes = try POSIXFiles.readFile(path) else { return Contents() }
        var contents = Contents()
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        if bytes.last != 0x0A { lines.removeLast() }  // cut short by a crash
        for line in lines where line.count > 2 {
            let text = String(decoding: line, as: UTF8.self)
            let fields = text.split(separator: " ", maxSplits: 2).map(String.init)
            switch (fields.first, fields.count) {
            case ("F", 2): contents.folderID = fields[1]
            case ("P", 2): if !contents.stored.contains(fields[1]) { contents.pending.insert(fields[1]) }
            case ("L", 3): contents.unfinishedLarge[fields[1]] = fields[2]
            case ("S", 2):
                contents.stored.insert(fields[1])
                contents.pending.remove(fields[1])
                contents.unfinishedLarge.removeValue(forKey: fields[1])
            default: continue
            }
        }
        return contents
    }

    /// Appends `line`; `sync` makes it durable before returning (the `P` lines, which must survive a power cut).
    func append(_ line: String, sync: Bool) throws {
        try POSIXFiles.writeAll(descriptor, Array((line + "\n").utf8), path: path)
        if sync {
            #if canImport(Darwin)
            let result = fsync(descriptor)
            #else
            let result = fdatasync(descriptor)
            #endif
            guard result == 0 else { throw POSIXFiles.failure("sync the Microsoft 365 journal", path, errno) }
        }
    }

    /// Replaces the journal with `contents` (after a listing of the folder).
    func rewrite(_ contents: Contents) throws {
        var text = contents.folderID.map { "F \($0)\n" } ?? ""
        for id in contents.stored.sorted() { text += "S \(id)\n" }
        for (id, graphID) in contents.unfinishedLarge.sorted(by: { $0.key < $1.key }) { text += "L \(id) \(graphID)\n" }
        guard ftruncate(descriptor, 0) == 0 else { throw POSIXFiles.failure("truncate the journal", path, errno) }
        try append(String(text.dropLast()), sync: true)
    }
}
