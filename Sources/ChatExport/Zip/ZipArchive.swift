import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A ZIP archive's table of contents, read from its central directory (APPNOTE 6.3: the end-of-central-directory
/// record, then one central header per entry, each checked against its local header).
///
/// Reading refuses, with a ``ZipArchive/Problem`` that names the entry, every archive a hostile or broken sender
/// could use to escape or exhaust the run: a missing or cut end record, more than one disk, ZIP64, encryption,
/// methods other than stored and deflate, names that are absolute (`/x`, `C:x`), hold `..`, a backslash, NUL or
/// bytes that are not UTF-8, names that repeat (compared without case, as macOS's file systems compare them),
/// symbolic links and other special files, entries whose data lies outside the file or overlaps another entry,
/// and sizes or ratios above ``Limits``.
struct ZipArchive {
    /// Bounds on what an archive may make the run write.
    struct Limits: Sendable, Hashable {
        var maximumEntries: Int
        var maximumEntryBytes: Int64
        var maximumTotalBytes: Int64
        /// The largest uncompressed/compressed ratio accepted for an entry above 1 MiB (deflate reaches about 1032
        /// at best, so anything near that is a bomb, not a photo).
        var maximumRatio: Int64
    }

    /// Why an archive is refused.
    struct Problem: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// One file of the archive.
    struct Entry {
        var name: String
        var method: UInt16
        var crc32: UInt32
        var compressedSize: Int64
        var uncompressedSize: Int64
        /// Where the entry's data (after its local header) starts.
        var dataOffset: Int64
        var isDirectory: Bool
    }

    let entries: [Entry]

    /// Reads the table of contents of the archive open on `descriptor`, of `size` bytes.
    init(descriptor: Int32, size: Int64, limits: Limits) throws(Problem) {
        let reader = PositionalReader(descriptor: descriptor, size: size)
        let tailLength = Int(min(size, 22 + 65_535))
        guard tailLength >= 22 else { throw Problem("the file is too short to be a ZIP archive (\(size) bytes)") }
        let tail = try reader.read(at: size - Int64(tailLength), count: tailLength)
        var endIndex: Int?
        var index = tailLength - 22
        while index >= 0 {
            if tail.uint32(at: index) == 0x0605_4B50 {
                let commentLength = Int(tail.uint16(at: index + 20))
                if index + 22 + commentLength == tailLength {
                    endIndex = index
                    break
                }
            }
            index -= 1
        }
        guard let end = endIndex else {
            throw Problem("no end-of-central-directory record: the archive is truncated or not a ZIP file")
        }
        let disk = tail.uint16(at: end + 4)
        let directoryDisk = tail.uint16(at: end + 6)
        let entriesOnDisk = tail.uint16(at: end + 8)
        let entryCount = tail.uint16(at: end + 10)
        let directorySize = Int64(tail.uint32(at: end + 12))
        let directoryOffset = Int64(tail.uint32(at: end + 16))
        guard disk == 0, directoryDisk == 0, entriesOnDisk == entryCount else {
            throw Problem("the archive spans several disks, which is not supported")
        }
        if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw Problem("the archive is a ZIP64 archive, which is not supported (WhatsApp writes plain ZIP)")
        }
        guard Int(entryCount) <= limits.maximumEntries else {
            throw Problem("the archive has \(entryCount) entries, more than the \(limits.maximumEntries) allowed")
        }
        let endOffset = size - Int64(tailLength) + Int64(end)
        guard directoryOffset + directorySize <= endOffset else {
            throw Problem("the central directory lies outside the file: the archive is truncated or damaged")
        }
        let directory = try reader.read(at: directoryOffset, count: Int(directorySize))

        var entries: [Entry] = []
        var names = Set<String>()
        var total: Int64 = 0
        var position = 0
        for index in 0..<Int(entryCount) {
            let number = index + 1
            guard position + 46 <= directory.count, directory.uint32(at: position) == 0x0201_4B50 else {
                throw Problem("central directory entry \(number) is damaged")
            }
            let madeBy = directory.uint16(at: position + 4)
            let flags = directory.uint16(at: position + 8)
            let method = directory.uint16(at: position + 10)
            let crc = directory.uint32(at: position + 16)
            let compressed = Int64(directory.uint32(at: position + 20))
            let uncompressed = Int64(directory.uint32(at: position + 24))
            let nameLength = Int(directory.uint16(at: position + 28))
            let extraLength = Int(directory.uint16(at: position + 30))
            let commentLength = Int(directory.uint16(at: position + 32))
            let externalAttributes = directory.uint32(at: position + 38)
            let localOffset = Int64(directory.uint32(at: position + 42))
            let next = position + 46 + nameLength + extraLength + commentLength
            guard next <= directory.count else { throw Problem("central directory entry \(number) is cut short") }
            let nameBytes = Array(directory[(position + 46)..<(position + 46 + nameLength)])
            position = next

            let name = try Self.checkedName(nameBytes, number: number)
            let isDirectory = name.hasSuffix("/")
            guard names.insert(name.lowercased()).inserted else {
                throw Problem("the entry name \"\(name)\" appears twice")
            }
            if madeBy >> 8 == 3 {
                // A Unix host: the high half of the external attributes is the file's mode.
                let type = (externalAttributes >> 16) & 0o170000
                if type == 0o120000 { throw Problem("the entry \"\(name)\" is a symbolic link, which is refused") }
                if type != 0 && type != 0o100000 && type != 0o040000 {
                    throw Problem("the entry \"\(name)\" is a special file, which is refused")
                }
            }
            guard flags & 0x1 == 0 else { throw Problem("the entry \"\(name)\" is encrypted") }
            guard method == 0 || method == 8 else {
                throw Problem("the entry \"\(name)\" uses compression method \(method); only stored and deflate")
            }
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw Problem("the entry \"\(name)\" needs ZIP64, which is not supported")
            }
            guard uncompressed <= limits.maximumEntryBytes else {
                throw Problem(
                    "the entry \"\(name)\" declares \(uncompressed) bytes, more than the \(limits.maximumEntryBytes) "
                        + "allowed"
                )
            }
            if method == 0 && compressed != uncompressed {
                throw Problem("the stored entry \"\(name)\" declares two different sizes")
            }
            if uncompressed > 1 << 20 && uncompressed > limits.maximumRatio * max(1, compressed) {
                throw Problem(
                    "the entry \"\(name)\" expands \(uncompressed / max(1, compressed)) times (a ZIP bomb); at most "
                        + "\(limits.maximumRatio) is allowed"
                )
            }
            total += uncompressed
            guard total <= limits.maximumTotalBytes else {
                throw Problem("the archive expands to more than the \(limits.maximumTotalBytes) bytes allowed")
            }

