#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What one Maildir folder holds, by ``MessageIDDigest``: read from the directories once, then kept in memory.
///
/// Reading is cheap for the sink's own files, whose names carry the digest (see ``MaildirFileName``); only files
/// named by other programs are opened, and only their header section is read for the `Message-ID`.
package struct MaildirFolderIndex: Sendable {
    /// Messages in `new/` or `cur/`.
    package var stored: Set<MessageIDDigest>
    /// Messages being written, or waiting in `tmp/` for the next commit.
    package var pending: Set<MessageIDDigest> = []

    /// Reads what the folder's `new/` and `cur/` directories hold.
    package init(new: Int32, current: Int32, folderPath: String) throws {
        var stored = Set<MessageIDDigest>()
        try Self.add(new, path: folderPath + "/new", into: &stored)
        try Self.add(current, path: folderPath + "/cur", into: &stored)
        self.stored = stored
    }

    /// Whether the message is in the folder or on its way there.
    package func contains(_ digest: MessageIDDigest) -> Bool {
        stored.contains(digest) || pending.contains(digest)
    }

    /// Moves messages whose files were renamed into `new/` from pending to stored.
    package mutating func markStored(_ digests: [MessageIDDigest]) {
        for digest in digests {
            pending.remove(digest)
            stored.insert(digest)
        }
    }

    /// Removes the files an earlier, crashed run of the sink left in `tmp/` (recognised by their names). The
    /// root's lock guarantees that no other sink is writing them; files named by other programs are left alone.
    package static func removeLeftovers(in temporary: Int32, path: String) throws {
        var leftovers: [String] = []
        try MaildirFileSystem.forEachEntry(in: temporary, path: path) { name in
            if MaildirFileName.digest(inName: name) != nil, !name.contains(UInt8(ascii: ":")) {
                leftovers.append(String(decoding: name, as: UTF8.self))
            }
        }
        for name in leftovers where unlinkat(temporary, name, 0) != 0 && errno != ENOENT {
            throw POSIXFiles.failure("remove the leftover", path + "/" + name, errno)
        }
    }

    /// Adds the digest of every message in a `new/` or `cur/` directory: from the name when the sink named the
    /// file, otherwise from the `Message-ID` in the file's header.
    private static func add(_ directory: Int32, path: String, into digests: inout Set<MessageIDDigest>) throws {
        try MaildirFileSystem.forEachEntry(in: directory, path: path) { name in
            guard name.first != UInt8(ascii: ".") else { return }
            if let digest = MaildirFileName.digest(inName: name) {
                digests.insert(digest)
                return
            }
            let fileName = String(decoding: name, as: UTF8.self)
            if let header = try MaildirFileSystem.readHeader(fileName, in: directory, path: path + "/" + fileName),
                let messageID = MessageIDHeader.messageID(in: header)
            {
                digests.insert(MessageIDDigest(messageID: messageID))
            }
        }
    }
}
