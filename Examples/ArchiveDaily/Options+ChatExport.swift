import ChatExport
import Foundation
import WhatsAppArchiver

/// The `--chat-*` options of chat-export.md: a WhatsApp chat export as the source.
struct ChatExportOptions {
    var path: String
    var owner: PhoneNumber?
    var participants: String?
    var timeZone = TimeZone(identifier: "UTC")!
    var dateOrder = ChatDateOrder.automatic
    var chatName: String?

    static let valuedOptions: Set<String> = [
        "--chat-export", "--chat-owner", "--chat-participants", "--chat-time-zone", "--chat-date-order", "--chat-name",
    ]

    /// The chat-export options among `values`; `nil` without `--chat-export`.
    static func parse(_ values: [String: String]) throws(Options.UsageError) -> ChatExportOptions? {
        guard let path = values["--chat-export"] else {
            for option in valuedOptions.sorted() where values[option] != nil {
                throw Options.UsageError(message: "\(option) belongs with --chat-export")
            }
            return nil
        }
        for option in ["--export", "--url", "--username", "--password-env"] where values[option] != nil {
            throw Options.UsageError(message: "--chat-export excludes \(option)")
        }
        var options = ChatExportOptions(path: path)
        if let text = values["--chat-owner"] {
            guard let number = PhoneNumber(text) else {
                throw Options.UsageError(
                    message: "--chat-owner \(text) is not a phone number: " + (PhoneNumber.problem(with: text) ?? "")
                )
            }
            options.owner = number
        }
        options.participants = values["--chat-participants"]
        if let text = values["--chat-time-zone"] {
            guard let zone = TimeZone(identifier: text) else {
                throw Options.UsageError(message: "--chat-time-zone \(text) is not an IANA zone (Europe/London)")
            }
            options.timeZone = zone
        }
        if let text = values["--chat-date-order"] {
            guard let order = ChatDateOrder(rawValue: text) else {
                throw Options.UsageError(message: "--chat-date-order is auto, dmy, mdy or ymd, not \(text)")
            }
            options.dateOrder = order
        }
        options.chatName = values["--chat-name"]
        return options
    }

    /// The source, with its zip extracted under `temporaryDirectory`.
    func makeSource(temporaryDirectory: String) throws -> ChatExportSource {
        var configuration = ChatExportSource.Configuration(path: path)
        configuration.owner = owner
        if let participants { configuration.participants = try ChatParticipants(contentsOf: participants) }
        configuration.timeZone = timeZone
        configuration.dateOrder = dateOrder
        configuration.chatName = chatName
        configuration.temporaryDirectory = temporaryDirectory
        return try ChatExportSource(configuration: configuration)
    }
}
