/// How the three numbers of an export's dates are read: WhatsApp writes them in the order of the phone's locale and
/// says nothing about which one that is.
public struct ChatDateOrder: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// `auto`, `dmy`, `mdy` or `ymd`.
    public var rawValue: String

    /// Creates an order from its command-line spelling; `nil` for anything but the four values.
    public init?(rawValue: String) {
        guard ["auto", "dmy", "mdy", "ymd"].contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// The command-line spelling.
    public var description: String { rawValue }

    /// Decided from the whole file: a first number above 12 means day first, a second one above 12 month first,
    /// a four-digit first number year first. A file that shows neither (or both) is an error that asks for an
    /// order.
    public static let automatic = ChatDateOrder(rawValue: "auto")!
    /// Day, month, year: `15/01/2024` (most of the world).
    public static let dayMonthYear = ChatDateOrder(rawValue: "dmy")!
    /// Month, day, year: `1/15/24` (the United States).
    public static let monthDayYear = ChatDateOrder(rawValue: "mdy")!
    /// Year, month, day: `2024-01-15`, `2024/01/15`, `2024. 1. 15.`.
    public static let yearMonthDay = ChatDateOrder(rawValue: "ymd")!
}

/// What the dates of a whole file say about their order, gathered line by line on the first pass.
struct ChatDateEvidence {
    /// The first line whose first number can only be a day (above 12), and whose second can only be a day.
    var firstNumberIsDay: Int?
    var secondNumberIsDay: Int?
    var yearFirst: Int?
    var notYearFirst: Int?
    /// Whether some date has two different numbers that could both be a month, so the order matters.
    var ambiguousLine: Int?

    mutating func record(_ header: ChatLineHeader, line: Int) {
        if header.isYearFirst {
            if yearFirst == nil { yearFirst = line }
            return
        }
        if notYearFirst == nil { notYearFirst = line }
        let (first, second, _) = header.numbers
        if first > 12 && firstNumberIsDay == nil { firstNumberIsDay = line }
        if second > 12 && secondNumberIsDay == nil { secondNumberIsDay = line }
        if first != second && first <= 12 && second <= 12 && ambiguousLine == nil { ambiguousLine = line }
    }

    /// The order the file uses, or why it cannot be told.
    func decide(name: String) throws(ChatExportProblem) -> ChatDateOrder {
        if yearFirst != nil && notYearFirst == nil { return .yearMonthDay }
        switch (firstNumberIsDay, secondNumberIsDay) {
        case (let day?, let month?):
            throw ChatExportProblem(
                "\(name): the dates fit no single day/month order: line \(day) has a day first and line \(month) "
                    + "a day second. Give --chat-date-order dmy or mdy to read the file one way."
            )
        case (.some, nil):
            return .dayMonthYear
        case (nil, .some):
            return .monthDayYear
        case (nil, nil):
            // Every date has day and month equal (or above 12 in neither place): the order cannot matter only if
            // no date is ambiguous.
            guard let line = ambiguousLine else { return .dayMonthYear }
            throw ChatExportProblem(
                "\(name): cannot tell whether the dates are day/month or month/day: no day above 12 appears "
                    + "(line \(line) is one of the ambiguous dates). Give --chat-date-order dmy or mdy."
            )
        }
    }
}

/// A problem with the export as a whole, turned into a run-scoped error by the source.
struct ChatExportProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
