import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where an export's text and media files are: the `.txt` itself, a folder, or a `.zip` extracted into a private
/// temporary directory.
struct ChatExportInput {
    /// The chat text file.
    var textPath: String
    /// The text file's name as the export has it, for positions in errors (`_chat.txt line 12`).
    var textName: String
    /// The media files of the export, by file name (the name the chat text uses).
    var media: [String: String]
    /// The private directory a `.zip` was extracted into, removed when the source closes.
    var temporaryDirectory: String?
    /// The chat's name as the export's file name gives it (`WhatsApp Chat with Bob.txt`, `WhatsApp Chat - Team.zip`).
    var nameFromFile: String?

    static func resolve(path: String, temporaryRoot: String, limits: ZipArchive.Limits) throws -> ChatExportInput {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw runError("Cannot read the chat export \(path): \(SystemError.describe(errno))")
        }
        let baseName = (path as NSString).lastPathComponent
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            return try folder(path, baseName: baseName)
        case S_IFREG:
            if try isZip(path) {
                return try zip(path, baseName: baseName, temporaryRoot: temporaryRoot, limits: limits)
            }
            return ChatExportInput(
                textPath: path,
                textName: baseName,
                media: [:],
                nameFromFile: chatName(fromFileName: baseName)
            )
        case S_IFLNK:
            throw runError("The chat export \(path) is a symbolic link; give the file or folder it points to.")
        default:
            throw runError("The chat export \(path) is neither a file nor a folder.")
        }
    }

    private static func folder(_ path: String, baseName: String) throws -> ChatExportInput {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw runError("Cannot list the chat export folder \(path): \(error.localizedDescription)")
        }
        var media: [String: String] = [:]
        for name in names where !name.hasPrefix(".") {
            var info = stat()
            // Only regular files: a symbolic link is never followed, a folder inside is not part of an export.
            guard lstat(path + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            media[name] = path + "/" + name
        }
        guard let text = pickText(Array(media.keys), in: path) else {
            throw runError("The folder \(path) holds no chat text (_chat.txt or WhatsApp Chat ….txt).")
        }
        media[text] = nil
        return ChatExportInput(
            textPath: path + "/" + text,
            textName: text,
            media: media,
            nameFromFile: chatName(fromFileName: text) ?? chatName(fromFileName: baseName)
        )
    }

    private static func zip(
        _ path: String,
        baseName: String,
        temporaryRoot: String,
        limits: ZipArchive.Limits
    ) throws -> ChatExportInput {
        let descriptor = openReadOnly(path)
        guard descriptor >= 0 else { throw runError("Cannot open \(path): \(SystemError.describe(errno))") }
        defer { _ = SystemError.closeIgnoringInterrupts(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw runError("Cannot inspect \(path).") }
        let archive: ZipArchive
        do {
            archive = try ZipArchive(descriptor: descriptor, size: Int64(info.st_size), limits: limits)
        } catch {
            throw runError("The chat export \(path) is not a usable ZIP archive: \(error). Nothing was archived.")
        }
        try POSIXFiles.ensureDirectories(temporaryRoot)
        var template = Array((temporaryRoot + "/whatsapp-chat-export.XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard created != nil else {
            throw runError("Cannot create a private directory in \(temporaryRoot): \(SystemError.describe(errno))")
        }
        let directory = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        _ = chmod(directory, 0o700)
        let paths: [String: String]
        do {
            paths = try ZipExtractor.extract(
                archive,
                descriptor: descriptor,
                size: Int64(info.st_size),
                into: directory
            )
        } catch {
            removeDirectory(directory)
            throw runError("The chat export \(path) is damaged: \(error). Nothing was archived.")
        }
        var media: [String: String] = [:]
        for (name, file) in paths.sorted(by: { $0.key < $1.key }) {
            let fileName = String(name.split(separator: "/").last ?? "")
            if media[fileName] == nil { media[fileName] = file }
        }
        guard let text = pickText(Array(media.keys), in: path) else {
            removeDirectory(directory)
            throw runError("The archive \(path) holds no chat text (_chat.txt or WhatsApp Chat ….txt).")
        }
        let textPath = media[text]!
        media[text] = nil
        return ChatExportInput(
            textPath: textPath,
            textName: text,
            media: media,
            temporaryDirectory: directory,
            nameFromFile: chatName(fromFileName: baseName) ?? chatName(fromFileName: text)
        )
    }

    /// The chat text among an export's files: `_chat.txt` (iOS), else the one `WhatsApp Chat …` / `Chat de
    /// WhatsApp …` text (Android), else the only `.txt`.
    private static func pickText(_ names: [String], in path: String) -> String? {
        if names.contains("_chat.txt") { return "_chat.txt" }
        let texts = names.filter { $0.lowercased().hasSuffix(".txt") }.sorted()
        let chats = texts.filter { chatName(fromFileName: $0) != nil }
        if chats.count == 1 { return chats[0] }
        return texts.count == 1 ? texts[0] : nil
    }

    private static func isZip(_ path: String) throws -> Bool {
        let descriptor = openReadOnly(path)
        guard descriptor >= 0 else { return false }
        defer { _ = SystemError.closeIgnoringInterrupts(descriptor) }
        var magic = [UInt8](repeating: 0, count: 4)
        let count = magic.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, 4) }
        return (count == 4 && magic == [0x50, 0x4B, 0x03, 0x04]) || (count == 4 && magic == [0x50, 0x4B, 0x05, 0x06])
            || path.lowercased().hasSuffix(".zip")
    }

    /// The chat's name from the export's file name in the languages WhatsApp names them in, without the
    /// ` (2)` a second download adds; `nil` when the name has no such form.
    static func chatName(fromFileName fileName: String) -> String? {
        var name = fileName
        for suffix in [".txt", ".zip", ".TXT", ".ZIP"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
        }
        if name.hasSuffix(")"), let open = name.lastIndex(of: "("), open > name.startIndex,
            name[name.index(before: open)] == " ",
            name[name.index(after: open)..<name.index(before: name.endIndex)].allSatisfy(\.isNumber)
        {
            name = String(name[..<name.index(before: open)])
        }
        let prefixes = [
            "WhatsApp Chat with ", "WhatsApp Chat - ", "WhatsApp Chat mit ", "Chat de WhatsApp con ",
            "Discussion WhatsApp avec ", "Conversa do WhatsApp com ", "Chat WhatsApp con ", "WhatsApp-chat met ",
            "WhatsApp Chat – ",
        ]
        for prefix in prefixes where name.hasPrefix(prefix) && name.count > prefix.count {
            return String(name.dropFirst(prefix.count))
        }
        return nil
    }

    /// Removes the private extraction directory and everything in it.
    static func removeDirectory(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func openReadOnly(_ path: String) -> Int32 {
        open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    }

    static func runError(_ message: String) -> ArchiverError {
        ArchiverError(.chatExportInvalid, message, scope: .run)
    }
}
