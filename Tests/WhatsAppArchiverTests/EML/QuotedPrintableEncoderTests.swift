import Foundation
import Testing

@testable import WhatsAppArchiver

struct QuotedPrintableEncoderTests {
    static let samples = [
        "Hello", "", "a=b", "trailing space ", "tab\t", "From the desk", ".", "..leading dots",
        String(repeating: "x", count: 5000), String(repeating: "é", count: 300), "مرحبا 👋 שלום\nsecond line\n\nlast",
        String(repeating: "ab ", count: 100), String(repeating: "=", count: 80), "line\n--=_WA_x--",
    ]

    @Test(arguments: samples)
    func roundTripsAndObeysTheLineLimit(text: String) {
        let encoded = QuotedPrintableEncoder.encode(text)
        let lines = Self.lines(encoded)
        #expect(lines.allSatisfy { $0.count <= 76 })
        #expect(lines.allSatisfy { line in line.allSatisfy { $0 >= 0x20 && $0 < 0x7F || $0 == 0x09 } })
        #expect(lines.allSatisfy { $0.last != 0x20 && $0.last != 0x09 })
        #expect(Self.decode(encoded) == Array(text.utf8))
    }

    @Test func protectsLineStartsThatTransportsMangle() {
        let encoded = String(decoding: QuotedPrintableEncoder.encode("From me\n.\nFrom\nFromage"), as: UTF8.self)
        #expect(encoded == "=46rom me\r\n=2E\r\nFrom\r\nFromage\r\n")
    }

    @Test func neverWritesEqualsUnderscore() {
        let encoded = String(decoding: QuotedPrintableEncoder.encode("--=_WA_0123 a=_b"), as: UTF8.self)
        #expect(!encoded.contains("=_"))
    }

    static func lines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A {
                lines.append(bytes[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        return lines
    }

    /// An independent decoder (RFC 2045 section 6.7): soft breaks joined, hard breaks become `\n`.
    static func decode(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        let lines = lines(bytes)
        for (number, line) in lines.enumerated() {
            var index = line.startIndex
            var soft = false
            while index < line.endIndex {
                if line[index] == UInt8(ascii: "=") {
                    if index + 1 == line.endIndex {
                        soft = true
                        break
                    }
                    let hex = String(decoding: line[(index + 1)...(index + 2)], as: UTF8.self)
                    output.append(UInt8(hex, radix: 16)!)
                    index += 3
                } else {
                    output.append(line[index])
                    index += 1
                }
            }
            if !soft && number < lines.count - 1 { output.append(UInt8(ascii: "\n")) }
        }
        return output
    }
}

struct EMLPartBoundaryTests {
    @Test func rawTextLinesStartingWithTheBoundaryAreFound() {
        let boundary = Array("--=_WA_x".utf8)
        #expect(EMLPart.text(Array("a\r\n--=_WA_x--\r\n".utf8)).hasLine(startingWith: boundary))
        #expect(EMLPart.text(Array("--=_WA_x\r\n".utf8)).hasLine(startingWith: boundary))
        #expect(!EMLPart.text(Array("a --=_WA_x\r\n".utf8)).hasLine(startingWith: boundary))
    }

    @Test func quotedPrintableTextNeverHoldsABoundaryLine() {
        let encoded = QuotedPrintableEncoder.encode("--=_WA_x\n--=_WA_x--\n x")
        #expect(!EMLPart.text(encoded).hasLine(startingWith: Array("--=_WA_x".utf8)))
    }
}
