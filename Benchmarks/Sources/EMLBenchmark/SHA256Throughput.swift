// `EMLBenchmark --sha [--attachment-mib N] [--dir DIR]`: the SDK's SHA-256 alone, in MB/s (10^6 bytes a second),
// from memory (the compression function and its block loop) and from a file in DIR read in 256 KiB chunks (what the
// TeleMessage source's attachment check does). Best of three passes each.
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Measures SHA-256 throughput over `mebibytes` of pseudo-random bytes, in memory and from a file under
/// `directory`, and prints both.
func measureSHA256Throughput(mebibytes: Int, directory: String) throws {
    let size = mebibytes << 20
    let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
    defer { bytes.deallocate() }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for offset in stride(from: 0, to: size, by: 8) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        bytes.storeBytes(of: state, toByteOffset: offset, as: UInt64.self)
    }
    let clock = ContinuousClock()

    var memoryDigest = ""
    var memoryBest = Double.infinity
    for _ in 0..<3 {
        let start = clock.now
        var hasher = SHA256()
        hasher.update(UnsafeRawBufferPointer(bytes))
        memoryDigest = SHA256.hex(hasher.finalize())
        memoryBest = min(memoryBest, seconds(clock.now - start))
    }

    let path = directory + "/sha-benchmark-\(getpid()).bin"
    let writer = DescriptorWriter(path: path)
    try writer.write(UnsafeRawBufferPointer(bytes))
    defer { unlink(path) }
    let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 18, alignment: 16)
    defer { chunk.deallocate() }
    var fileDigest = ""
    var fileBest = Double.infinity
    for _ in 0..<3 {
        let start = clock.now
        let reader = try FileAttachmentReader(path: path)
        var hasher = SHA256()
        while true {
            let count = try reader.readSynchronously(into: chunk)
            if count == 0 { break }
            hasher.update(UnsafeRawBufferPointer(rebasing: chunk[0..<count]))
        }
        reader.close()
        fileDigest = SHA256.hex(hasher.finalize())
        fileBest = min(fileBest, seconds(clock.now - start))
    }
    precondition(memoryDigest == fileDigest, "the two passes disagree")
    print("SHA-256 over \(mebibytes) MiB (\(memoryDigest))")
    print(String(format: "  from memory:                %.0f MB/s", Double(size) / memoryBest / 1e6))
    print(String(format: "  from a file, 256 KiB reads: %.0f MB/s", Double(size) / fileBest / 1e6))
}
