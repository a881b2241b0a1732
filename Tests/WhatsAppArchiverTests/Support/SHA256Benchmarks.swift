import Foundation
import Testing

@testable import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The SDK's SHA-256 alone, in MB/s (10^6 bytes a second), measured on demand and printed, never asserted: from
/// memory (the compression function and its block loop) and from a file read in 256 KiB chunks (what the
/// TeleMessage source's attachment check does). Best of three passes each. `SHA256` is not public API, so this
/// lives beside its tests rather than in the Benchmarks package:
///
///     SHA256_BENCHMARK=/dev/shm SHA256_BENCHMARK_MIB=1024 swift test -c release -Xswiftc -enable-testing \
///         --filter SHA256Benchmarks
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SHA256_BENCHMARK"] != nil))
struct SHA256Benchmarks {
    @Test func throughput() throws {
        let environment = ProcessInfo.processInfo.environment
        let directory = environment["SHA256_BENCHMARK"] ?? "/dev/shm"
        let mebibytes = Int(environment["SHA256_BENCHMARK_MIB"] ?? "") ?? 1024
        let size = mebibytes << 20
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        defer { bytes.deallocate() }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for offset in stride(from: 0, to: size, by: 8) {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.storeBytes(of: state, toByteOffset: offset, as: UInt64.self)
        }
        let clock = ContinuousClock()
        func seconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        }

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
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        try #require(descriptor >= 0)
        defer { unlink(path) }
        try POSIXFiles.writeAll(descriptor, UnsafeRawBufferPointer(bytes), path: path)
        close(descriptor)
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
        #expect(memoryDigest == fileDigest, "the two passes disagree")
        print("SHA-256 over \(mebibytes) MiB (\(memoryDigest))")
        print(String(format: "  from memory:                %.0f MB/s", Double(size) / memoryBest / 1e6))
        print(String(format: "  from a file, 256 KiB reads: %.0f MB/s", Double(size) / fileBest / 1e6))
    }
}
