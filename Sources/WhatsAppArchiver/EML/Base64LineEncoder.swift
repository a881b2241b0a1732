/// A streaming base64 encoder (RFC 4648 section 4, the standard alphabet with padding) that writes lines of 76
/// characters ended by CRLF, as RFC 2045 section 6.8 requires of a MIME body.
///
/// Input arrives in chunks of any size; at most one line's worth of input (56 bytes) is held between chunks, so
/// memory stays bounded whatever the attachment's size. Whole lines are encoded straight into the output buffer
/// from a table that maps 12 input bits to two output characters at a time.
struct Base64LineEncoder {
    /// The input bytes that make one full line: 57 bytes become 76 characters.
    static let inputBytesPerLine = 57
    /// The characters of a full line, without its CRLF.
    static let lineLength = 76

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    /// For every 12-bit value, its two base64 characters: the first in the low byte.
    private static let pairs: [UInt16] = (0..<4096).map { value in
        UInt16(alphabet[value >> 6]) | UInt16(alphabet[value & 0x3F]) << 8
    }

    private var pending: [UInt8] = []

    /// Creates an encoder at the start of a stream.
    init() {
        pending.reserveCapacity(Self.inputBytesPerLine)
    }

    /// Encodes the next chunk of the stream, writing every line it completes.
    mutating func encode(_ input: UnsafeRawBufferPointer, to output: MIMEOutput) {
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self), input.count > 0 else { return }
        var offset = 0
        if !pending.isEmpty {
            offset = min(Self.inputBytesPerLine - pending.count, input.count)
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: offset))
            guard pending.count == Self.inputBytesPerLine else { return }
            pending.withUnsafeBufferPointer { Self.writeLines(from: $0.baseAddress!, count: 1, to: output) }
            pending.removeAll(keepingCapacity: true)
        }
        let lines = (input.count - offset) / Self.inputBytesPerLine
        if lines > 0 {
            Self.writeLines(from: base + offset, count: lines, to: output)
            offset += lines * Self.inputBytesPerLine
        }
        pending.append(contentsOf: UnsafeBufferPointer(start: base + offset, count: input.count - offset))
    }

    /// Writes the last, shorter line (with `=` padding) if the stream did not end on a line boundary.
    mutating func finish(to output: MIMEOutput) {
        guard !pending.isEmpty else { return }
        output.append(Self.encodeUnwrapped(pending).utf8 + [0x0D, 0x0A])
        pending.removeAll(keepingCapacity: true)
    }

    /// `bytes` in base64 on one line, without a line break: for RFC 2047 encoded-words and short values.
    static func encodeUnwrapped(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity((bytes.count + 2) / 3 * 4)
        bytes.withUnsafeBufferPointer { appendUnwrapped($0, to: &text) }
        return String(decoding: text, as: UTF8.self)
    }

    /// Appends `input` in base64 on one line, without a line break, to `bytes`.
    static func appendUnwrapped(_ input: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        let alphabet = Self.alphabet
        var index = 0
        while index + 3 <= input.count {
            let value = Int(input[index]) << 16 | Int(input[index + 1]) << 8 | Int(input[index + 2])
            bytes.append(alphabet[value >> 18])
            bytes.append(alphabet[value >> 12 & 0x3F])
            bytes.append(alphabet[value >> 6 & 0x3F])
            bytes.append(alphabet[value & 0x3F])
            index += 3
        }
        let remaining = input.count - index
        guard remaining > 0 else { return }
        let value = Int(input[index]) << 16 | (remaining == 2 ? Int(input[index + 1]) << 8 : 0)
        bytes.append(alphabet[value >> 18])
        bytes.append(alphabet[value >> 12 & 0x3F])
        bytes.append(remaining == 2 ? alphabet[value >> 6 & 0x3F] : UInt8(ascii: "="))
        bytes.append(UInt8(ascii: "="))
    }

    /// Encodes `count` full lines from `source` into the output, in as few buffer reservations as possible.
    private static func writeLines(
        from source: UnsafePointer<UInt8>,
        count: Int,
        to output: MIMEOutput
    ) {
        let encodedLine = lineLength + 2
        var source = source
        var remaining = count
        pairs.withUnsafeBufferPointer { table in
            while remaining > 0 {
                let (destination, available) = output.reserve(encodedLine)
                let batch = min(remaining, available / encodedLine)
                encodeLines(from: source, count: batch, into: destination, table: table)
                output.advance(by: batch * encodedLine)
                source += batch * inputBytesPerLine
                remaining -= batch
            }
        }
    }

    @inline(__always)
    private static func encodeLines(
        from source: UnsafePointer<UInt8>,
        count: Int,
        into destination: UnsafeMutablePointer<UInt8>,
        table: UnsafeBufferPointer<UInt16>
    ) {
        var source = source
        var destination = UnsafeMutableRawPointer(destination)
        for _ in 0..<count {
            for _ in 0..<(inputBytesPerLine / 3) {
                let value = Int(source[0]) << 16 | Int(source[1]) << 8 | Int(source[2])
                destination.storeBytes(of: table[value >> 12].littleEndian, as: UInt16.self)
                destination.storeBytes(of: table[value & 0xFFF].littleEndian, toByteOffset: 2, as: UInt16.self)
                source += 3
                destination += 4
            }
            destination.storeBytes(of: 0x0D, as: UInt8.self)
            destination.storeBytes(of: 0x0A, toByteOffset: 1, as: UInt8.self)
            destination += 2
        }
    }
}
