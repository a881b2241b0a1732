#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an administrator's input file (a mapping file, a list of users) in chunks, with errors that name the file
/// and say what to do.
///
/// Unlike ``POSIXFiles/readFile(_:)``, it follows symbolic links: these files are the administrator's own, often
/// linked from a configuration directory, and are only read.
package enum ConfigurationFile {
    /// Calls `body` with successive chunks of the file at `path` until its end.
    ///
    /// - Parameters:
    ///   - path: The file.
    ///   - role: What the file is, for messages: `mapping file`, `user list`.
    ///   - code: The code of the errors thrown when the file cannot be read.
    package static func forEachChunk(
        path: String,
        role: String,
        code: ArchiverError.Code,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        // O_NONBLOCK: opening a FIFO must not hang; it is then refused as not a regular file.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw failure(path: path, role: role, code: code, errno) }
        defer { SystemError.closeIgnoringInterrupts(descriptor) }
        var information = stat()
        guard fstat(descriptor, &information) == 0 else { throw failure(path: path, role: role, code: code, errno) }
        guard (information.st_mode & S_IFMT) == S_IFREG else {
            throw ArchiverError(
                code,
                "The \(role) \(path) is not a regular file; give the path of the file itself.",
                scope: .run
            )
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path: path, role: role, code: code, errno)
            }
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// How many problems an error lists before it only counts the rest.
    package static let listedProblemLimit = 100

    /// The error for a file with `problems`: each listed as `<file> line N: <problem>`, and what to do.
    package static func error(
        _ code: ArchiverError.Code,
        file: String,
        role: String,
        problems: [CSVReader.Problem]
    ) -> ArchiverError {
        if problems.count == 1 {
            return ArchiverError(
                code,
                "\(file) line \(problems[0].line): \(problems[0].message). Fix the \(role) and run again.",
                scope: .run
            )
        }
        var lines = ["The \(role) \(file) has \(problems.count) problems; fix them and run again:"]
        lines += problems.prefix(listedProblemLimit).map { "\(file) line \($0.line): \($0.message)" }
        if problems.count > listedProblemLimit {
            lines.append("... and \(problems.count - listedProblemLimit) more")
        }
        return ArchiverError(code, lines.joined(separator: "\n"), scope: .run)
    }

    private static func failure(path: String, role: String, code: ArchiverError.Code, _ number: Int32) -> ArchiverError
    {
        var advice = ""
        switch number {
        case ENOENT: advice = " Check the path."
        case EACCES, EPERM: advice = " Check the file's permissions: the archiver needs to read it."
        default: break
        }
        return ArchiverError(
            code,
            "Cannot read the \(role) \(path): \(SystemError.describe(number)).\(advice)",
            scope: .run
        )
    }
}
