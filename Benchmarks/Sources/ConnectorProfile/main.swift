// The connector as archive-daily composes it (TeleMessage export, CSV mapper, EML converter, Maildir sink, file
// checkpoint), run once over a window, for profilers:
//
//   valgrind --tool=callgrind .../ConnectorProfile --export DIR --maildir DIR [--mapping FILE] [--domain NAME]...
//       [--syncfs]
//
// archive-daily itself cannot run under valgrind 3.19: its asynchronous main hands the main thread to Dispatch,
// whose signal thread valgrind crashes on. Here the main thread just waits on a semaphore while a task runs the
// connector (detached: top-level code is on the main actor), and the program exits from that task. Prints the run's counts and its elapsed seconds.
import Dispatch
import Foundation
import TeleMessage
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Options: Sendable {
    var export = ""
    var maildir = ""
    var mapping: String?
    var domains: [String] = []
    var syncsWholeFileSystem = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            if flag == "--syncfs" {
                syncsWholeFileSystem = true
                continue
            }
            let value = iterator.next() ?? ""
            switch flag {
            case "--export": export = value
            case "--maildir": maildir = value
            case "--mapping": mapping = value
            case "--domain": domains.append(value)
            default:
                print("unknown option \(flag)")
                exit(2)
            }
        }
        if export.isEmpty || maildir.isEmpty {
            print(
                "usage: ConnectorProfile --export DIR --maildir DIR [--mapping FILE] [--domain NAME]... [--syncfs]"
            )
            exit(2)
        }
    }
}

func runConnector(_ options: Options) async throws {
    var sinkConfiguration = MaildirSink.Configuration(root: options.maildir)
    sinkConfiguration.syncsWholeFileSystem = options.syncsWholeFileSystem
    let configuration = Connector.Configuration()
    let connector = Connector(
        source: try TeleMessageSource(exportDirectory: options.export),
        mapper: try CSVPropertyMapper(mappingFilePath: options.mapping, domains: options.domains),
        converter: try EMLConverter(),
        sink: try MaildirSink(configuration: sinkConfiguration),
        checkpoints: try FileCheckpointStore(directory: options.maildir + "/.archiver-state"),
        configuration: configuration
    )
    let window = try TimeWindow(
        from: RFC3339.parse("2000-01-01T00:00:00Z")!,
        until: RFC3339.parse("2100-01-01T00:00:00Z")!
    )
    let clock = ContinuousClock()
    let start = clock.now
    let report = try await connector.run(window: window)
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print(
        "items \(report.itemsFromSource) imported \(report.imported) partial \(report.partiallyImported) "
            + "duplicates \(report.skippedDuplicates) failed \(report.failed) "
            + String(format: "seconds %.3f", seconds)
    )
}

let options = Options(CommandLine.arguments)
let finished = DispatchSemaphore(value: 0)
Task.detached {
    do {
        try await runConnector(options)
        exit(0)
    } catch {
        print("ConnectorProfile: \(error)")
        exit(1)
    }
}
finished.wait()
