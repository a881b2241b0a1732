import Foundation

/// Runs the sink's commits, one after another in the order they were submitted, on a thread of its own: a commit
/// syncs files, renames them and waits for the write-behind queue, all of which block, so none of it may run on the
/// cooperative pool. Async code awaits a commit's result (``Commit/value``) through a continuation.
package final class MaildirCommitter: @unchecked Sendable {
    /// A submitted commit: its result once the thread has run it.
    package final class Commit: @unchecked Sendable {
        // Guarded by `lock`.
        private let lock = NSLock()
        private var result: Result<CommitReceipt, any Error>?
        private var waiter: CheckedContinuation<CommitReceipt, any Error>?

        /// The commit's receipt, or its error; suspends (never blocks) until the thread has run it.
        package var value: CommitReceipt {
            get async throws {
                try await withCheckedThrowingContinuation { continuation in
                    lock.lock()
                    if let result {
                        lock.unlock()
                        continuation.resume(with: result)
                    } else {
                        waiter = continuation
                        lock.unlock()
                    }
                }
            }
        }

        fileprivate func complete(_ outcome: Result<CommitReceipt, any Error>) {
            lock.lock()
            result = outcome
            let waiter = self.waiter
            self.waiter = nil
            lock.unlock()
            waiter?.resume(with: outcome)
        }
    }

    // Everything below is guarded by `condition`; only the thread ever waits on it.
    private let condition = NSCondition()
    private var jobs: [(work: @Sendable () throws -> CommitReceipt, commit: Commit)] = []
    private var thread: Thread?
    private var isStopping = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    package init() {}

    /// Queues `work` after every commit submitted before; returns at once.
    package func submit(_ work: @escaping @Sendable () throws -> CommitReceipt) -> Commit {
        let commit = Commit()
        condition.lock()
        jobs.append((work, commit))
        if thread == nil {
            // The thread holds the committer until the queue is empty and stop was asked for.
            let thread = Thread { self.runJobs() }
            thread.name = "MaildirSink commit"
            self.thread = thread
            thread.start()
        }
        condition.signal()
        condition.unlock()
        return commit
    }

    /// Runs what is queued, then ends the thread; returns when it has ended. Later submissions start a new one.
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
            condition.signal()
            condition.unlock()
        }
    }

    /// Asks the thread to end once the queue is empty, without waiting: for `deinit`.
    package func requestStop() {
        condition.lock()
        isStopping = true
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        condition.lock()
        while true {
            while jobs.isEmpty && !isStopping {
                condition.wait()
            }
            if jobs.isEmpty {
                thread = nil
                isStopping = false
                let waiters = stopWaiters
                stopWaiters = []
                condition.unlock()
                for waiter in waiters { waiter.resume() }
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job.commit.complete(Result { try job.work() })
            condition.lock()
        }
    }
}
