import Foundation
import Testing
import WhatsAppArchiver
import WhatsAppArchiverTesting

private let window = try! TimeWindow(
    from: RFC3339.parse("2026-11-23T00:00:00Z")!,
    until: RFC3339.parse("2026-11-24T00:00:00Z")!
)

private func connector(
    _ source: any MessageSource,
    _ sink: any MailboxSink,
    _ checkpoints: InMemoryCheckpointStore,
    commitEvery: Int,
    pageSize: Int = 10
) -> Connector {
    var configuration = Connector.Configuration()
    configuration.clock = FixedClock("2026-11-24T00:00:00Z")
    configuration.commitEveryDeliveries = commitEvery
    configuration.pageSize = pageSize
    return Connector(
        source: source,
        mapper: StaticMapper(),
        converter: SummaryConverter(),
        sink: sink,
        checkpoints: checkpoints,
        configuration: configuration
    )
}

/// Items one minute apart, each from Alice to Carol: two deliveries per item.
private func items(_ count: Int) -> [Item] {
    (0..<count).map { SampleItems.message(id: String(format: "wa-%03d", $0), offset: Double($0) * 60) }
}

/// Every (item, mailbox) pair the sink holds must be there exactly once, and every expected pair present.
private func expectExactlyOnce(_ sink: RecordingSink, items: [Item], sourceLocation: SourceLocation = #_sourceLocation)
{
    var counts: [String: Int] = [:]
    for message in sink.messages { counts["\(message.itemID)>\(message.mailbox)", default: 0] += 1 }
    let expected = Set(items.flatMap { ["\($0.id)>alice@contoso.com", "\($0.id)>carol@contoso.com"] })
    #expect(Set(counts.keys) == expected, sourceLocation: sourceLocation)
    #expect(counts.values.allSatisfy { $0 == 1 }, "\(counts.filter { $0.value != 1 })", sourceLocation: sourceLocation)
}

struct ConnectorDurabilityTests {
    @Test(arguments: [false, true])
    func aSourceFailingMidRunLeavesTheCheckpointAtTheLastDurableItemAndARerunFinishesExactlyOnce(
        acceptingSink: Bool
    ) async throws {
        let all = items(35)
        let source = InMemorySource(items: all)
        source.failFetch(3, with: ArchiverError(.sourceUnavailable, "HTTP 503 after 5 retries"))
        let sink = RecordingSink(answersAccepted: acceptingSink)
        let checkpoints = InMemoryCheckpointStore()

        await #expect(throws: ArchiverError.self) {
            _ = try await connector(source, sink, checkpoints, commitEvery: 7).run(window: window)
        }
        // The first two pages (20 items) were processed; whatever was committed is durable, and the checkpoint
        // covers nothing beyond it.
        let checkpoint = try #require(checkpoints.checkpoint)
        let durableItems = Set(sink.messages.map(\.itemID))
        for item in all where item.capturedAt < checkpoint.position {
            #expect(durableItems.contains(item.id), "\(item.id) is before the checkpoint but not durable")
        }
        #expect(checkpoint.position <= all[19].capturedAt)
        #expect(source.closeCount == 1)

        sink.simulateCrash()
        let rerunWindow = try TimeWindow(from: checkpoint.position.addingTimeInterval(-60), until: window.until)
        let report = try await connector(InMemorySource(items: all), sink, checkpoints, commitEvery: 7)
            .run(window: rerunWindow)
        #expect(report.invariantHolds)
        expectExactlyOnce(sink, items: all)
        #expect(checkpoints.checkpoint?.position == window.until)
    }

    @Test(arguments: [1, 2, 3, 5, 8], [false, true])
    func aCrashAfterAnyCommitLosesNothingAndDuplicatesNothing(commitNumber: Int, acceptingSink: Bool) async throws {
        let all = items(30)
        let sink = RecordingSink(answersAccepted: acceptingSink)
        let checkpoints = InMemoryCheckpointStore()
        // A failing commit stands for the process dying while making the batch durable.
        sink.failCommit(commitNumber, with: ArchiverError(.storageFailed, "No space left on device (errno 28)"))
        await #expect(throws: ArchiverError.self) {
            _ = try await connector(InMemorySource(items: all), sink, checkpoints, commitEvery: 6).run(window: window)
        }
        sink.simulateCrash()
        let before = checkpoints.checkpoint
        if let before {
            let durable = Set(sink.messages.map(\.itemID))
            #expect(all.filter { $0.capturedAt < before.position }.allSatisfy { durable.contains($0.id) })
        }
        // Resume the way archive-daily does: the default window, from the checkpoint less the overlap.
        let report = try await connector(InMemorySource(items: all), sink, checkpoints, commitEvery: 6).run(
            window: before == nil ? window : nil
        )
        #expect(report.invariantHolds)
        expectExactlyOnce(sink, items: all)
    }

    @Test(arguments: [false, true])
    func aFatalSinkErrorStopsTheRunWithoutMovingTheCheckpoint(acceptingSink: Bool) async throws {
        let sink = RecordingSink(answersAccepted: acceptingSink)
        sink.failDelivery(3, with: ArchiverError(.storageFailed, "No space left on device (errno 28)"))
        let checkpoints = InMemoryCheckpointStore()
        do {
            _ = try await connector(InMemorySource(items: items(5)), sink, checkpoints, commitEvery: 100)
                .run(window: window)
            Issue.record("the run should have stopped")
        } catch let error as ArchiverError {
            #expect(error.code == .storageFailed)
            #expect(error.scope == .run)
        }
        #expect(checkpoints.history.isEmpty)
        #expect(sink.messages.isEmpty)
    }

    @Test(arguments: [false, true])
    func cancellingStopsAtTheNextItemWithTheCheckpointAtTheLastDurablePoint(acceptingSink: Bool) async throws {
        let all = items(40)
        let sink = RecordingSink(answersAccepted: acceptingSink)
        let checkpoints = InMemoryCheckpointStore()
        let finished = LockedBox(0)
        let run = Task {
            try await connector(InMemorySource(items: all), sink, checkpoints, commitEvery: 4).run(window: window) {
                event in
                guard event.kind == .itemFinished else { return }
                finished.mutate { $0 += 1 }
                if finished.value == 13 { withUnsafeCurrentTask { $0?.cancel() } }
            }
        }
        await #expect(throws: CancellationError.self) { _ = try await run.value }
        // Cancelled after item 13: all 13 items are committed on the way out, and the checkpoint says so.
        #expect(Set(sink.messages.map(\.itemID)).count == 13)
        #expect(sink.pendingCount == 0)
        #expect(checkpoints.checkpoint?.position == all[12].capturedAt)

        let report = try await connector(InMemorySource(items: all), sink, checkpoints, commitEvery: 4).run()
        #expect(report.invariantHolds)
        expectExactlyOnce(sink, items: all)
    }

    @Test func theDefaultWindowStartsAtTheCheckpointLessTheOverlapOr24HoursBack() async throws {
        let checkpoints = InMemoryCheckpointStore()
        let source = InMemorySource(items: items(3))
        let first = try await connector(source, RecordingSink(), checkpoints, commitEvery: 10).run()
        #expect(first.window.until == RFC3339.parse("2026-11-24T00:00:00Z"))
        #expect(first.window.from == RFC3339.parse("2026-11-23T00:00:00Z"))
        #expect(checkpoints.checkpoint?.position == first.window.until)

        let second = try await connector(source, RecordingSink(), checkpoints, commitEvery: 10).run()
        #expect(second.window.from == RFC3339.parse("2026-11-23T23:45:00Z"))
    }

    @Test func anOptionalStartAndEndCompleteTheDefaultWindow() async throws {
        let saved = Checkpoint(
            position: RFC3339.parse("2026-11-23T12:00:00Z")!,
            savedAt: Date(timeIntervalSince1970: 0)
        )
        let withCheckpoint = connector(
            InMemorySource(items: []),
            RecordingSink(),
            InMemoryCheckpointStore(saved),
            commitEvery: 1
        )
        let fresh = connector(InMemorySource(items: []), RecordingSink(), InMemoryCheckpointStore(), commitEvery: 1)
        let until = RFC3339.parse("2026-11-23T18:00:00Z")!
        let from = RFC3339.parse("2026-11-20T00:00:00Z")!
        #expect(try await withCheckpoint.window(from: nil, until: nil).from == RFC3339.parse("2026-11-23T11:45:00Z"))
        #expect(try await withCheckpoint.window(from: nil, until: nil).until == RFC3339.parse("2026-11-24T00:00:00Z"))
        #expect(try await fresh.window(from: nil, until: until).from == RFC3339.parse("2026-11-22T18:00:00Z"))
        #expect(try await fresh.window(from: from, until: nil) == TimeWindow(from: from, until: window.until))
        await #expect(throws: ArchiverError.self) { _ = try await fresh.window(from: until, until: from) }
    }

    @Test func aWindowThatStartsAfterTheCheckpointDoesNotMoveIt() async throws {
        let saved = Checkpoint(
            position: RFC3339.parse("2026-11-20T00:00:00Z")!,
            savedAt: Date(timeIntervalSince1970: 0)
        )
        let checkpoints = InMemoryCheckpointStore(saved)
        _ = try await connector(InMemorySource(items: items(3)), RecordingSink(), checkpoints, commitEvery: 1)
            .run(window: window)
        // Moving it would mark 20–23 November as archived without having read them.
        #expect(checkpoints.checkpoint == saved)
    }

    @Test func aCheckpointThatCannotBeSavedStopsTheRun() async throws {
        let checkpoints = InMemoryCheckpointStore()
        checkpoints.setFailSaves(true)
        await #expect(throws: ArchiverError.self) {
            _ = try await connector(InMemorySource(items: items(3)), RecordingSink(), checkpoints, commitEvery: 1)
                .run(window: window)
        }
    }

    @Test func aSourceThatRepeatsItsCursorIsStoppedInsteadOfLoopingForever() async throws {
        let source = LoopingSource()
        await #expect(throws: ArchiverError.self) {
            _ = try await connector(source, RecordingSink(), InMemoryCheckpointStore(), commitEvery: 1)
                .run(window: window)
        }
    }
}

private struct LoopingSource: MessageSource {
    func fetchPage(_ request: PageRequest) async throws -> SourcePage {
        SourcePage(items: [], nextCursor: SourceCursor("same"))
    }
}
