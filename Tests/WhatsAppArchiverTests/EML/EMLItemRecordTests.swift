import ArchiveEvidence
import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

/// The item as data in every message (`X-WhatsApp-Item-Record`): for every golden case, the message the converter
/// writes, stored as the Maildir sink stores it (LF line endings), gives back the item field by field, and every
/// attachment it holds byte for byte. This is what lets `archive-export` work from the archive alone.
@Suite struct EMLItemRecordTests {
    @Test(arguments: EMLFixtures.all)
    func theStoredMessageGivesBackTheItem(fixture: EMLFixtures.Case) async throws {
        let message = try await EMLFixtures.converter().convert(fixture.request)
        var bytes = try await message.body.collect()
        bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n").utf8)
        let archived = try ArchivedMessage(bytes: bytes, path: fixture.name)
        let original = fixture.request.item
        let item = archived.item
        #expect(archived.messageID == message.messageID)
        #expect(item.id == original.id)
        #expect(item.kind == original.kind)
        #expect(item.network == original.network)
        #expect(item.captureMode == original.captureMode)
        #expect(item.sentAt == original.sentAt)
        #expect(item.capturedAt == original.capturedAt)
        #expect(item.owner == original.owner)
        #expect(item.conversation == original.conversation)
        #expect(item.from == original.from)
        #expect(item.to == original.to)
        #expect(item.text == original.text)
        #expect(item.replyTo == original.replyTo)
        #expect(item.forwarded == original.forwarded)
        #expect(item.location == original.location)
        #expect(item.call == original.call)
        #expect(item.target == original.target)
        #expect(item.event == original.event)
        #expect(item.rawJSON == original.rawJSON)
        #expect(item.attachments.count == original.attachments.count)
        for (decoded, expected) in zip(item.attachments, original.attachments) {
            #expect(decoded.id == expected.id)
            #expect(decoded.fileName == expected.fileName)
            #expect(decoded.contentType == expected.contentType)
            #expect(decoded.size == expected.size)
            #expect(decoded.sha256 == expected.sha256)
            #expect(decoded.kind == expected.kind)
            #expect(decoded.caption == expected.caption)
            // The bytes: those the source provides are in the message; those it cannot are not.
            var source: [UInt8]?
            if let reader = try? await expected.content.open() {
                var collected: [UInt8] = []
                _ = try? await reader.forEachChunk { collected += $0 }
                reader.close()
                source = collected
            }
            if let source, source.count == Int(expected.size) {
                #expect(archived.attachmentBytes[expected.id] == source, "\(expected.id)")
            } else {
                #expect(archived.attachmentBytes[expected.id] == nil, "\(expected.id)")
            }
        }
    }

    @Test func aMessageWithoutARecordIsRefusedWithItsPath() {
        let bytes = Array("From: a@b.c\nMessage-ID: <x@y>\n\nhello\n".utf8)
        #expect(throws: ArchiverError.self) { try ArchivedMessage(bytes: bytes, path: "alice/new/1.x") }
    }
}
