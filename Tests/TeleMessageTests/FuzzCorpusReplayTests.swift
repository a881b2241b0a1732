import Foundation
import Testing
import WhatsAppArchiver

@testable import TeleMessage

/// The seed corpus of the `ItemDecoder` fuzz target (`Fuzz/Corpus/ItemDecoder`), replayed by every `swift test`:
/// the hostile seeds (duplicate names, lone surrogates, deep nesting, injected line breaks, absurd timestamps,
/// path-like attachment ids) keep their outcome without the fuzzing toolchain. An input the fuzzer finds is added
/// here as a seed, and its expected outcome as a case of `ItemDecoderTests`.
struct FuzzCorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus/ItemDecoder")

    static let seeds: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }()

    @Test func theCorpusIsThere() {
        #expect(Self.seeds.count >= 20)
    }

    @Test(arguments: seeds)
    func aSeedDecodesSafely(_ name: String) throws {
        let bytes = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(name)))
        switch ItemDecoder().decode(bytes, position: "seed \(name)") {
        case .invalid(let record):
            #expect(!record.reason.isEmpty)
            let unsafe = record.reason.unicodeScalars.filter { scalar in
                [.control, .format, .lineSeparator, .paragraphSeparator].contains(scalar.properties.generalCategory)
            }
            #expect(unsafe.isEmpty, "the reason holds control or format characters: \(record.reason.debugDescription)")
        case .item(let item):
            #expect(Party.isValidPhone(item.from.phone))
            #expect(item.attachments.allSatisfy { Attachment.isValidID($0.id) })
            #expect(item.kind.isKnown || item.rawJSON != nil)
        }
    }
}
