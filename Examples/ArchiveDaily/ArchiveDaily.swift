import Dispatch
import Foundation
import Microsoft365
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
        if let problem = MaildirFolderName.problem(with: options.folder) {
            throw ArchiverError(.invalidConfiguration, "--folder \(options.folder): \(problem)")
        }
        let stateDirectory: String
        var microsoft365Sink: (any MailboxSink)?
        switch options.destination {
        case .maildir(let root):
            stateDirectory = options.state ?? root + "/.archiver-state"
        case .microsoft365(let microsoft365):
            stateDirectory = options.state!
            // The token and its permissions are checked here, before the source is opened or any item read.
            microsoft365Sink = try await microsoft365.makeSink(stateDirectory: stateDirectory)
        }
        let downloads = stateDirectory + "/downloads"
        // Wrong TeleMessage credentials stop the run here, before the Maildir root is created.
        let source = try await makeSource(downloads: downloads)
        let sink: any MailboxSink
        if let microsoft365Sink {
            sink = microsoft365Sink
        } else {
            var sinkConfiguration = MaildirSink.Configuration(root: options.maildir!)
            sinkConfiguration.syncsWholeFileSystem = options.syncsWholeFileSystem
            sink = try MaildirSink(configuration: sinkConfiguration)
        }
        let checkpoints = try FileCheckpointStore(directory: stateDirectory)
        if case .account = options.input {
            // Only now, with the Maildir's lock held, is it safe to clear what a killed run left here.
            try Self.prepareDownloadDirectory(downloads)
        }

        var configuration = Connector.Configuration()
        configuration.folder = options.folder
        if let commitEvery = options.commitEvery { configuration.commitEveryDeliveries = commitEvery }
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
        let report: RunReport
        do {
            report = try await run.value
        } catch {
            // The sink's owner closes it: the root's lock is released when the run has ended, however it ended.
            try? await sink.close()
            throw error
        }
        try await sink.close()
        Terminal.clearProgress()
        if let path = options.report {
            try POSIXFiles.writeFileAtomically(path, Array(try report.jsonData()))
        }
        return report
    }

    private func makeSource(downloads: String) async throws -> any MessageSource {
        switch options.input {
        case .export(let directory):
            return try TeleMessageSource(exportDirectory: directory)
        case .account(let url, let username, let passwordVariable):
            guard let baseURL = URL(string: url) else {
                throw ArchiverError(.invalidConfiguration, "--url \(url) is not a URL.")
            }
            let credentials = TeleMessageCredentials.environment(username: username, variable: passwordVariable)
            var configuration = HTTPTransport.Configuration(baseURL: baseURL)
            configuration.temporaryDirectory = downloads
            let transport = try HTTPTransport(configuration: configuration, credentials: credentials)
            try await transport.verifyCredentials()
            return TeleMessageSource(transport: transport)
        }
    }

    /// Creates the private directory that holds attachment downloads, emptied of whatever a run killed with
    /// SIGKILL (or a power cut) left there: a transport removes its downloads when it closes, but a killed process
    /// never closes, and the system's temporary directory would keep those archive files for anyone to find.
    private static func prepareDownloadDirectory(_ path: String) throws {
        try POSIXFiles.ensureDirectory(path)
        let leftovers: [String]
        do {
            leftovers = try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw ArchiverError(
                .storageFailed,
                "Cannot list the download directory \(path): \(error.localizedDescription)",
                scope: .run
            )
        }
        for name in leftovers {
            do {
                try FileManager.default.removeItem(atPath: path + "/" + name)
            } catch {
                throw ArchiverError(
                    .storageFailed,
                    "Cannot remove \(path)/\(name), left by an interrupted run: \(error.localizedDescription). "
                        + "Remove it by hand, then run again.",
                    scope: .run
                )
            }
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
