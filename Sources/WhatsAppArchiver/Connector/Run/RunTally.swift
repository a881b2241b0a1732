/// What a run has done so far: the report, and the few figures the report does not hold. The progress counts are
/// derived from it, so the two can never disagree.
struct RunTally {
    private(set) var report: RunReport
    /// Items the converter turned into a message.
    private var converted = 0
    /// Bytes stored.
    private var bytes: Int64 = 0
    /// Deliveries made durable.
    private var committed = 0

    init(window: TimeWindow) {
        self.report = RunReport(window: window)
    }

    /// The counts a progress event carries.
    var counts: ProgressCounts {
        var counts = ProgressCounts()
        counts.itemsRead = report.itemsFromSource
        counts.converted = converted
        counts.delivered = report.imported + report.partiallyImported
        counts.duplicates = report.skippedDuplicates
        counts.failures = report.failed
        counts.bytes = bytes
        counts.committed = committed
        return counts
    }

    /// A distinct item (valid or not) was read from the source.
    mutating func itemRead() {
        report.itemsFromSource += 1
    }

    /// One (item, mailbox) pair, or an item that reaches no mailbox, is up for import.
    mutating func pairForImport() {
        report.itemsForImport += 1
    }

    /// The converter made the item's message.
    mutating func itemConverted() {
        converted += 1
    }

    /// A delivery was stored, complete or not.
    mutating func stored(itemID: String, mailbox: MailboxAddress, byteCount: Int64, partialReasons: [PartialReason]) {
        bytes += byteCount
        if partialReasons.isEmpty {
            report.imported += 1
            return
        }
        report.partiallyImported += 1
        for reason in partialReasons {
            report.partials.append(
                RunReport.Partial(itemID: itemID, mailbox: mailbox, reason: reason.code, detail: reason.detail)
            )
        }
    }

    /// A delivery found its message already stored.
    mutating func duplicate() {
        report.skippedDuplicates += 1
    }

    /// An item, or one of its deliveries, failed.
    mutating func failure(
        itemID: String?,
        sourceUser: String?,
        mailbox: MailboxAddress?,
        reason: ArchiverError.Code,
        detail: String?
    ) {
        report.failed += 1
        report.failures.append(
            RunReport.Failure(
                itemID: itemID,
                sourceUser: sourceUser,
                mailbox: mailbox,
                reason: reason,
                detail: detail?.isEmpty == true ? nil : detail
            )
        )
    }

    /// A batch of `deliveries` became durable.
    mutating func committed(_ deliveries: Int) {
        committed += deliveries
    }
}
