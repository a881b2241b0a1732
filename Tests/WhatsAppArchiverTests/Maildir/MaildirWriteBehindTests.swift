import Foundation
import Synchronization
import Testing

@testable import WhatsAppArchiver

/// The write-behind queue runs jobs in order on its own thread, bounds the memory it holds, and reports the first
/// failure at the next enqueue or drain without running the jobs queued after it.
@Suite struct MaildirWriteBehindTests {
    struct Scripted: Error, Equatable {
        var job: Int
    }

    @Test func runsEveryJobInOrderBeforeDrainReturns() throws {
        let queue = MaildirWriteBehind()
        defer { queue.stop() }
        let done = Mutex<[Int]>([])
        for job in 0..<500 {
            try queue.enqueue(byteCount: 10) { done.withLock { $0.append(job) } }
        }
        try queue.drain()
        #expect(done.withLock { $0 } == Array(0..<500))
    }

    @Test func theFirstFailureSkipsLaterJobsAndIsThrownOnceThenTheQueueWorksAgain() throws {
        let queue = MaildirWriteBehind()
        defer { queue.stop() }
        let done = Mutex<[Int]>([])
        let gate = DispatchSemaphore(value: 0)
        try queue.enqueue(byteCount: 1) { gate.wait() }
        for job in 0..<6 {
            try queue.enqueue(byteCount: 1) {
                done.withLock { $0.append(job) }
                if job == 2 || job == 4 { throw Scripted(job: job) }
            }
        }
        gate.signal()
        #expect(throws: Scripted(job: 2)) { try queue.drain() }
        #expect(done.withLock { $0 } == [0, 1, 2])
        try queue.drain()
        try queue.enqueue(byteCount: 1) { done.withLock { $0.append(99) } }
        try queue.drain()
        #expect(done.withLock { $0 } == [0, 1, 2, 99])
    }

    @Test func anEnqueueAfterAFailureThrowsItWithoutQueueing() throws {
        let queue = MaildirWriteBehind()
        defer { queue.stop() }
        try queue.enqueue(byteCount: 1) { throw Scripted(job: 1) }
        // Wait for the failure without draining, which would forget it.
        var thrown: (any Error)?
        for _ in 0..<2_000 where thrown == nil {
            do {
                try queue.enqueue(byteCount: 1) { Issue.record("a job queued after a failure ran") }
                usleep(1_000)
            } catch {
                thrown = error
            }
        }
        #expect(thrown as? Scripted == Scripted(job: 1))
    }

    @Test func holdsAtMostTheByteLimitWhileJobsWait() throws {
        let queue = MaildirWriteBehind(maximumQueuedBytes: 100)
        defer { queue.stop() }
        let gate = DispatchSemaphore(value: 0)
        let queued = Mutex(0)
        // The first job (40 bytes) blocks the thread: one more fits (80), the third (120) must wait for room.
        try queue.enqueue(byteCount: 40) { gate.wait() }
        let producer = Thread {
            for _ in 0..<20 {
                try? queue.enqueue(byteCount: 40) {}
                queued.withLock { $0 += 1 }
            }
        }
        producer.start()
        usleep(100_000)
        #expect(queued.withLock { $0 } == 1)
        gate.signal()
        for _ in 0..<2_000 where queued.withLock({ $0 }) < 20 { usleep(1_000) }
        try queue.drain()
        #expect(queued.withLock { $0 } == 20)
    }

    @Test func stopRunsWhatIsQueuedAndEndsTheThread() throws {
        let queue = MaildirWriteBehind()
        let done = Mutex(0)
        for _ in 0..<100 {
            try queue.enqueue(byteCount: 1) { done.withLock { $0 += 1 } }
        }
        queue.stop()
        #expect(done.withLock { $0 } == 100)
        queue.stop()
    }
}
