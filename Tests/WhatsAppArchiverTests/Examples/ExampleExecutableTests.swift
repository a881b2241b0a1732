import Foundation
import Testing

/// Runs the example executables that `swift build` put beside the test bundle, as a newcomer would run them.
struct ExampleExecutableTests {
    private static func run(_ name: String) throws -> (status: Int32, output: String) {
        // The test bundle lives in the build products directory, beside the example executables.
        var directory = Bundle.main.bundleURL
        if !FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path) {
            directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        }
        var executable = directory.appendingPathComponent(name)
        while !FileManager.default.fileExists(atPath: executable.path), directory.path != "/" {
            directory = directory.deletingLastPathComponent()
            executable = directory.appendingPathComponent(name)
        }
        let process = Process()
        process.executableURL = executable
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func mockSourceRunsThePipelineAndPrintsAReport() throws {
        let (status, output) = try Self.run("MockSource")
        #expect(status == 0)
        #expect(output.contains("alice@contoso.com\twa-1"))
        #expect(output.contains("\"itemsFromSource\": 4"))
        #expect(output.contains("\"reason\": \"unmapped\""))
    }

    @Test func customSinkPrintsEveryDelivery() throws {
        let (status, output) = try Self.run("CustomSink")
        #expect(status == 0)
        #expect(output.contains("deliver wa-1 to alice@contoso.com [WhatsApp Archiver]"))
        #expect(output.contains("imported 4, duplicates 0, failed 0"))
    }
}
