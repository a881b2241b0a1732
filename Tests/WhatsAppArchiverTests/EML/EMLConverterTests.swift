import Foundation
import Synchronization
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

struct EMLConverterTests {
    @Test func messageIDIsDerivedFromTheItemIDAlone() async throws {
        let converter = try EMLFixtures.converter()
        var first = EMLFixtures.item(id: "wa-<evil>\"id\"", text: "one")
        let second = EMLFixtures.item(id: "wa-<evil>\"id\"", conversation: SampleItems.salesGroup, text: "two")
        first.sentAt = Date(timeIntervalSince1970: 0)
        let id = converter.messageID(for: first)
        #expect(id == converter.messageID(for: second))
        #expect(id != converter.messageID(for: EMLFixtures.item(id: "wa-other")))
        #expect(id.hasPrefix("wa.") && id.hasSuffix("@archiver.invalid"))
        let hex = id.dropFirst(3).prefix { $0 != "@" }
        #expect(hex.count == 32 && hex.allSatisfy(\.isHexDigit))
        let message = try await converter.convert(EMLFixtures.request(first))
        #expect(message.messageID == id)
        #expect(EMLRules.header("Message-ID", in: try await message.body.collect()) == "<\(id)>")
    }

    @Test(arguments: ["wa-3EB0C4F1A2", "=?utf-8?B?QQ==?=", String(repeating: "~", count: 256)])
    func itemIDHeaderDecodesToTheItemID(id: String) async throws {
        let bytes = try await EMLFixtures.converter().convert(EMLFixtures.request(EMLFixtures.item(id: id))).body
            .collect()
        let value = try #require(EMLRules.header("X-TeleMessage-Item-Id", in: bytes))
        if id.contains("=?") {
            let decoded = value.split(separator: " ").map { word in
                Data(base64Encoded: String(word.dropFirst(10).dropLast(2))).map { String(decoding: $0, as: UTF8.self) }
            }
            #expect(decoded.map { $0 ?? "?" }.joined() == id)
        } else {
            #expect(value == id)
        }
        #expect(EMLRules.violations(bytes) == [])
    }

