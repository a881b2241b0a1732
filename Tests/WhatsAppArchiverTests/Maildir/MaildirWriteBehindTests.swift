import Foundation
import Synchronization
import Testing

@testable import WhatsAppArchiver

/// The write-behind queue runs jobs in order on its own thread, bounds the memory it holds (an enqueue beyond the
/// bound suspends, it does not block), and reports the first failure at the next enqueue or drain without running
/// the jobs queued after it.
@Suite struct MaildirWriteBehindTests {
    struct Scripted: Error, Equatable {
        var job: Int
    }

    /// Drains the queue through everything queued so far, on a thread of its own as the sink's committer does.
    static func drain(_ queue: MaildirWriteBehind) async throws {
        let ticket = queue.ticket
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread { continuation.resume(with: Result { try queue.drain(through: ticket) }) }.start()
        }
    }

    @Test func runsEveryJobInOrderBeforeDrainReturns() async throws {
        let queue = MaildirWriteBehind()
        let done = Mutex<[Int]>([])
        for job in 0..<500 {
            try await queue.enqueue(byteCount: 10) { done.withLock { $0.append(job) } }
        }
        try await Self.drain(queue)
        #expect(done.withLock { $0 } == Array(0..<500))
        await queue.stop()
    }

    /// The thread is woken every 16 jobs; a drain must not wait for a sixteenth that never comes.
    @Test func aDrainRunsTheJobsAnIdleThreadWasGathering() async throws {
        let queue = MaildirWriteBehind()
        let done = Mutex<[Int]>([])
        try await queue.enqueue(byteCount: 10) { done.withLock { $0.append(0) } }
        try await Self.drain(queue)
        // Long enough for the thread to go back to waiting for work.
        try await Task.sleep(for: .milliseconds(50))
        for job in 1...3 {
            try await queue.enqueue(byteCount: 10) { done.withLock { $0.append(job) } }
        }
        // Not awaited: a drain that never woke the thread would never return. It must run the three within
        // seconds; stopping the queue at the end runs them anyway and lets a stuck drain return.
        let drained = Mutex(false)
        let ticket = queue.ticket
        Thread {
            _ = try? queue.drain(through: ticket)
            drained.withLock { $0 = true }
        }.start()
        for _ in 0..<1_000 where !drained.withLock({ $0 }) {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(drained.withLock { $0 }, "the drain returned")
        #expect(done.withLock { $0 } == [0, 1, 2, 3])
        await queue.stop()
    }

    @Test func theFirstFailureSkipsLaterJobsAndIsThrownOnceThenTheQueueWorksAgain() async throws {
        let queue = MaildirWriteBehind()
        let done = Mutex<[Int]>([])
        let gate = DispatchSemaphore(value: 0)
        try await queue.enqueue(byteCount: 1) { gate.wait() }
        for job in 0..<6 {
            try await queue.enqueue(byteCount: 1) {
                done.withLock { $0.append(job) }
                if job == 2 || job == 4 { throw Scripted(job: job) }
            }
        }
        gate.signal()
        await #expect(throws: Scripted(job: 2)) { try await Self.drain(queue) }
        #expect(done.withLock { $0 } == [0, 1, 2])
        try await Self.drain(queue)
        try await queue.enqueue(byteCount: 1) { done.withLock { $0.append(99) } }
        try await Self.drain(queue)
        #expect(done.withLock { $0 } == [0, 1, 2, 99])
        await queue.stop()
    }

    @Test func anEnqueueAfterAFailureThrowsItWithoutQueueing() async throws {
        let queue = MaildirWriteBehind()
        try await queue.enqueue(byteCount: 1) { throw Scripted(job: 1) }
        // Wait for the failure without draining, which would forget it.
        var thrown: (any Error)?
        for _ in 0..<2_000 where thrown == nil {
            do {
                try await queue.enqueue(byteCount: 1) { Issue.record("a job queued after a failure ran") }
                try await Task.sleep(for: .milliseconds(1))
            } catch {
                thrown = error
            }
        }
        #expect(thrown as? Scripted == Scripted(job: 1))
        await queue.stop()
    }

    @Test func holdsAtMostTheByteLimitWhileJobsWaitAndSuspendsTheProducer() async throws {
        let queue = MaildirWriteBehind(maximumQueuedBytes: 100)
        let gate = DispatchSemaphore(value: 0)
        let queued = Mutex(0)
        // The first job (40 bytes) blocks the thread: one more fits (80), the third (120) must wait for room.
        try await queue.enqueue(byteCount: 40) { gate.wait() }
        let producer = Task {
            for _ in 0..<20 {
                try await queue.enqueue(byteCount: 40) {}
                queued.withLock { $0 += 1 }
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(queued.withLock { $0 } == 1)
        gate.signal()
        try await producer.value
        try await Self.drain(queue)
        #expect(queued.withLock { $0 } == 20)
        await queue.stop()
    }

    @Test func stopRunsWhatIsQueuedAndEndsTheThread() async throws {
        let queue = MaildirWriteBehind()
        let done = Mutex(0)
        for _ in 0..<100 {
            try await queue.enqueue(byteCount: 1) { done.withLock { $0 += 1 } }
        }
        await queue.stop()
        #expect(done.withLock { $0 } == 100)
        await queue.stop()
    }
}
