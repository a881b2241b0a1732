import Foundation
import WhatsAppArchiver

/// The command line of `archive-daily`, exactly as `archive-daily.md` gives it.
struct Options {
    enum Input {
        case export(directory: String)
        case account(url: String, username: String, passwordVariable: String)
        /// A WhatsApp chat export (chat-export.md).
        case chatExport(ChatExportOptions)
    }

    /// Where the messages go.
    enum Destination {
        case maildir(root: String)
        case microsoft365(Microsoft365Options)
    }

    var input: Input
    var destination: Destination
    /// The Maildir root, or `nil` for the Microsoft 365 destination.
    var maildir: String? {
        if case .maildir(let root) = destination { root } else { nil }
    }
    var state: String?
    var mapping: String?
    var automaticMapping = true
    var users: String?
    var domains: [String] = []
    var from: Date?
    var until: Date?
    var folder = "WhatsApp Archiver"
    var report: String?
    /// One `syncfs` per commit instead of an `fsync` per message (MaildirSink.Configuration.syncsWholeFileSystem):
    /// for a Maildir root on a volume of its own.
    var syncsWholeFileSystem = false
    /// Commit (sync, then move the checkpoint) after this many deliveries; `nil` keeps the connector's default.
    var commitEvery: Int?
    /// Keep the evidence log (ArchiveEvidence's EvidenceLog) of every stored message: on unless
    /// `--no-evidence-log`.
    var keepsEvidenceLog = true

    static let usage = """
        usage: archive-daily (--export DIR | --url URL --username NAME [--password-env VAR]
                              | --chat-export PATH [--chat-owner PHONE] [--chat-participants FILE.csv]
                                [--chat-time-zone ZONE] [--chat-date-order auto|dmy|mdy|ymd] [--chat-name NAME])
                             (--maildir DIR | --m365-tenant TENANT --m365-client-id ID
                                              [--m365-secret-env VAR] [--m365-login-url URL]
                                              [--m365-graph-url URL])
                             [--state DIR] (required with --m365-*)
                             [--mapping FILE.csv] [--no-auto-mapping]
                             [--users FILE] [--domain NAME]...
                             [--from TIMESTAMP] [--until TIMESTAMP]
                             [--folder NAME] [--report FILE]
                             [--sync-file-system] [--commit-every N] [--no-evidence-log]
        """

    /// A usage error: the message says what is wrong; the program prints it with the usage and exits 2.
    struct UsageError: Error {
        var message: String
    }

    static func parse(_ arguments: [String]) throws(UsageError) -> Options {
        var values: [String: String] = [:]
        var domains: [String] = []
        var noAutoMapping = false
        var syncFileSystem = false
        var noEvidenceLog = false
        var index = 0
        let valued = Set<String>([
            "--export", "--url", "--username", "--password-env", "--maildir", "--state", "--mapping", "--users",
            "--domain", "--from", "--until", "--folder", "--report", "--commit-every",
        ]).union(ChatExportOptions.valuedOptions).union(Microsoft365Options.valuedOptions)
        while index < arguments.count {
            var argument = arguments[index]
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                inlineValue = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            }
            index += 1
            if argument == "--no-auto-mapping" {
                guard inlineValue == nil else { throw UsageError(message: "--no-auto-mapping takes no value") }
                noAutoMapping = true
                continue
            }
            if argument == "--no-evidence-log" {
                guard inlineValue == nil else { throw UsageError(message: "--no-evidence-log takes no value") }
                noEvidenceLog = true
                continue
            }
            if argument == "--sync-file-system" {
                guard inlineValue == nil else { throw UsageError(message: "--sync-file-system takes no value") }
                syncFileSystem = true
                continue
            }
            if argument == "--password" {
                throw UsageError(
                    message: "a password is never taken from the command line: put it in an environment variable "
                        + "and name the variable with --password-env (default TELEMESSAGE_PASSWORD)"
                )
            }
            if argument == "--m365-secret" {
                throw UsageError(
                    message: "a client secret is never taken from the command line: put it in an environment "
                        + "variable and name the variable with --m365-secret-env (default M365_CLIENT_SECRET)"
                )
            }
            guard valued.contains(argument) else { throw UsageError(message: "unknown argument \(argument)") }
            let value: String
            if let inlineValue {
                value = inlineValue
            } else {
                guard index < arguments.count else { throw UsageError(message: "\(argument) needs a value") }
                value = arguments[index]
                index += 1
            }
            guard !value.isEmpty else { throw UsageError(message: "\(argument) needs a non-empty value") }
            if argument == "--domain" {
                domains.append(value)
            } else {
                guard values[argument] == nil else { throw UsageError(message: "\(argument) is given twice") }
                values[argument] = value
            }
        }

        let chatExport = try ChatExportOptions.parse(values)
        let input: Input
        switch (values["--export"], values["--url"]) {
        case (let directory?, nil):
            for option in ["--username", "--password-env"] where values[option] != nil {
                throw UsageError(message: "\(option) belongs with --url, not --export")
            }
            input = .export(directory: directory)
        case (nil, let url?):
            guard let username = values["--username"] else { throw UsageError(message: "--url needs --username") }
            input = .account(
                url: url,
                username: username,
                passwordVariable: values["--password-env"] ?? "TELEMESSAGE_PASSWORD"
            )
        case (.some, .some):
            throw UsageError(message: "give either --export or --url, not both")
        case (nil, nil):
            guard let chatExport else {
                throw UsageError(message: "give --export DIR, --url URL or --chat-export PATH")
            }
            input = .chatExport(chatExport)
        }
        let destination: Destination
        switch (values["--maildir"], try Microsoft365Options.parse(values)) {
        case (let root?, nil): destination = .maildir(root: root)
        case (nil, let microsoft365?):
            guard values["--state"] != nil else {
                throw UsageError(message: "--state DIR is required with --m365-tenant (there is no Maildir to hold it)")
            }
            destination = .microsoft365(microsoft365)
        case (.some, .some): throw UsageError(message: "give either --maildir or --m365-*, not both")
        case (nil, nil): throw UsageError(message: "give --maildir DIR or --m365-tenant TENANT --m365-client-id ID")
        }

        var options = Options(input: input, destination: destination)
        options.state = values["--state"]
        options.mapping = values["--mapping"]
        options.automaticMapping = !noAutoMapping
        options.users = values["--users"]
        options.domains = domains
        options.folder = values["--folder"] ?? options.folder
        options.report = values["--report"]
        options.syncsWholeFileSystem = syncFileSystem
        options.keepsEvidenceLog = !noEvidenceLog
        if let text = values["--commit-every"] {
            guard let count = Int(text), count > 0 else {
                throw UsageError(message: "--commit-every \(text) is not a positive number of deliveries")
            }
            options.commitEvery = count
        }
        for (option, keyPath) in [("--from", \Options.from), ("--until", \Options.until)] {
            guard let text = values[option] else { continue }
            guard let date = RFC3339.parse(text) else {
                throw UsageError(message: "\(option) \(text) is not an RFC 3339 timestamp (2026-11-23T00:00:00Z)")
            }
            options[keyPath: keyPath] = date
        }
        if let from = options.from, let until = options.until, from >= until {
            throw UsageError(message: "--from must be before --until")
        }
        return options
    }
}