    @Test(arguments: ["", "has space", "tab\there", "line\r\nbreak", "é", String(repeating: "x", count: 257)])
    func itemIDsOutsideTheContractAreRefused(id: String) async throws {
        let converter = try EMLFixtures.converter()
        await #expect {
            _ = try await converter.convert(EMLFixtures.request(EMLFixtures.item(id: id)))
        } throws: { error in
            (error as? ArchiverError)?.code == .conversionFailed && (error as? ArchiverError)?.scope == .item
        }
    }

    @Test func repliesDeletionsEditsAndReactionsThreadUnderTheirTargetAndConversation() async throws {
        let converter = try EMLFixtures.converter()
        let target = converter.messageID(for: EMLFixtures.item(id: "wa-3EB0C4F1A2"))
        let root = try #require(
            EMLRules.header(
                "References",
                in: try await converter.convert(EMLFixtures.request(EMLFixtures.item(id: "wa-x"))).body.collect()
            )
        )
        #expect(root.hasPrefix("<conv.") && !root.contains(" "))
        for item in [EMLFixtures.deletion(scope: .everyone, read: .read), EMLFixtures.edit()] {
            let bytes = try await converter.convert(EMLFixtures.request(item)).body.collect()
            #expect(EMLRules.header("In-Reply-To", in: bytes) == "<\(target)>")
            #expect(EMLRules.header("References", in: bytes) == "\(root) <\(target)>")
        }
        let reply = try await converter.convert(EMLFixtures.request(EMLFixtures.groupMessage())).body.collect()
        let replied = converter.messageID(for: EMLFixtures.item(id: "wa-3EB0C4F0FF"))
        #expect(EMLRules.header("In-Reply-To", in: reply) == "<\(replied)>")
    }

    @Test func unavailableAttachmentsBecomePlaceholdersAndPartialReasons() async throws {
        let converter = try EMLFixtures.converter()
        let message = try await converter.convert(EMLFixtures.request(EMLFixtures.unavailableAttachments()))
        #expect(message.partialReasons.map(\.code) == [.attachmentMissing, .attachmentIntegrity])
        #expect(message.partialReasons[0].detail.contains("att-gone"))
        #expect(message.partialReasons[0].detail.contains("report.pdf"))
        let text = String(decoding: try await message.body.collect(), as: UTF8.self)
        #expect(text.contains("The attachment \"report.pdf\""))
        #expect(text.contains("(attachment_missing)"))
        #expect(text.contains("(attachment_integrity)"))
        #expect(text.contains("filename=\"ok.txt\""))
    }

    @Test func otherAttachmentErrorsAreRethrownAndOpenedReadersClosed() async throws {
        let log = ReaderLog()
        var item = EMLFixtures.item(id: "wa-fail", text: "x")
        item.attachments = [
            log.attachment(id: "a1", bytes: [1, 2, 3]),
            WhatsAppArchiver.Attachment(
                id: "a2",
                size: 1,
                content: .unavailable(ArchiverError(.storageFailed, "disk gone"))
            ),
        ]
        await #expect {
            _ = try await EMLFixtures.converter().convert(EMLFixtures.request(item))
        } throws: { error in
            (error as? ArchiverError)?.code == .storageFailed
        }
        #expect(log.opened == 1 && log.closed == 1)
    }

    @Test func readersAreClosedAfterWritingAndWhenTheBodyIsNeverWritten() async throws {
        let log = ReaderLog()
        var item = EMLFixtures.item(id: "wa-close", text: "x")
        item.attachments = [log.attachment(id: "a1", bytes: [1, 2, 3]), log.attachment(id: "a2", bytes: [4])]
        let converter = try EMLFixtures.converter()
        _ = try await converter.convert(EMLFixtures.request(item)).body.collect()
        #expect(log.opened == 2 && log.closed == 2)
        do {
            _ = try await converter.convert(EMLFixtures.request(item))
        }
        #expect(log.opened == 4 && log.closed == 4)
    }

    @Test func aBodyWrittenTwiceReopensItsAttachments() async throws {
        let log = ReaderLog()
        var item = EMLFixtures.item(id: "wa-twice", text: "x")
        item.attachments = [log.attachment(id: "a1", bytes: Array(0..<200))]
        let message = try await EMLFixtures.converter().convert(EMLFixtures.request(item))
        let first = try await message.body.collect()
        let second = try await message.body.collect()
        #expect(first == second)
        #expect(log.opened == 2 && log.closed == 2)
    }

    /// A large attachment passes through in chunks no larger than the output buffer and decodes to its bytes.
    @Test func largeAttachmentsStreamInBoundedChunks() async throws {
        let size = 8 << 20
        var item = EMLFixtures.item(id: "wa-big", text: "big")
        item.attachments = [
            WhatsAppArchiver.Attachment(
                id: "big",
                fileName: "video.mp4",
                contentType: "video/mp4",
                size: Int64(size),
                content: AttachmentContent { PatternReader(size: size) }
            )
        ]
        let message = try await EMLFixtures.converter().convert(EMLFixtures.request(item))
        let sink = DecodingWriter()
        var writer = sink
        try await message.body.write(to: &writer)
        #expect(sink.largestWrite <= 1 << 16)
        #expect(sink.decodedCount == size)
        var expected = SHA256()
        let reader = PatternReader(size: size)
        _ = try await reader.forEachChunk { expected.update(Array($0)) }
        #expect(sink.digest() == expected.finalize())
    }

    @Test func quarantineReasonIsAHeaderAndInTheBody() async throws {
        let request = EMLFixtures.request(EMLFixtures.noRecipients(), quarantine: "unmapped: no_entry")
        let bytes = try await EMLFixtures.converter().convert(request).body.collect()
        #expect(EMLRules.header("X-Archiver-Quarantine-Reason", in: bytes) == "unmapped: no_entry")
        #expect(EMLRules.header("To", in: bytes) == "undisclosed-recipients:;")
    }

    @Test func dateHeaderIsRFC5322InEnglishWithANumericZone() async throws {
        var item = EMLFixtures.item(id: "wa-date")
        item.sentAt = RFC3339.parse("2024-02-29T23:59:59.999Z")!
        let bytes = try await EMLFixtures.converter().convert(EMLFixtures.request(item)).body.collect()
        #expect(EMLRules.header("Date", in: bytes) == "Thu, 29 Feb 2024 23:59:59 +0000")
    }

    @Test func randomBoundariesDifferAndContainEqualsUnderscore() async throws {
        let converter = try EMLConverter()
        let request = EMLFixtures.request(EMLFixtures.groupMessage())
        let first = try await converter.convert(request).body.collect()
        let second = try await converter.convert(request).body.collect()
        let boundaries = [first, second].compactMap { EMLRules.header("Content-Type", in: $0) }
        #expect(boundaries.count == 2 && boundaries[0] != boundaries[1])
        #expect(boundaries.allSatisfy { $0.contains("boundary=\"=_WA_") })
        #expect(EMLRules.violations(first) == [])
    }

    @Test func boundaryTokensAreFiltered() async throws {
        let converter = try EMLConverter(
            configuration: .init(boundaryGenerator: FixedMIMEBoundaryGenerator(token: "a b\r\n\"c"))
        )
        let bytes = try await converter.convert(EMLFixtures.request(EMLFixtures.groupMessage())).body.collect()
        #expect(EMLRules.header("Content-Type", in: bytes) == "multipart/mixed; boundary=\"=_WA_abc\"")
    }

    @Test(arguments: [("placeholderDomain", "not a domain"), ("messageIDDomain", "nodot"), ("messageIDDomain", "")])
    func unusableDomainsAreRejected(field: String, value: String) {
        var configuration = EMLConverter.Configuration()
        if field == "placeholderDomain" {
            configuration.placeholderDomain = value
        } else {
            configuration.messageIDDomain = value
        }
        #expect {
            _ = try EMLConverter(configuration: configuration)
        } throws: { error in
            let error = error as? ArchiverError
            return error?.code == .invalidConfiguration && error?.message.contains(field) == true
        }
    }

    @Test func participantsWithoutMailboxUseEmailThenPlaceholder() async throws {
        let outsider = Party(phone: "+4915112345678", name: "Bernd", email: "bernd@partner.example")
        let malformed = Party(phone: "+4915112340000", name: "Bad", email: "not an address")
        let item = EMLFixtures.item(id: "wa-addr", to: [outsider, malformed])
        let bytes = try await EMLFixtures.converter().convert(EMLFixtures.request(item)).body.collect()
        let to = try #require(EMLRules.header("To", in: bytes))
        #expect(to.contains("<bernd@partner.example>"))
        #expect(to.contains("<4915112340000@whatsapp.invalid>"))
    }
}

