import Foundation
import Testing
import WhatsAppArchiverTesting

@testable import TeleMessage

/// The JSON parser against an independent oracle: Python's `json` module (strict, no `NaN`/`Infinity`) and its
/// strict UTF-8 decoder must agree with ours on whether each of thousands of mutated records is JSON at all.
@Suite(.enabled(if: FakeTeleMessageServer.isAvailable, "python3 is the oracle"))
struct JSONOracleTests {
    static let oracle = """
        import json, sys
        def reject(constant):
            raise ValueError(constant)
        for line in open(sys.argv[1]):
            data = bytes.fromhex(line.strip())
            try:
                json.loads(data.decode("utf-8"), parse_constant=reject)
                print(1)
            except (ValueError, RecursionError):
                print(0)
        """

    static func mutations(count: Int) -> [[UInt8]] {
        let seeds =
            try! String(contentsOfFile: Fixtures.exportDirectory + "/items.jsonl", encoding: .utf8)
            .split(separator: "\n").map { Array($0.utf8) }
            + [Array(#"{"a":[1,-0.5e+3,true,false,null,"\u00e9\ud83d\ude00\n"],"b":{}}"#.utf8)]
        let alphabet =
            Array(#"{}[]:,"\ -+.eE0123456789tfnulrsaTFN/bu"#.utf8) + [
                0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xA9, 0xED, 0xF0, 0xFF,
            ]
        var random = SeededRandomNumberGenerator(seed: 20_261_123)
        var result: [[UInt8]] = []
        for index in 0..<count {
            var bytes = seeds[index % seeds.count]
            for _ in 0..<Int.random(in: 1...3, using: &random) where !bytes.isEmpty {
                let position = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<5, using: &random) {
                case 0: bytes.remove(at: position)
                case 1: bytes.insert(alphabet.randomElement(using: &random)!, at: position)
                case 2: bytes[position] = alphabet.randomElement(using: &random)!
                case 3: bytes.removeSubrange(position...)
                default:
                    let end = min(bytes.count, position + Int.random(in: 1...8, using: &random))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                }
            }
            result.append(bytes)
        }
        return result
    }

    @Test func agreesWithPythonOnWhatIsJSON() throws {
        let inputs = Self.mutations(count: 4000)
        let directory = try Fixtures.scratchDirectory()
        let inputPath = directory + "/inputs.hex"
        let scriptPath = directory + "/oracle.py"
        let hex = inputs.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n") + "\n"
        try Data(hex.utf8).write(to: URL(fileURLWithPath: inputPath))
        try Data(Self.oracle.utf8).write(to: URL(fileURLWithPath: scriptPath))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", scriptPath, inputPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let answers = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .split(separator: "\n").map { $0 == "1" }
        process.waitUntilExit()
        try #require(answers.count == inputs.count)

        var disagreements = 0
        var accepted = 0
        for (input, pythonAccepts) in zip(inputs, answers) {
            let weAccept =
                ItemDecoder.firstInvalidUTF8Offset(input) == nil
                && (try? JSONDocument(bytes: input, maximumDepth: 64)) != nil
            if weAccept { accepted += 1 }
            if weAccept != pythonAccepts {
                disagreements += 1
                if disagreements <= 5 {
                    Issue.record("disagree (python \(pythonAccepts)): \(String(decoding: input, as: UTF8.self))")
                }
            }
        }
        #expect(disagreements == 0)

        // The decoder takes every mutation without trapping, and reports each one it cannot use with a reason.
        let decoder = ItemDecoder()
        for (index, input) in inputs.enumerated() {
            if case .invalid(let invalid) = decoder.decode(input, position: "mutation \(index)") {
                #expect(!invalid.reason.isEmpty)
            }
        }
        #expect(accepted > 100 && accepted < inputs.count - 100, "the corpus holds both valid and invalid JSON")
    }
}
