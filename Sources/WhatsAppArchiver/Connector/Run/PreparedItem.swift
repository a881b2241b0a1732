/// An item mapped and converted before its turn to be delivered: what the run's look-ahead task hands back to the
/// run, computed without touching the run's state.
struct PreparedItem: Sendable {
    /// Where the mapper sent the item.
    var mapping: MappingResult
    /// The mailboxes the message is for: the mapping's, or for an unmapped item its quarantine mailbox; empty for
    /// an unmapped item without one.
    var mailboxes: [MailboxAddress]
    /// What converting the item for `mailboxes` gave; `nil` when nothing is to be delivered.
    var conversion: DeliveryAttempt.Conversion?

    /// Maps `item` and converts it for its mailboxes (or its quarantine mailbox).
    ///
    /// - Throws: What stops the run: the mapper's failure, a converter's run-scoped error.
    static func prepare(_ item: Item, connector: Connector) async throws -> PreparedItem {
        let mapping: MappingResult
        do {
            mapping = try await connector.mapper.map(MappingRequest(item: item))
        } catch {
            throw Connector.runError(error, code: .invalidConfiguration, "The user mapper failed on item \(item.id).")
        }
        let mailboxes: [MailboxAddress]
        let quarantineReason: String?
        if !mapping.mailboxes.isEmpty {
            mailboxes = mapping.mailboxes
            quarantineReason = nil
        } else if let quarantine = mapping.quarantine {
            mailboxes = [quarantine]
            quarantineReason = mapping.unmappedSummary
        } else {
            return PreparedItem(mapping: mapping, mailboxes: [], conversion: nil)
        }
        let conversion = try await DeliveryAttempt.convert(
            item,
            mapping: mapping,
            mailboxes: mailboxes,
            quarantineReason: quarantineReason,
            connector: connector
        )
        return PreparedItem(mapping: mapping, mailboxes: mailboxes, conversion: conversion)
    }
}
