// archive-daily: runs the whole connector once, as `archive-daily.md` specifies. All the work is done by the
// library; this program parses arguments, composes the roles, shows progress and prints the report.
import ChatExport
import Foundation
import TeleMessage
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print(Options.usage)
    exit(0)
}

let options: Options
do {
    options = try Options.parse(arguments)
} catch {
    Terminal.error("archive-daily: \(error.message)\n\(Options.usage)")
    exit(2)
}

do {
    let report = try await ArchiveDaily(options: options).run()
    Terminal.printSummary(report)
    exit(0)
} catch let error as ArchiverError {
    Terminal.clearProgress()
    Terminal.error("archive-daily: \(error.message)")
    if ![.invalidConfiguration, .mappingFileInvalid, .authenticationFailed, .chatExportInvalid].contains(error.code) {
        Terminal.error(
            "Everything delivered before the error is durable and the checkpoint says so; run again to resume."
        )
    }
    exit(1)
} catch is CancellationError {
    Terminal.clearProgress()
    Terminal.error(
        "archive-daily: interrupted. What was delivered is durable and the checkpoint says so; run again to resume."
    )
    exit(1)
} catch {
    Terminal.clearProgress()
    Terminal.error("archive-daily: \(error)")
    exit(1)
}
