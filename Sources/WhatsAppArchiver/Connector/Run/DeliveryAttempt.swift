/// One attempt at an item: convert it once, for all its mailboxes, and hand the message to the sink in one
/// delivery; when the body fails on an attachment, deliver the message's fallback instead.
///
/// Computed without touching the run's state, so that the run applies the outcome in one place.
enum DeliveryAttempt {
    /// The converter failed on the item (an item-scoped problem): every mailbox fails.
    case conversionFailed(ArchiverError)
    /// Converted; the sink refused the message for every mailbox (an item-scoped problem, or an attachment failure
    /// with no fallback).
    case deliveryFailed(ArchiverError)
    /// Converted and handed to the sink: one outcome per mailbox, in order.
    case delivered([MailboxOutcome])
    /// The task was cancelled during the conversion.
    case cancelled

    /// Converts `item` for `mailboxes` and delivers it; throws (run-scoped) when the run must stop.
    static func run(
        _ item: Item,
        mapping: MappingResult,
        mailboxes: [MailboxAddress],
        quarantineReason: String?,
        connector: Connector
    ) async throws -> DeliveryAttempt {
        var message: EmailMessage
        do {
            message = try await connector.converter.convert(
                ConversionRequest(
                    item: item,
                    mapping: mapping,
                    mailboxes: mailboxes,
                    quarantineReason: quarantineReason
                )
            )
        } catch let error as ArchiverError where error.scope == .run {
            throw error
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .conversionFailed(itemProblem(error, code: .conversionFailed))
        }
        // Each fallback replaces one more attachment, so the chain ends after at most one per attachment.
        var fallbacksLeft = item.attachments.count
        while true {
            let result: DeliveryResult
            do {
                result = try await connector.sink.deliver(
                    Delivery(mailboxes: mailboxes, folder: connector.configuration.folder, message: message, item: item)
                )
            } catch let failure as AttachmentFailure {
                if fallbacksLeft > 0, let fallback = message.replacing(failure) {
                    fallbacksLeft -= 1
                    message = fallback
                    continue
                }
                return .deliveryFailed(ArchiverError(failure.reason.code, failure.reason.detail, scope: .item))
            } catch let error as ArchiverError where error.scope == .item {
                return .deliveryFailed(error)
            } catch {
                throw Connector.runError(error, code: .storageFailed, "The sink failed to store item \(item.id).")
            }
            guard result.outcomes.map(\.mailbox) == mailboxes else {
                throw ArchiverError(
                    .protocolViolation,
                    "The sink returned outcomes for \(result.outcomes.map(\.mailbox)) for a delivery to \(mailboxes) "
                        + "(item \(item.id)); a sink must return one outcome per mailbox, in order.",
                    scope: .run
                )
            }
            return .delivered(result.outcomes)
        }
    }

    private static func itemProblem(_ error: any Error, code: ArchiverError.Code) -> ArchiverError {
        if let archiverError = error as? ArchiverError { return archiverError }
        return ArchiverError(code, String(describing: error), scope: .item)
    }
}

extension MailboxOutcome {
    /// The problem of a refused outcome; a sink that gave none is named as refusing without a reason.
    var refusal: ArchiverError {
        problem
            ?? ArchiverError(
                .deliveryRejected,
                "The sink refused the message for \(mailbox) without saying why.",
                scope: .item
            )
    }
}
