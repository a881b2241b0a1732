import ArchiveEvidence
import ChatExport
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
        if let problem = MaildirSink.problem(withFolderName: options.folder) {
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
        var evidenceLog: EvidenceLog?
        if let microsoft365Sink {
            sink = microsoft365Sink
        } else {
            var sinkConfiguration = MaildirSink.Configuration(root: options.maildir!)
            sinkConfiguration.syncsWholeFileSystem = options.syncsWholeFileSystem
            // The evidence log: every stored message's digest in a tamper-evident log per folder; its new heads go
            // into the report, for the operator to anchor (Documentation/Evidence.md).
            evidenceLog = options.keepsEvidenceLog ? EvidenceLog(configuration: .init(runID: Self.runID())) : nil
            sinkConfiguration.commitLog = evidenceLog
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
        var window = try await connector.window(from: options.from, until: options.until)
        if let chat = source as? ChatExportSource {
            // A chat export's default window is the whole export, not the checkpoint's.
            window = try TimeWindow(
                from: options.from ?? chat.wholeExport.from,
                until: options.until ?? chat.wholeExport.until
            )
        }

        let run = Task { try await connector.run(window: window, progress: Terminal.progress) }
        let signals = Self.cancelOnSignals(run)
        defer { for signal in signals { signal.cancel() } }
        var report: RunReport
        do {
            report = try await run.value
        } catch {
            // The sink's owner closes it: the root's lock is released when the run has ended, however it ended.
            try? await sink.close()
            throw error
        }
        try await sink.close()
        report.logHeads = (evidenceLog?.heads ?? []).map {
            RunReport.LogHead(path: $0.folderPath, size: $0.head.size, root: $0.head.rootHex)
        }
        Terminal.clearProgress()
        if let path = options.report {
            try Self.writeReport(report, to: path)
        }
        return report
    }

    /// The run's id in the evidence log: its start time and a random suffix, unique across machines and reruns.
    private static func runID() -> String {
        RFC3339.format(Date()) + "-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
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
        case .chatExport(let chatExport):
            return try chatExport.makeSource(temporaryDirectory: downloads)
        }
    }

    /// Creates the private directory that holds attachment downloads, emptied of whatever a run killed with
    /// SIGKILL (or a power cut) left there: a transport removes its downloads when it closes, but a killed process
    /// never closes, and the system's temporary directory would keep those archive files for anyone to find.
    private static func prepareDownloadDirectory(_ path: String) throws {
        try Self.createPrivateDirectory(path)
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

    /// Writes the JSON report to `path` through a private (`0600`: it names items, senders and mailboxes)
    /// temporary file renamed into place, so that a reader never sees half a report.
    private static func writeReport(_ report: RunReport, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let written = FileManager.default.createFile(
            atPath: temporary,
            contents: try report.jsonData(),
            attributes: [.posixPermissions: 0o600]
        )
        guard written, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = unlink(temporary)
            throw ArchiverError(.storageFailed, "Cannot write the report to \(path): \(reason)", scope: .run)
        }
    }

    /// Creates `path` as a directory only its owner can enter (`0700`), or checks that it is one: a symbolic link
    /// or a file in its place is refused, so downloads never land where another user chose.
    private static func createPrivateDirectory(_ path: String) throws {
        let manager = FileManager.default
        if let type = try? manager.attributesOfItem(atPath: path)[.type] as? FileAttributeType {
            guard type == .typeDirectory else {
                throw ArchiverError(
                    .storageFailed,
                    "\(path) exists but is not a directory (or is a symbolic link); refusing to use it.",
                    scope: .run
                )
            }
        } else {
            do {
                try manager.createDirectory(atPath: path, withIntermediateDirectories: false)
            } catch {
                throw ArchiverError(
                    .storageFailed,
                    "Cannot create the directory \(path): \(error.localizedDescription)",
                    scope: .run
                )
            }
        }
        do {
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        } catch {
            throw ArchiverError(
                .storageFailed,
                "Cannot make \(path) private: \(error.localizedDescription)",
                scope: .run
            )
        }
    }
}
