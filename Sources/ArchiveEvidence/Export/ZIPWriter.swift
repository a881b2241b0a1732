import CZlib
import WhatsAppArchiver

/// Writes a ZIP archive (PKWARE APPNOTE 6.3.x) in memory: each entry deflated with zlib (raw deflate) or, when
/// that does not make it smaller, stored; CRC-32 from zlib; UTF-8 names (general purpose bit 11); no ZIP64, so at
/// most 65,535 entries and 4 GiB, which a one-day RSMF production of one conversation stays far below.
package struct ZIPWriter {
    private var output: [UInt8] = []
    private var central: [UInt8] = []
    private var count = 0
    /// The DOS date and time written for every entry: a fixed instant, so that the same production gives the same
    /// bytes (and the same SHA-256 in the load file).
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// A writer whose entries are dated `date` (UTC).
    package init(date: (year: Int, month: Int, day: Int)) {
        dosTime = 0
        dosDate = UInt16(max(0, date.year - 1980) << 9 | date.month << 5 | date.day)
    }

    /// Adds a file.
    ///
    /// - Throws: `ArchiverError.Code.storageFailed` when zlib fails or the archive would need ZIP64.
    package mutating func add(name: String, bytes: [UInt8]) throws {
        guard count < 0xFFFF, bytes.count < 0xFFFF_0000, output.count < 0xFFFF_0000 else {
            throw ArchiverError(.storageFailed, "The RSMF zip would need ZIP64 (more than 4 GiB or 65,535 files).")
        }
        let crc = bytes.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        let deflated = try Self.deflate(bytes)
        let (method, data): (UInt16, [UInt8]) = deflated.count < bytes.count ? (8, deflated) : (0, bytes)
        let nameBytes = Array(name.utf8)
        let offset = UInt32(output.count)
        var local: [UInt8] = []
        local.append(le32: 0x0403_4B50)
        local.append(le16: 20)
        local.append(le16: 0x0800)
        local.append(le16: method)
        local.append(le16: dosTime)
        local.append(le16: dosDate)
        local.append(le32: crc)
        local.append(le32: UInt32(data.count))
        local.append(le32: UInt32(bytes.count))
        local.append(le16: UInt16(nameBytes.count))
        local.append(le16: 0)
        output += local + nameBytes + data

        central.append(le32: 0x0201_4B50)
        central.append(le16: 0x0314)  // made by: UNIX, version 2.0
        central.append(le16: 20)
        central.append(le16: 0x0800)
        central.append(le16: method)
        central.append(le16: dosTime)
        central.append(le16: dosDate)
        central.append(le32: crc)
        central.append(le32: UInt32(data.count))
        central.append(le32: UInt32(bytes.count))
        central.append(le16: UInt16(nameBytes.count))
        central.append(le16: 0)
        central.append(le16: 0)
        central.append(le16: 0)
        central.append(le16: 0)
        central.append(le32: 0o100644 << 16)
        central.append(le32: offset)
        central += nameBytes
        count += 1
    }

    /// The whole archive: the entries, the central directory and its end record.
    package func finish() -> [UInt8] {
        var end: [UInt8] = []
        end.append(le32: 0x0605_4B50)
        end.append(le16: 0)
        end.append(le16: 0)
        end.append(le16: UInt16(count))
        end.append(le16: UInt16(count))
        end.append(le32: UInt32(central.count))
        end.append(le32: UInt32(output.count))
        end.append(le16: 0)
        return output + central + end
    }

    /// Raw deflate (no zlib header), best compression.
    private static func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
        var stream = z_stream()
        let level: Int32 = 9
        guard
            deflateInit2_(
                &stream,
                level,
                Z_DEFLATED,
                -15,
                8,
                Z_DEFAULT_STRATEGY,
                ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)
            ) == Z_OK
        else {
            throw ArchiverError(.storageFailed, "zlib could not start deflating an RSMF zip entry.")
        }
        defer { deflateEnd(&stream) }
        var input = bytes
        var out = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 16)
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            out.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return CZlib.deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else {
            throw ArchiverError(.storageFailed, "zlib failed to deflate an RSMF zip entry (status \(status)).")
        }
        return Array(out[0..<Int(stream.total_out)])
    }
}

extension [UInt8] {
    fileprivate mutating func append(le16 value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    fileprivate mutating func append(le32 value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}
