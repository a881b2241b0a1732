import Dispatch

/// Runs async work from libFuzzer's synchronous callback and waits for it: the SDK's converter and readers are
/// async, the fuzzing entry point is not.
func runBlocking<Result: Sendable>(_ work: @escaping @Sendable () async -> Result) -> Result {
    let box = ResultBox<Result>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await work()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Hands a result from the task to the waiting thread; the semaphore orders the write before the read.
private final class ResultBox<Value>: @unchecked Sendable {
    var value: Value?
}
