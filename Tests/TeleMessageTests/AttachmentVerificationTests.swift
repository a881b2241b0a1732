import Dispatch
import Foundation
import Synchronization
import Testing
import WhatsAppArchiver

@testable import TeleMessage

/// The digest check of attachments too large to hash at open: it runs beside the stream, the reader's last read
/// gives its verdict, a failure is remembered for every later open, and nothing outlives the file.
struct AttachmentVerificationTests {
    /// Three MiB: above the 1 MiB the source hashes at open, so these files take the concurrent path.
    static let size = 3 << 20
    /// Python's `hashlib.sha256(b"a" * (3 << 20)).hexdigest()`: what `ScriptedTransport` serves for this size.
    static let rightDigest = "6f850bc94ae6f7de14297c01616c36d712d22864497b28a63b81d776b035e656"
    /// The SHA-256 of "abc": not these bytes.
    static let wrongDigest = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    static func line(id: String = "m1", digest: String?, size: Int = Self.size) -> String {
        let digestField = digest.map { #","sha256":"\#($0)""# } ?? ""
        return Fixtures.line(
            id: id,
            capturedAt: "2026-11-23T01:00:00Z",
            extra: #","attachments":[{"id":"a1","size":\#(size)\#(digestField)}]"#
        )
    }

    /// A source whose hashing queue is suspended: a check started by an open cannot end before the test resumes
    /// the queue, so the test sees the verdict come at the end of the stream, not at open.
    static func sourceWithHeldHashing(_ transport: ScriptedTransport) -> (TeleMessageSource, DispatchQueue) {
        let queue = DispatchQueue(label: "test.attachment-verification")
        queue.suspend()
        return (TeleMessageSource(transport: transport, configuration: .init(), hashingQueue: queue), queue)
    }

    static func attachment(_ source: TeleMessageSource) async throws -> WhatsAppArchiver.Attachment {
        try #require(try await source.fetchPage(PageRequest(window: Fixtures.window)).items.first?.attachments.first)
    }

    /// Reads to the end, keeping the bytes read before any error and the error.
    static func drain(_ reader: any AttachmentReader) async -> (bytes: Int, error: ArchiverError?) {
        var bytes = 0
        do {
            _ = try await reader.forEachChunk(chunkSize: 1 << 16) { bytes += $0.count }
            return (bytes, nil)
        } catch {
            return (bytes, error as? ArchiverError)
        }
    }

    @Test func aRightDigestStreamsEveryByteAndLaterOpensReadTheSameFile() async throws {
        let transport = try ScriptedTransport(pages: [[Self.line(digest: Self.rightDigest)]])
        let (source, hashing) = Self.sourceWithHeldHashing(transport)
        let attachment = try await Self.attachment(source)
        let first = try await attachment.content.open()
        hashing.resume()
        let (streamed, error) = await Self.drain(first)
        first.close()
        #expect(streamed == Self.size)
        #expect(error == nil)
        for _ in 0..<2 {
            let bytes = try await Fixtures.bytes(of: attachment)
            #expect(bytes.count == Self.size)
            #expect(bytes.allSatisfy { $0 == 0x61 })
        }
        #expect(transport.state.withLock { $0.fetches["a1"] } == 1)
        await source.close()
        #expect(transport.files.isEmpty)
    }

    @Test func aWrongDigestFailsTheLastReadThenEveryOpenAndTheDownloadIsDeleted() async throws {
        let transport = try ScriptedTransport(pages: [[Self.line(digest: Self.wrongDigest)]])
        let (source, hashing) = Self.sourceWithHeldHashing(transport)
        let attachment = try await Self.attachment(source)

        let reader = try await attachment.content.open()
        hashing.resume()
        let (bytes, error) = await Self.drain(reader)
        reader.close()
        #expect(bytes == Self.size, "every byte is streamed; the verdict comes with the read that would return 0")
        #expect(error?.code == .attachmentIntegrity)
        #expect(error?.scope == .item)
        #expect(error?.message.contains("SHA-256") == true)

        for _ in 0..<3 {
            let later = await #expect(throws: ArchiverError.self) { _ = try await attachment.content.open() }
            #expect(later?.code == .attachmentIntegrity, "the failure is remembered: later opens fail at open")
        }
        #expect(transport.state.withLock { $0.fetches["a1"] } == 1)
        #expect(transport.files.isEmpty, "the corrupt download is deleted once the failure is known")
        await source.close()
    }

    /// Two readers open before the hash ends: both wait for it and both get the verdict.
    @Test(arguments: [true, false])
    func readersOpenedBeforeTheVerdictAllGetIt(digestIsRight: Bool) async throws {
        let digest = digestIsRight ? Self.rightDigest : Self.wrongDigest
        let transport = try ScriptedTransport(pages: [[Self.line(digest: digest)]])
        let (source, hashing) = Self.sourceWithHeldHashing(transport)
        let attachment = try await Self.attachment(source)
        let first = try await attachment.content.open()
        let second = try await attachment.content.open()
        hashing.resume()
        for reader in [first, second] {
            let (bytes, error) = await Self.drain(reader)
            reader.close()
            #expect(bytes == Self.size)
            #expect(error?.code == (digestIsRight ? nil : .attachmentIntegrity))
        }
        await source.close()
        #expect(transport.files.isEmpty)
    }

    /// A reader that is still open when the page is discarded keeps its file and still gets the verdict: the
    /// discard gives up the cache's interest in the check, not the reader's.
    @Test func aReaderOpenAcrossTheEndOfThePageStillGetsTheVerdict() async throws {
        let transport = try ScriptedTransport(pages: [[Self.line(digest: Self.wrongDigest)]])
        let (source, hashing) = Self.sourceWithHeldHashing(transport)
        let attachment = try await Self.attachment(source)
        let reader = try await attachment.content.open()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        let first = try await reader.read(into: buffer)
        await source.close()
        #expect(transport.files.isEmpty, "the download is unlinked while the reader still reads it")
        hashing.resume()
        let (bytes, error) = await Self.drain(reader)
        reader.close()
        #expect(first + bytes == Self.size)
        #expect(error?.code == .attachmentIntegrity)
    }

    /// A file whose size is not the declared one fails at open, before any byte is hashed or streamed.
    @Test(arguments: [Self.size - 1000, Self.size + 1000])
    func aLargeFileOfTheWrongSizeFailsAtOpen(actualSize: Int) async throws {
        let directory = try Fixtures.export(
            lines: [Self.line(digest: Self.rightDigest)],
            attachments: ["a1": [UInt8](repeating: 0x61, count: actualSize)]
        )
        let source = TeleMessageSource(transport: try ExportDirectoryTransport(directory: directory))
        let attachment = try await Self.attachment(source)
        for _ in 0..<2 {
            let error = await #expect(throws: ArchiverError.self) { _ = try await attachment.content.open() }
            #expect(error?.code == .attachmentIntegrity)
            #expect(error?.message.contains("but its item declares \(Self.size)") == true)
        }
        await source.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// When the last interest goes while the hash runs, the hash stops at its next chunk instead of reading on: fed
    /// through a pipe, one chunk before the release and one after, it ends cancelled, not with a verdict.
    @Test func theLastReleaseStopsARunningHash() async throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        // The check closes its read end when it stops; this second reader keeps the pipe open, so that the writes
        // below never meet a pipe without readers (SIGPIPE would kill the whole test process).
        let keepOpen = dup(ends[0])
        try #require(keepOpen >= 0)
        defer { close(keepOpen) }
        let chunk = [UInt8](repeating: 0x61, count: 4096)
        func feed() { chunk.withUnsafeBytes { _ = write(ends[1], $0.baseAddress, $0.count) } }
        feed()
        let verification = AttachmentVerification.start(
            hashing: ends[0],
            id: "a1",
            declaredSize: 1 << 30,
            expectedDigest: Self.rightDigest,
            chunkSize: 4096,
            on: DispatchQueue(label: "test.hash")
        )
        verification.release()
        feed()
        feed()
        close(ends[1])
        let outcome = await verification.outcomeWhenSettled()
        guard case .cancelled = outcome else {
            Issue.record("expected the hash to stop, got \(outcome)")
            return
        }
    }

    #if os(Linux)
    /// The descriptors of this process that point at `path` (an unlinked file shows as `path (deleted)`).
    static func descriptors(on path: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return entries.filter { entry in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + entry)) ?? ""
            return target.hasPrefix(path)
        }.count
    }

    /// A reader closed after one chunk, then the page discarded: the hash stops (or ends) by itself and its
    /// descriptor is closed; nothing waits for it.
    @Test func aReaderClosedEarlyLeavesNoDescriptorBehind() async throws {
        let size = 16 << 20
        let transport = try ScriptedTransport(pages: [[Self.line(digest: Self.wrongDigest, size: size)]])
        let (source, hashing) = Self.sourceWithHeldHashing(transport)
        let attachment = try await Self.attachment(source)
        let reader = try await attachment.content.open()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
        defer { buffer.deallocate() }
        #expect(try await reader.read(into: buffer) > 0)
        #expect(Self.descriptors(on: transport.directory) == 2, "the reader's descriptor and the check's")
        reader.close()
        await source.close()
        hashing.resume()
        var remaining = Self.descriptors(on: transport.directory)
        for _ in 0..<200 where remaining > 0 {
            try await Task.sleep(for: .milliseconds(50))
            remaining = Self.descriptors(on: transport.directory)
        }
        #expect(remaining == 0, "the hashing descriptor is closed once nobody needs the verdict")
        #expect(transport.files.isEmpty)
    }
    #endif

    /// Opens `attachment` and closes the reader at once; the error the open threw, if any.
    static func openAndClose(_ attachment: WhatsAppArchiver.Attachment) async -> ArchiverError? {
        do {
            try await attachment.content.open().close()
            return nil
        } catch {
            return error as? ArchiverError ?? ArchiverError(.storageFailed, "\(error)")
        }
    }

    /// When the page is discarded before a download lands, the open waiting for it fails as missing, and the file
    /// that lands later is deleted.
    @Test func aDownloadThatLandsAfterItsPageWasDiscardedIsDeleted() async throws {
        let transport = try GatedTransport(pages: [[Self.line(digest: Self.rightDigest)]])
        let source = TeleMessageSource(transport: transport)
        let attachment = try await Self.attachment(source)
        async let opened = Self.openAndClose(attachment)
        for _ in 0..<200 where transport.arrivals == 0 { try await Task.sleep(for: .milliseconds(10)) }
        try #require(transport.arrivals == 1)
        await source.close()
        transport.openGate()
        #expect(await opened?.code == .attachmentMissing, "an open of a discarded download fails as missing")
        for _ in 0..<200 where !transport.inner.files.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(transport.inner.files.isEmpty, "the download that landed late is deleted")
        #expect(transport.inner.state.withLock { $0.fetches["a1"] } == 1)
    }
}

/// A ``ScriptedTransport`` whose downloads wait until the test opens the gate.
final class GatedTransport: TeleMessageTransport {
    let inner: ScriptedTransport
    private let gate = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    private let arrivalCount = Mutex(0)

    init(pages: [[String]]) throws {
        inner = try ScriptedTransport(pages: pages)
    }

    /// How many downloads have started.
    var arrivals: Int { arrivalCount.withLock { $0 } }

    func fetchRecords(_ request: PageRequest) async throws -> TeleMessageRecordPage {
        try await inner.fetchRecords(request)
    }

    func fetchAttachment(id: String, declaredSize: Int64) async throws -> TeleMessageAttachmentFile {
        arrivalCount.withLock { $0 += 1 }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let isOpen = gate.withLock { gate -> Bool in
                if !gate.isOpen { gate.waiters.append(continuation) }
                return gate.isOpen
            }
            if isOpen { continuation.resume() }
        }
        return try await inner.fetchAttachment(id: id, declaredSize: declaredSize)
    }

    /// Lets every waiting and later download proceed.
    func openGate() {
        let waiters = gate.withLock { gate -> [CheckedContinuation<Void, Never>] in
            gate.isOpen = true
            defer { gate.waiters.removeAll() }
            return gate.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
