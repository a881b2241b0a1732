import CZlib
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Extracts a ``ZipArchive``'s files into a private directory, each under a name of the extractor's own making.
///
/// No entry name ever reaches the file system: entry `n` is written to `DIRECTORY/n` (created `0600` with
/// `O_EXCL | O_NOFOLLOW`), and the caller gets a table from entry name to that file. Deflate data is inflated with
/// zlib's raw inflate; an entry that inflates to more bytes than it declared is stopped at that point, and one
/// whose bytes or CRC-32 differ from what it declared is refused, so a lying header can neither exhaust the disk
/// nor slip damaged bytes into the archive.
enum ZipExtractor {
    /// Extracts every file of `archive` (read from `descriptor`) into `directory`; returns entry name → path.
    static func extract(
        _ archive: ZipArchive,
        descriptor: Int32,
        size: Int64,
        into directory: String
    ) throws -> [String: String] {
        var paths: [String: String] = [:]
        for (index, entry) in archive.entries.enumerated() where !entry.isDirectory {
            let path = directory + "/\(index)"
            let output = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard output >= 0 else {
                throw ZipArchive.Problem("cannot create \(path): \(SystemError.describe(errno))")
            }
            defer { _ = SystemError.closeIgnoringInterrupts(output) }
            try extract(entry, from: descriptor, size: size, to: output, path: path)
            paths[entry.name] = path
        }
        return paths
    }

    private static func extract(
        _ entry: ZipArchive.Entry,
        from descriptor: Int32,
        size: Int64,
        to output: Int32,
        path: String
    ) throws {
        let reader = PositionalReader(descriptor: descriptor, size: size)
        var crc: UInt = crc32(0, nil, 0)
        var written: Int64 = 0
        func emit(_ buffer: UnsafeRawBufferPointer) throws {
            guard buffer.count > 0 else { return }
            written += Int64(buffer.count)
            guard written <= entry.uncompressedSize else {
                throw ZipArchive.Problem(
                    "the entry \"\(entry.name)\" inflates to more than the \(entry.uncompressedSize) bytes it declares"
                )
            }
            crc = crc32(crc, buffer.baseAddress?.assumingMemoryBound(to: Bytef.self), uInt(buffer.count))
            do {
                try POSIXFiles.writeAll(output, buffer, path: path)
            } catch {
                throw ZipArchive.Problem("cannot write \(path): \(error)")
            }
        }

        let chunk = 1 << 16
        var offset: Int64 = 0
        if entry.method == 0 {
            while offset < entry.compressedSize {
                let count = Int(min(Int64(chunk), entry.compressedSize - offset))
                let bytes = try reader.read(at: entry.dataOffset + offset, count: count)
                try bytes.withUnsafeBytes { (buffer) in try emit(buffer) }
                offset += Int64(count)
            }
        } else {
            var stream = z_stream()
            guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw ZipArchive.Problem("zlib could not start inflating \"\(entry.name)\"")
            }
            defer { inflateEnd(&stream) }
            var out = [UInt8](repeating: 0, count: chunk)
            var finished = false
            while !finished {
                guard offset < entry.compressedSize else {
                    throw ZipArchive.Problem("the deflate data of \"\(entry.name)\" ends early: the archive is damaged")
                }
                let count = Int(min(Int64(chunk), entry.compressedSize - offset))
                var input = try reader.read(at: entry.dataOffset + offset, count: count)
                offset += Int64(count)
                let status: Int32 = try input.withUnsafeMutableBufferPointer { (inBuffer) in
                    stream.next_in = inBuffer.baseAddress
                    stream.avail_in = uInt(inBuffer.count)
                    var status = Z_OK
                    repeat {
                        let produced = out.withUnsafeMutableBufferPointer { (outBuffer) -> Int in
                            stream.next_out = outBuffer.baseAddress
                            stream.avail_out = uInt(outBuffer.count)
                            status = inflate(&stream, Z_NO_FLUSH)
                            return outBuffer.count - Int(stream.avail_out)
                        }
                        guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                            throw ZipArchive.Problem("the deflate data of \"\(entry.name)\" is damaged")
                        }
                        try out.withUnsafeBytes { (buffer) in
                            try emit(UnsafeRawBufferPointer(rebasing: buffer[0..<produced]))
                        }
                        if status == Z_BUF_ERROR && produced == 0 { break }
                    } while status != Z_STREAM_END && (stream.avail_in > 0 || stream.avail_out == 0)
                    stream.next_in = nil
                    return status
                }
                finished = status == Z_STREAM_END
            }
        }
        guard written == entry.uncompressedSize else {
            throw ZipArchive.Problem(
                "the entry \"\(entry.name)\" holds \(written) bytes, not the \(entry.uncompressedSize) it declares"
            )
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else {
            throw ZipArchive.Problem("the entry \"\(entry.name)\" fails its CRC-32 check: the archive is damaged")
        }
    }
}
