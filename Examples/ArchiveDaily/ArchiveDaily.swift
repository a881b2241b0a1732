import Dispatch
import Foundation
import TeleMessage
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Composes the connector from the command line and runs it once.
struct ArchiveDaily {
    let options: Options

    func run() async throws -> RunReport {
        // Checked before anything is written: a broken mapping file and wrong credentials stop the run here.
        let mapper = try CSVPropertyMapper(
            mappingFilePath: options.mapping,
            automaticMapping: options.automaticMapping,
            userListPath: options.users,
            domains: options.domains
        )
        if options.users == nil, options.domains.isEmpty {
            Terminal.error(
                "archive-daily: no --users or --domain given: every well-formed address is taken as a valid mailbox."
            )
        }
        let source = try await makeSource()
        var sinkConfiguration = MaildirSink.Configuration(root: options.maildir)
        sinkConfiguration.syncsWholeFileSystem = options.syncsWholeFileSystem
        let sink = try MaildirSink(configuration: sinkConfiguration)
        let checkpoints = try FileCheckpointStore(directory: options.state ?? options.maildir + "/.archiver-state")

        var configuration = Connector.Configuration()
        configuration.folder = options.folder
        if let commitEvery = options.commitEvery { configuration.commitEveryDeliveries = commitEvery }
        if let parallelCopies = options.parallelCopies { configuration.copiesInParallel = parallelCopies }
        let connector = Connector(
            source: source,
            mapper: mapper,
            converter: try EMLConverter(),
            sink: sink,
            checkpoints: checkpoints,
            configuration: configuration
        )
        let window = try await connector.window(from: options.from, until: options.until)

        let run = Task { try await connector.run(window: window, progress: Terminal.progress) }
        let signals = Self.cancelOnSignals(run)
        defer { for signal in signals { signal.cancel() } }
        let report = try await run.value
        Terminal.clearProgress()
        if let path = options.report {
            try POSIXFiles.writeFileAtomically(path, Array(try report.jsonData()))
        }
        return report
    }

    private func makeSource() async throws -> any MessageSource {
        switch options.input {
        case .export(let directory):
            return try TeleMessageSource(exportDirectory: directory)
        case .account(let url, let username, let passwordVariable):
            guard let baseURL = URL(string: url) else {
                throw ArchiverError(.invalidConfiguration, "--url \(url) is not a URL.")
            }
            let credentials = TeleMessageCredentials.environment(username: username, variable: passwordVariable)
            let transport = try HTTPTransport(
                configuration: HTTPTransport.Configuration(baseURL: baseURL),
                credentials: credentials
            )
            try await transport.verifyCredentials()
            return TeleMessageSource(transport: transport)
        }
    }

    /// SIGINT and SIGTERM cancel the run: it stops at the next item, commits what it delivered and saves the
    /// checkpoint, so an operator's Ctrl-C or a systemd stop never costs a re-delivery.
    private static func cancelOnSignals(_ task: Task<RunReport, any Error>) -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
    }
}