            let local = try reader.read(at: localOffset, count: 30)
            guard local.uint32(at: 0) == 0x0403_4B50 else {
                throw Problem("the local header of \"\(name)\" is missing: the archive is damaged")
            }
            let localNameLength = Int(local.uint16(at: 26))
            let localExtraLength = Int(local.uint16(at: 28))
            let localName = try reader.read(at: localOffset + 30, count: localNameLength)
            guard localName == nameBytes else {
                throw Problem("the local header of \"\(name)\" names another file: the archive is damaged")
            }
            let dataOffset = localOffset + 30 + Int64(localNameLength) + Int64(localExtraLength)
            guard dataOffset + compressed <= directoryOffset else {
                throw Problem("the data of \"\(name)\" runs past the central directory: the archive is damaged")
            }
            entries.append(
                Entry(
                    name: name,
                    method: method,
                    crc32: crc,
                    compressedSize: compressed,
                    uncompressedSize: uncompressed,
                    dataOffset: dataOffset,
                    isDirectory: isDirectory
                )
            )
        }
        // Entries that share bytes are the other way to build a bomb: every entry's data must stand alone.
        let sorted = entries.sorted { $0.dataOffset < $1.dataOffset }
        for (earlier, later) in zip(sorted, sorted.dropFirst())
        where earlier.dataOffset + earlier.compressedSize > later.dataOffset - 30 {
            throw Problem("the data of \"\(earlier.name)\" overlaps \"\(later.name)\": the archive is damaged")
        }
        self.entries = entries
    }

    /// The entry name as UTF-8 text, refused when it could reach outside the directory it is extracted into.
    static func checkedName(_ bytes: [UInt8], number: Int) throws(Problem) -> String {
        guard !bytes.isEmpty else { throw Problem("central directory entry \(number) has no name") }
        guard let name = String(validating: bytes, as: UTF8.self) else {
            throw Problem("the name of entry \(number) is not UTF-8")
        }
        guard !bytes.contains(0), !bytes.contains(UInt8(ascii: "\\")) else {
            throw Problem("the entry name \"\(name)\" holds a NUL or a backslash")
        }
        if bytes.first == UInt8(ascii: "/") || (bytes.count >= 2 && bytes[1] == UInt8(ascii: ":")) {
            throw Problem("the entry name \"\(name)\" is an absolute path")
        }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        for (index, component) in components.enumerated() {
            if component == ".." || component == "." {
                throw Problem("the entry name \"\(name)\" holds \"\(component)\" (path traversal)")
            }
            if component.isEmpty && index != components.count - 1 {
                throw Problem("the entry name \"\(name)\" has an empty component")
            }
        }
        return name
    }
}

/// `pread(2)` of exact byte counts, with errors as ``ZipArchive/Problem``.
struct PositionalReader {
    let descriptor: Int32
    let size: Int64

    func read(at offset: Int64, count: Int) throws(ZipArchive.Problem) -> [UInt8] {
        guard offset >= 0, count >= 0, offset + Int64(count) <= size else {
            throw ZipArchive.Problem("a record lies past the end of the file: the archive is truncated")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let result = bytes.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw ZipArchive.Problem("cannot read the archive: \(SystemError.describe(errno))")
            }
            if result == 0 { throw ZipArchive.Problem("the archive ends early: it is truncated") }
            done += result
        }
        return bytes
    }
}

extension [UInt8] {
    func uint16(at index: Int) -> UInt16 { UInt16(self[index]) | UInt16(self[index + 1]) << 8 }
    func uint32(at index: Int) -> UInt32 {
        UInt32(self[index]) | UInt32(self[index + 1]) << 8 | UInt32(self[index + 2]) << 16
            | UInt32(self[index + 3]) << 24
    }
}
