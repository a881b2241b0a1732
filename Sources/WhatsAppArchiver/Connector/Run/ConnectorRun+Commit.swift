import Foundation

extension ConnectorRun {
    /// A commit point mid-run: seals the current batch, then waits for the one sealed before it, so that the sink
    /// makes a batch durable while the run converts and delivers the next.
    func commitPoint(position: Date?) async throws {
        try await seal(position: position)
        while sealedBatches.count > 1 {
            try await waitForOldestBatch()
        }
    }

    /// The end of a run (or of its delivering, on a source failure or cancellation): seals the current batch and
    /// waits for every sealed one.
    func commitAll(position: Date?) async throws {
        try await seal(position: position)
        try await waitForSealedBatches()
        if let stranded = acceptedDeliveries.keys.first {
            throw ArchiverError(
                .protocolViolation,
                "The sink never settled the accepted delivery of item \(stranded.itemID) to \(stranded.mailbox) "
                    + "(\(acceptedDeliveries.count) in all): every batch is durable, so its receipt had to.",
                scope: .run
            )
        }
    }

    /// Waits for every sealed batch, oldest first.
    func waitForSealedBatches() async throws {
        while !sealedBatches.isEmpty {
            try await waitForOldestBatch()
        }
    }

    private func seal(position: Date?) async throws {
        let batch: SealedBatch
        do {
            batch = try await connector.sink.seal()
        } catch {
            throw Connector.runError(error, code: .storageFailed, "The sink could not make deliveries durable.")
        }
        sealedBatches.append((batch, position))
        pendingDeliveries = 0
        pendingBytes = 0
    }

    /// Waits for the oldest sealed batch, counts what it settled, and moves the checkpoint to its position.
    private func waitForOldestBatch() async throws {
        let (batch, position) = sealedBatches.removeFirst()
        let receipt: CommitReceipt
        do {
            receipt = try await connector.sink.waitUntilDurable(batch)
        } catch {
            // A later batch may become durable, but the checkpoint cannot pass this one: wait for none of them.
            sealedBatches.removeAll()
            throw Connector.runError(error, code: .storageFailed, "The sink could not make deliveries durable.")
        }
        tally.committed(receipt.deliveries)
        for settled in receipt.settled {
            try settle(settled)
        }
        if let position, checkpoint.shouldSave(position) {
            let saved = Checkpoint(position: position, savedAt: connector.configuration.clock.now())
            do {
                try await connector.checkpoints.save(saved)
            } catch {
                throw Connector.runError(error, code: .checkpointFailed, "Cannot save the checkpoint.")
            }
            checkpoint.saved(position)
        }
        emit(.committed)
    }

    /// Counts the final outcome of an accepted delivery.
    private func settle(_ settled: SettledDelivery) throws {
        let key = AcceptedKey(itemID: settled.itemID, mailbox: settled.outcome.mailbox)
        guard let accepted = acceptedDeliveries.removeValue(forKey: key), settled.outcome.status != .accepted else {
            throw ArchiverError(
                .protocolViolation,
                "The sink settled a delivery of item \(settled.itemID) to \(settled.outcome.mailbox) as "
                    + "\"\(settled.outcome.status)\", but no such delivery is waiting to settle.",
                scope: .run
            )
        }
        guard !accepted.isQuarantine else { return }
        try count(settled.outcome, itemID: settled.itemID, sourceUser: accepted.sourceUser)
    }
}
