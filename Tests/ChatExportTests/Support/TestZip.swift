import CZlib
import Foundation

/// Writes ZIP archives for the tests, hostile ones included: entry names, modes, sizes and CRCs are whatever the
/// test says, so that the reader's refusals can be seen. Deflate is zlib's raw deflate.
struct TestZip {
    struct Entry {
        var name: String
        var data: [UInt8]
        var deflate = true
        /// Unix mode for the external attributes (0o120777 for a symbolic link).
        var mode: UInt32 = 0o100644
        var declaredSize: UInt32?
        var declaredCRC: UInt32?
    }

    var entries: [Entry] = []

    mutating func add(_ name: String, _ text: String, deflate: Bool = true) {
        entries.append(Entry(name: name, data: Array(text.utf8), deflate: deflate))
    }

    mutating func add(_ name: String, bytes: [UInt8], deflate: Bool = true) {
        entries.append(Entry(name: name, data: bytes, deflate: deflate))
    }

    static func deflate(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        _ = deflateInit2_(
            &stream,
            9,
            Z_DEFLATED,
            -MAX_WBITS,
            8,
            Z_DEFAULT_STRATEGY,
            ZLIB_VERSION,
            Int32(MemoryLayout<z_stream>.size)
        )
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(data.count))) + 64)
        var input = data
        let produced = input.withUnsafeMutableBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = inBuffer.baseAddress
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                _ = CZlib.deflate(&stream, Z_FINISH)
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        return Array(output[0..<produced])
    }

    static func crc(_ data: [UInt8]) -> UInt32 {
        UInt32(data.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
    }

    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func u16(_ value: Int, into bytes: inout [UInt8]) { bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
        func u32(_ value: UInt32, into bytes: inout [UInt8]) {
            bytes += [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 24)]
        }
        for entry in entries {
            let name = Array(entry.name.utf8)
            let payload = entry.deflate ? Self.deflate(entry.data) : entry.data
            let crc = entry.declaredCRC ?? Self.crc(entry.data)
            let size = entry.declaredSize ?? UInt32(entry.data.count)
            let offset = UInt32(out.count)
            u32(0x0403_4B50, into: &out)
            u16(20, into: &out)
            u16(0x0800, into: &out)
            u16(entry.deflate ? 8 : 0, into: &out)
            u16(0, into: &out)
            u16(0, into: &out)
            u32(crc, into: &out)
            u32(UInt32(payload.count), into: &out)
            u32(size, into: &out)
            u16(name.count, into: &out)
            u16(0, into: &out)
            out += name
            out += payload
            u32(0x0201_4B50, into: &central)
            u16(3 << 8 | 20, into: &central)
            u16(20, into: &central)
            u16(0x0800, into: &central)
            u16(entry.deflate ? 8 : 0, into: &central)
            u16(0, into: &central)
            u16(0, into: &central)
            u32(crc, into: &central)
            u32(UInt32(payload.count), into: &central)
            u32(size, into: &central)
            u16(name.count, into: &central)
            u16(0, into: &central)
            u16(0, into: &central)
            u16(0, into: &central)
            u16(0, into: &central)
            u32(entry.mode << 16, into: &central)
            u32(offset, into: &central)
            central += name
        }
        let centralOffset = UInt32(out.count)
        out += central
        u32(0x0605_4B50, into: &out)
        u16(0, into: &out)
        u16(0, into: &out)
        u16(entries.count, into: &out)
        u16(entries.count, into: &out)
        u32(UInt32(central.count), into: &out)
        u32(centralOffset, into: &out)
        u16(0, into: &out)
        return out
    }

    func write(to path: String) throws {
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
    }
}
