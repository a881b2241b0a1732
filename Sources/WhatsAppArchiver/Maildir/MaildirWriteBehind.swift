import Foundation

/// Runs the file-system half of small deliveries on a thread of its own, in order, so that creating, writing and
/// linking one message's files overlaps with converting the next message on the other core.
///
/// Nothing is durable before a commit anyway: the sink drains this queue at the start of every commit, and a
/// failure here (disk full, permission denied) is kept and thrown by the next enqueue or drain, which stops the run
/// as a synchronous failure would. The queue holds at most ``maximumQueuedBytes``; beyond that `enqueue` waits.
package final class MaildirWriteBehind: @unchecked Sendable {
    /// One job: the work, and how many bytes of memory it holds until it has run.
    private struct Job {
        var byteCount: Int
        var work: @Sendable () throws -> Void
    }

    /// The most bytes of message data waiting in the queue; `enqueue` blocks beyond it.
    package let maximumQueuedBytes: Int

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var next = 0
    /// Jobs queued and jobs finished (run or skipped) since the start: `drain` waits for a count, not for an empty
    /// queue, so that deliveries going on during a commit cannot keep it waiting.
    private var queuedCount = 0
    private var finishedCount = 0
    private var queuedBytes = 0
    private var failure: (any Error)?
    private var isStopping = false
    private var thread: Thread?
    /// Whether the thread waits for work: only then does `enqueue` need to wake it.
    private var isThreadIdle = false
    /// Callers waiting in `enqueue`, `drain` or `stop`: only then does a finished job need to wake anyone.
    private var waitingCallers = 0

    package init(maximumQueuedBytes: Int = 16 << 20) {
        self.maximumQueuedBytes = maximumQueuedBytes
    }

    /// Queues `work`, which holds `byteCount` bytes of memory until it runs, starting the thread on first use.
    ///
    /// - Throws: The failure of an earlier job, if one failed since the last ``drain()``; `work` is then not queued.
    package func enqueue(byteCount: Int, _ work: @escaping @Sendable () throws -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        while failure == nil && queuedBytes > 0 && queuedBytes + byteCount > maximumQueuedBytes {
            waitForThread()
        }
        if let failure { throw failure }
        jobs.append(Job(byteCount: byteCount, work: work))
        queuedBytes += byteCount
        queuedCount += 1
        if thread == nil {
            // The thread holds the queue until stop() lets it end: the owner must call stop() before letting go.
            let thread = Thread { self.runJobs() }
            thread.name = "MaildirSink write-behind"
            self.thread = thread
            thread.start()
        }
        if isThreadIdle { condition.broadcast() }
    }

    /// Waits until every job queued before the call has run; jobs queued meanwhile may still be waiting.
    ///
    /// - Throws: The first failure of a job since the last drain (later jobs were skipped); the failure is then
    ///   forgotten, so that the sink can be used again.
    package func drain() throws {
        condition.lock()
        defer { condition.unlock() }
        let target = queuedCount
        while finishedCount < target {
            waitForThread()
        }
        if let failure {
            self.failure = nil
            throw failure
        }
    }

    /// Runs what is queued, then ends the thread. Failures are dropped: stopping is for closing the sink. Later
    /// jobs start a new thread.
    package func stop() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        while thread != nil {
            waitForThread()
        }
        isStopping = false
        condition.unlock()
    }

    private func runJobs() {
        condition.lock()
        while true {
            while next == jobs.count && !isStopping {
                isThreadIdle = true
                condition.wait()
                isThreadIdle = false
            }
            if next == jobs.count {
                thread = nil
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs[next]
            next += 1
            if next == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                next = 0
            }
            let skip = failure != nil
            condition.unlock()
            var jobFailure: (any Error)?
            if !skip {
                do { try job.work() } catch { jobFailure = error }
            }
            condition.lock()
            queuedBytes -= job.byteCount
            finishedCount += 1
            if let jobFailure, failure == nil { failure = jobFailure }
            if waitingCallers > 0 { condition.broadcast() }
        }
    }

    /// Waits for the thread to make progress; call with the lock held.
    private func waitForThread() {
        waitingCallers += 1
        condition.wait()
        waitingCallers -= 1
    }
}