/// Counts how many readers were opened and closed.
final class ReaderLog: Sendable {
    private let counts = Mutex((opened: 0, closed: 0))

    var opened: Int { counts.withLock { $0.opened } }
    var closed: Int { counts.withLock { $0.closed } }

    func attachment(id: String, bytes: [UInt8]) -> WhatsAppArchiver.Attachment {
        WhatsAppArchiver.Attachment(
            id: id,
            size: Int64(bytes.count),
            content: AttachmentContent {
                self.counts.withLock { $0.opened += 1 }
                return LoggedReader(bytes: bytes) { self.counts.withLock { $0.closed += 1 } }
            }
        )
    }
}

final class LoggedReader: AttachmentReader {
    private let inner: MemoryAttachmentReader
    private var onClose: (() -> Void)?

    init(bytes: [UInt8], onClose: @escaping () -> Void) {
        inner = MemoryAttachmentReader(bytes)
        self.onClose = onClose
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int { try await inner.read(into: buffer) }

    func close() {
        onClose?()
        onClose = nil
    }
}

/// Yields `size` bytes of a fixed pattern without holding them.
final class PatternReader: AttachmentReader {
    private let size: Int
    private var offset = 0

    init(size: Int) { self.size = size }

    func read(into buffer: UnsafeMutableRawBufferPointer) async throws -> Int {
        let count = min(buffer.count, size - offset)
        for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: (offset + index) &* 2_654_435_761 >> 13) }
        offset += count
        return count
    }

    func close() {}
}

/// Decodes the base64 lines of the one attachment part as they arrive, keeping only a digest.
final class DecodingWriter: EmailByteWriter {
    private(set) var largestWrite = 0
    private(set) var decodedCount = 0
    private var hasher = SHA256()
    private var line: [UInt8] = []
    private var state = 0  // 0: before the attachment's headers, 1: in its headers, 2: in its body, 3: after.

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        largestWrite = max(largestWrite, bytes.count)
        for byte in bytes {
            if byte != 0x0A {
                line.append(byte)
                continue
            }
            let text = String(decoding: line.dropLast(), as: UTF8.self)
            line.removeAll(keepingCapacity: true)
            switch state {
            case 0: if text == "Content-Type: video/mp4" { state = 1 }
            case 1: if text.isEmpty { state = 2 }
            case 2:
                if text.hasPrefix("--") {
                    state = 3
                } else if let data = Data(base64Encoded: text) {
                    decodedCount += data.count
                    hasher.update(Array(data))
                }
            default: break
            }
        }
    }

    func finish() {}

    func digest() -> [UInt8] { hasher.finalize() }
}
