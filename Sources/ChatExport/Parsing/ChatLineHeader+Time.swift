extension ChatLineHeader {
    /// The wall-clock date and time, read in `order`.
    struct WallClock: Hashable {
        var year: Int
        var month: Int
        var day: Int
        var hour: Int
        var minute: Int
        var second: Int

        /// `2024-01-15T10:00:00`, the form that goes into item ids (so they do not depend on the zone or the
        /// phone's 12/24-hour setting).
        var text: String {
            withTextBytes { String(decoding: $0, as: UTF8.self) }
        }

        /// Calls `body` with the bytes of ``text``, written on the stack: the id digest reads them there, with no
        /// string made per message.
        func withTextBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
            return withUnsafeMutableBytes(of: &storage) { bytes in
                // The last `width` decimal digits of each field, written out: a digit loop in a nested function
                // was not inlined, and it showed in the profile.
                @inline(__always) func digit(_ value: Int) -> UInt8 { UInt8(ascii: "0") + UInt8(value % 10) }
                bytes[0] = digit(year / 1000)
                bytes[1] = digit(year / 100)
                bytes[2] = digit(year / 10)
                bytes[3] = digit(year)
                bytes[5] = digit(month / 10)
                bytes[6] = digit(month)
                bytes[8] = digit(day / 10)
                bytes[9] = digit(day)
                bytes[11] = digit(hour / 10)
                bytes[12] = digit(hour)
                bytes[14] = digit(minute / 10)
                bytes[15] = digit(minute)
                bytes[17] = digit(second / 10)
                bytes[18] = digit(second)
                bytes[4] = UInt8(ascii: "-")
                bytes[7] = UInt8(ascii: "-")
                bytes[10] = UInt8(ascii: "T")
                bytes[13] = UInt8(ascii: ":")
                bytes[16] = UInt8(ascii: ":")
                return body(UnsafeRawBufferPointer(rebasing: bytes[0..<19]))
            }
        }

        var localSeconds: Int64 {
            ChatClock.localSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        }
    }

    /// How a date's three numbers are read: a ``ChatDateOrder`` without its string, which `date(order:)` compared
    /// twice for every order the first pass tries on every line, and for every item.
    enum Reading {
        case dayFirst
        case monthFirst
        case yearFirst

        /// The reading of `order` (`.automatic`, never asked, reads as day first, as `date(order:)` did).
        init(_ order: ChatDateOrder) {
            self = order == .monthDayYear ? .monthFirst : order == .yearMonthDay ? .yearFirst : .dayFirst
        }
    }

    /// The date and time read in `order` (never `.automatic`), or why they are not a date.
    func wallClock(order: ChatDateOrder) -> Result<WallClock, ChatExportProblem> {
        if let clock = validWallClock(order: order) { return .success(clock) }
        let (year, month, day) = date(order: order)
        guard (1...12).contains(month) else {
            return .failure(ChatExportProblem("\(month) is not a month (reading the dates as \(order))"))
        }
        return .failure(ChatExportProblem("\(year)-\(month) has no day \(day) (reading the dates as \(order))"))
    }

    /// The date and time read in `order` (never `.automatic`), or `nil` when they are not a date: the first pass
    /// tries every order on every line, and most lines are no date in one of them, so the reason is not
    /// formatted here.
    func validWallClock(order: ChatDateOrder) -> WallClock? {
        validWallClock(reading: Reading(order))
    }

    /// ``validWallClock(order:)`` for the order's ``Reading``.
    func validWallClock(reading: Reading) -> WallClock? {
        let (year, month, day) = date(reading: reading)
        guard (1...12).contains(month), (1...ChatClock.daysIn(month: month, year: year)).contains(day) else {
            return nil
        }
        var hour = Int(self.hour)
        if let afternoon {
            if hour == 12 { hour = 0 }
            if afternoon { hour += 12 }
        }
        return WallClock(year: year, month: month, day: day, hour: hour, minute: Int(minute), second: Int(second))
    }

    /// Year, month and day as the numbers read in `order` say, not yet checked.
    private func date(order: ChatDateOrder) -> (year: Int, month: Int, day: Int) {
        date(reading: Reading(order))
    }

    private func date(reading: Reading) -> (year: Int, month: Int, day: Int) {
        let (a, b, c) = (Int(numbers.0), Int(numbers.1), Int(numbers.2))
        var year: Int
        let month: Int
        let day: Int
        if isYearFirst {
            (year, month, day) = (a, b, c)
        } else if reading == .monthFirst {
            (year, month, day) = (c, a, b)
        } else if reading == .yearFirst {
            // Given explicitly: a two-digit year first (`24-01-15`), which no automatic decision could tell from
            // a day first.
            (year, month, day) = (a + 2000, b, c)
        } else {
            (year, month, day) = (c, b, a)
        }
        if !isYearFirst && reading != .yearFirst && digitCounts.2 == 2 { year += 2000 }
        return (year, month, day)
    }
}
