import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

@testable import WhatsAppArchiver

/// Seeded random items made of hostile pieces (line breaks, NUL, controls, bidirectional overrides, encoded-word
/// look-alikes, boundary look-alikes, specials, long runs, emoji, right-to-left text) in every untrusted field.
///
/// Every message must obey the byte rules. With `EML_CORPUS_DIR` set, the messages are also written there, so
/// that `.ci/checks/eml.sh` can parse them with Python's `email` package.
struct EMLFuzzTests {
    static let pieces = [
        "\r", "\n", "\r\n", "\u{0}", "\u{1B}", "\u{7F}", "\u{85}", "\u{9B}", "\u{202E}", "\u{2066}", "\u{2028}",
        "\u{FEFF}", "=?", "?=", "=?utf-8?B?QQ==?=", "\"", "\\", "<", ">", "@", ",", ";", ":", "(", ")", "--=_WA_",
        "From ", ".", " ", "  ", "\t", "é", "ж", "中", "👨‍👩‍👧", "🇸🇪", "e\u{301}", "שלום", "مرحبا", "a", "Z", "0",
        "%", "'", "*", "/", "..", "Bcc: x@y.z", String(repeating: "x", count: 80), String(repeating: "ü", count: 40),
    ]

    static func text(_ generator: inout SeededRandomNumberGenerator, maximumPieces: Int = 30) -> String {
        let count = Int(generator.next() % UInt64(maximumPieces + 1))
        return (0..<count).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
    }

    static func party(_ generator: inout SeededRandomNumberGenerator) -> Party {
        let digits = String(1_000_000_000 + generator.next() % 8_999_999_999)
        let email: String? = generator.next() % 3 == 0 ? text(&generator, maximumPieces: 4) + "@example.com" : nil
        return Party(phone: "+" + digits, name: text(&generator), email: email)
    }

    static func item(_ seed: UInt64) -> (Item, String?) {
        var generator = SeededRandomNumberGenerator(seed: seed)
        let kinds: [ItemKind] = [
            .message, .call, .deletion, .edit, .reaction, .event, ItemKind(rawValue: text(&generator)),
        ]
        let kind = kinds[Int(generator.next() % UInt64(kinds.count))]
        let idLength = 1 + Int(generator.next() % 256)
        let id = String((0..<idLength).map { _ in Character(Unicode.Scalar(UInt8(0x21 + generator.next() % 94))) })
        let type: ConversationType = [.individual, .group, .broadcast][Int(generator.next() % 3)]
        var item = Item(
            id: id,
            captureMode: .phone,
            kind: kind,
            capturedAt: Date(timeIntervalSince1970: Double(generator.next() % 4_000_000_000)),
            sentAt: Date(timeIntervalSince1970: Double(generator.next() % 4_000_000_000)),
            owner: party(&generator),
            conversation: Conversation(id: text(&generator, maximumPieces: 5), type: type, name: text(&generator)),
            from: party(&generator),
            to: (0..<Int(generator.next() % 5)).map { _ in party(&generator) },
            text: text(&generator, maximumPieces: 200),
            replyTo: generator.next() % 2 == 0 ? text(&generator, maximumPieces: 3) : nil,
            forwarded: generator.next() % 2 == 0
        )
        item.rawJSON = text(&generator)
        item.location =
            generator.next() % 4 == 0 ? Location(latitude: 1.5, longitude: -2.25, name: text(&generator)) : nil
        item.call = Call(media: .video, status: .missed, durationSeconds: Int(generator.next() % 10_000))
        item.target = Target(
            id: text(&generator, maximumPieces: 3),
            text: text(&generator),
            newText: text(&generator),
            attachmentNames: [text(&generator), text(&generator)],
            scope: .everyone,
            readState: .unread,
            emoji: text(&generator, maximumPieces: 2)
        )
        item.event = Event(
            type: .participantAdded,
            actor: party(&generator),
            targets: [party(&generator)],
            subject: text(&generator),
            description: text(&generator)
        )
        item.attachments = (0..<Int(generator.next() % 3)).map { index in
            let bytes = (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let content: AttachmentContent =
                generator.next() % 4 == 0
                ? .unavailable(ArchiverError(.attachmentMissing, text(&generator)))
                : AttachmentContent { MemoryAttachmentReader(bytes) }
            return WhatsAppArchiver.Attachment(
                id: "att-\(index)",
                fileName: text(&generator),
                contentType: text(&generator, maximumPieces: 4),
                size: Int64(bytes.count),
                caption: text(&generator),
                content: content
            )
        }
        let quarantine: String? = generator.next() % 3 == 0 ? text(&generator) : nil
        return (item, quarantine)
    }

    @Test(arguments: 0..<500)
    func hostileItemsObeyTheByteRules(seed: Int) async throws {
        let (item, quarantine) = Self.item(UInt64(seed))
        let request = EMLFixtures.request(item, quarantine: quarantine)
        let converter = try EMLConverter()
        let bytes = try await converter.convert(request).body.collect()
        #expect(EMLRules.violations(bytes) == [])
        if let directory = ProcessInfo.processInfo.environment["EML_CORPUS_DIR"] {
            let base = URL(fileURLWithPath: directory)
            try Data(bytes).write(to: base.appendingPathComponent("fuzz-\(seed).eml"))
            let expected = try await Self.expectations(request, converter: converter)
            try JSONSerialization.data(withJSONObject: expected, options: [.sortedKeys])
                .write(to: base.appendingPathComponent("fuzz-\(seed).expected.json"))
        }
    }

    /// What a decoder must read back: the subject, the display names, and each attachment's file name and digest
    /// (`null` for a placeholder). Check-eml compares them with what Python's `email` package decodes.
    static func expectations(_ request: ConversionRequest, converter: EMLConverter) async throws -> [String: Any] {
        let item = request.item
        let book = EMLAddressBook(mapping: request.mapping, configuration: converter.configuration)
        var attachments: [[String: Any]] = []
        for (index, attachment) in item.attachments.enumerated() {
            let name = UntrustedText.fileName(attachment.fileName, fallback: "attachment-\(attachment.id)")
            do {
                let reader = try await attachment.content.open()
                defer { reader.close() }
                var hasher = SHA256()
                _ = try await reader.forEachChunk { hasher.update(Array($0)) }
                attachments.append(["filename": name, "sha256": SHA256.hex(hasher.finalize())])
            } catch {
                attachments.append(["filename": NSNull(), "sha256": NSNull(), "index": index])
            }
        }
        return [
            "subject": UntrustedText.singleLine(EMLSubjectRenderer.subject(for: item), maximumCharacters: 512),
            "from": book.displayName(for: item.from),
            "to": item.to.map { book.displayName(for: $0) },
            "attachments": attachments,
            "itemId": item.id,
        ]
    }
}
