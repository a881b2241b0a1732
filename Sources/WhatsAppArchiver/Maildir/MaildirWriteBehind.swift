import Foundation

/// Runs the file-system half of small deliveries on a thread of its own, in order, so that creating, writing and
/// linking one message's files overlaps with converting the next message on the other core.
///
/// Nothing is durable before a commit anyway: each commit drains this queue up to the ticket its batch was sealed
/// at, and a failure here (disk full, permission denied) is kept and thrown by the next enqueue or drain, which
/// stops the run as a synchronous failure would. The queue holds at most ``maximumQueuedBytes``; beyond that
/// `enqueue` suspends (it never blocks the caller's thread) until the thread has made room.
package final class MaildirWriteBehind: @unchecked Sendable {
    /// One job: the work, and how many bytes of memory it holds until it has run.
    private struct Job {
        var byteCount: Int
        var work: @Sendable () throws -> Void
    }

    /// The most bytes of message data waiting in the queue; `enqueue` suspends beyond it.
    package let maximumQueuedBytes: Int

    // Everything below is guarded by `condition`. Only the write-behind thread and a committing thread (never a
    // task of the cooperative pool) wait on it.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    /// The array the thread ran its last batch from, empty, kept for its capacity.
    private var spareJobs: [Job] = []
    /// Jobs queued and jobs finished (run or skipped) since the start: a drain waits for a count, not for an empty
    /// queue, so that deliveries going on during a commit cannot keep it waiting.
    private var queuedCount = 0
    private var finishedCount = 0
    private var queuedBytes = 0
    private var failure: (any Error)?
    private var isStopping = false
    private var thread: Thread?
    /// Whether the thread waits for work: only then does `enqueue` need to wake it.
    private var isThreadIdle = false
    /// How many jobs an idle thread is left to gather before `enqueue` wakes it. Waking it for every job cost
    /// the caller a futex call and both threads a context switch per message (about 6% of the caller's time on
    /// small messages); a drain, a stop and a full queue wake it at once, so nothing waits on the gathering.
    private static let jobsPerWakeUp = 16
    /// Threads waiting in `drain`: only then does a finished job need to wake anyone.
    private var waitingDrains = 0
    /// Enqueuers suspended until there is room, in order.
    private var roomWaiters: [(byteCount: Int, continuation: CheckedContinuation<Void, Never>)] = []
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    package init(maximumQueuedBytes: Int = 16 << 20) {
        self.maximumQueuedBytes = maximumQueuedBytes
    }

    /// How many jobs were queued so far: a drain through this ticket waits for every one of them.
    package var ticket: Int {
        condition.lock()
        defer { condition.unlock() }
        return queuedCount
    }

    /// Queues `work`, which holds `byteCount` bytes of memory until it runs, starting the thread on first use;
    /// suspends while the queue holds too many bytes.
    ///
    /// - Throws: The failure of an earlier job, if one failed since the last ``drain(through:)``; `work` is then
    ///   not queued.
    package func enqueue(byteCount: Int, _ work: @escaping @Sendable () throws -> Void) async throws {
        while try !tryEnqueue(byteCount: byteCount, work) {
            await withCheckedContinuation { waitForRoom(byteCount: byteCount, $0) }
        }
    }

    /// Queues `work` unless the queue is too full; throws an earlier job's failure.
    private func tryEnqueue(byteCount: Int, _ work: @escaping @Sendable () throws -> Void) throws -> Bool {
        condition.lock()
        if let failure {
            condition.unlock()
            throw failure
        }
        if queuedBytes > 0 && queuedBytes + byteCount > maximumQueuedBytes {
            condition.unlock()
            return false
        }
        jobs.append(Job(byteCount: byteCount, work: work))
        queuedBytes += byteCount
        queuedCount += 1
        if thread == nil {
            // The thread holds the queue until stop is asked for and the queue is empty.
            let thread = Thread { self.runJobs() }
            thread.name = "MaildirSink write-behind"
            self.thread = thread
            thread.start()
        }
        let wakes = isThreadIdle && (jobs.count >= Self.jobsPerWakeUp || queuedBytes * 4 >= maximumQueuedBytes)
        condition.unlock()
        // Woken after the unlock: a thread woken under the lock would only block on it again at once.
        if wakes { condition.broadcast() }
        return true
    }

    /// Resumes `continuation` when `byteCount` more bytes fit (or a job failed), at once if they do now.
    private func waitForRoom(byteCount: Int, _ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        if failure == nil && thread != nil && queuedBytes > 0 && queuedBytes + byteCount > maximumQueuedBytes {
            roomWaiters.append((byteCount, continuation))
            // Only the thread makes room: it must not be left gathering.
            if isThreadIdle { condition.broadcast() }
            condition.unlock()
        } else {
            condition.unlock()
            continuation.resume()
        }
    }

    /// Blocks until every job up to `ticket` has run; jobs queued later may still be waiting. Call only from a
    /// thread of one's own (the sink's committer), never from a task.
    ///
    /// - Throws: The first failure of a job since the last drain (later jobs were skipped); the failure is then
    ///   forgotten, so that the sink can be used again.
    package func drain(through ticket: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        while finishedCount < ticket {
            // The thread may be idle, gathering jobs for its next wake-up: the drain wants them now.
            if isThreadIdle { condition.broadcast() }
            waitingDrains += 1
            condition.wait()
            waitingDrains -= 1
        }
        if let failure {
            self.failure = nil
            throw failure
        }
    }

    /// Runs what is queued, then ends the thread; returns when it has. Failures are dropped: stopping is for
    /// closing the sink. Later jobs start a new thread.
    package func stop() async {
        await withCheckedContinuation { continuation in
            condition.lock()
            guard thread != nil else {
                condition.unlock()
                continuation.resume()
                return
            }
            isStopping = true
            stopWaiters.append(continuation)
            condition.broadcast()
            condition.unlock()
        }
    }

    /// Asks the thread to end once the queue is empty, without waiting: for `deinit` and for a thread that must
    /// not wait for itself.
    package func requestStop() {
        condition.lock()
        isStopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func runJobs() {
        condition.lock()
        while true {
            while jobs.isEmpty && !isStopping {
                isThreadIdle = true
                condition.wait()
                isThreadIdle = false
            }
            if jobs.isEmpty {
                thread = nil
                isStopping = false
                let waiters = stopWaiters + roomWaiters.map(\.continuation)
                stopWaiters = []
                roomWaiters = []
                condition.broadcast()
                condition.unlock()
                for waiter in waiters { waiter.resume() }
                return
            }
            // Everything queued is taken at once and run without the lock: taking and finishing each job under
            // the lock made the thread and the enqueuing caller contend for it on every message.
            // The queue continues in the spare array's storage (held by nothing else, so appending never copies).
            var batch: [Job] = []
            swap(&batch, &spareJobs)
            swap(&batch, &jobs)
            var skip = failure != nil
            condition.unlock()
            var jobFailure: (any Error)?
            var byteCount = 0
            for index in batch.indices {
                byteCount += batch[index].byteCount
                guard !skip else { continue }
                do {
                    try batch[index].work()
                } catch {
                    // Later jobs are skipped, as they would be after a failure seen under the lock.
                    jobFailure = error
                    skip = true
                }
            }
            let finished = batch.count
            // The jobs' memory (the messages' bytes) is freed here, outside the lock.
            batch.removeAll(keepingCapacity: true)
            condition.lock()
            spareJobs = batch
            queuedBytes -= byteCount
            finishedCount += finished
            if let jobFailure, failure == nil { failure = jobFailure }
            if waitingDrains > 0 { condition.broadcast() }
            let resumed = takeWaitersThatFit()
            if !resumed.isEmpty {
                condition.unlock()
                for waiter in resumed { waiter.resume() }
                condition.lock()
            }
        }
    }

    /// The suspended enqueuers that may go on now, in order: those whose bytes fit, or all after a failure (which
    /// they then throw). Call with the lock held.
    private func takeWaitersThatFit() -> [CheckedContinuation<Void, Never>] {
        var resumed: [CheckedContinuation<Void, Never>] = []
        var bytes = queuedBytes
        while let first = roomWaiters.first,
            failure != nil || bytes == 0 || bytes + first.byteCount <= maximumQueuedBytes
        {
            roomWaiters.removeFirst()
            bytes += first.byteCount
            resumed.append(first.continuation)
        }
        return resumed
    }
}
