// ChatExportBenchmark: how fast the chat-export source parses and archives, and how much memory it holds.
//
//   ChatExportBenchmark parse EXPORT                 lines/s and messages/s of reading every page
//   ChatExportBenchmark archive EXPORT MAILDIR CSV   messages/s of the whole connector into a Maildir
//   ChatExportBenchmark dump EXPORT                  every item (id, time, kind, parties, text, event), one a line:
//                                                    two builds' dumps compared with cmp show a faster parse kept
//                                                    the items byte for byte
//
// parse and archive print one JSON object: seconds, lines, items, rates and the peak resident memory (getrusage). Run by
// Benchmarks/chat-export.sh beside chat-miner on the same file.
import ChatExport
import Foundation
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

func peakResidentMegabytes() -> Double {
    var usage = rusage()
    #if canImport(Darwin)
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1_048_576
    #else
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
    #endif
}

/// User and system CPU seconds of the process so far: on a shared machine a steadier measure than wall time.
func cpuSeconds() -> Double {
    var usage = rusage()
    #if canImport(Darwin)
    getrusage(RUSAGE_SELF, &usage)
    #else
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    #endif
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
        + Double(usage.ru_stime.tv_usec) / 1e6
}

func countLines(_ path: String) throws -> Int {
    let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
    defer { try? handle.close() }
    var lines = 0
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
        lines += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
    return lines
}

func report(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: ChatExportBenchmark parse|archive EXPORT [MAILDIR CSV]\n".utf8))
    exit(2)
}
let path = arguments[2]
let lines = try countLines(path)
var configuration = ChatExportSource.Configuration(path: path)
configuration.chatName = "Benchmark"
configuration.dateOrder = .dayMonthYear

switch arguments[1] {
case "parse":
    let startCPU = cpuSeconds()
    let start = Date()
    let source = try ChatExportSource(configuration: configuration)
    let firstPassSeconds = Date().timeIntervalSince(start)
    var items = 0
    var invalid = 0
    var cursor: SourceCursor?
    repeat {
        let page = try await source.fetchPage(PageRequest(window: source.wholeExport, cursor: cursor, limit: 1000))
        items += page.items.count
        invalid += page.invalidRecords.count
        cursor = page.nextCursor
    } while cursor != nil
    await source.close()
    let seconds = Date().timeIntervalSince(start)
    report([
        "mode": "parse", "seconds": seconds, "firstPassSeconds": firstPassSeconds,
        "cpuSeconds": cpuSeconds() - startCPU, "lines": lines, "items": items, "invalid": invalid,
        "linesPerSecond": Double(lines) / seconds, "itemsPerSecond": Double(items) / seconds,
        "peakResidentMB": peakResidentMegabytes(),
    ])
case "dump":
    // Every item's id, time, kind, author and text, one per line, to compare two builds byte for byte.
    let source = try ChatExportSource(configuration: configuration)
    var cursor: SourceCursor?
    var out = ""
    repeat {
        let page = try await source.fetchPage(PageRequest(window: source.wholeExport, cursor: cursor, limit: 1000))
        for item in page.items {
            out +=
                "\(item.id)\t\(item.capturedAt.timeIntervalSince1970)\t\(item.kind)\t\(item.from)\t\(item.to.count)\t"
            out +=
                "\(String(reflecting: item.text))\t\(item.attachments.map(\.id))\t\(String(reflecting: item.event))\t"
            out += "\(String(reflecting: item.target))\n"
        }
        for record in page.invalidRecords { out += "invalid\t\(record)\n" }
        if out.utf8.count > 1 << 20 {
            FileHandle.standardOutput.write(Data(out.utf8))
            out = ""
        }
        cursor = page.nextCursor
    } while cursor != nil
    FileHandle.standardOutput.write(Data(out.utf8))
    await source.close()
case "archive":
    guard arguments.count == 5 else { exit(2) }
    configuration.participants = try ChatParticipants(contentsOf: arguments[4])
    let startCPU = cpuSeconds()
    let start = Date()
    let source = try ChatExportSource(configuration: configuration)
    var sinkConfiguration = MaildirSink.Configuration(root: arguments[3])
    sinkConfiguration.syncsWholeFileSystem = true
    var connectorConfiguration = Connector.Configuration()
    connectorConfiguration.commitEveryDeliveries = 10_000
    let connector = Connector(
        source: source,
        mapper: try CSVPropertyMapper(mappingFilePath: nil, domains: ["contoso.com"]),
        converter: try EMLConverter(),
        sink: try MaildirSink(configuration: sinkConfiguration),
        checkpoints: try FileCheckpointStore(directory: arguments[3] + "/.archiver-state"),
        configuration: connectorConfiguration
    )
    let result = try await connector.run(window: source.wholeExport)
    let seconds = Date().timeIntervalSince(start)
    report([
        "mode": "archive", "seconds": seconds, "cpuSeconds": cpuSeconds() - startCPU, "lines": lines,
        "items": result.itemsFromSource,
        "imported": result.imported, "partiallyImported": result.partiallyImported, "failed": result.failed,
        "messagesPerSecond": Double(result.imported + result.partiallyImported) / seconds,
        "peakResidentMB": peakResidentMegabytes(),
    ])
default:
    exit(2)
}
