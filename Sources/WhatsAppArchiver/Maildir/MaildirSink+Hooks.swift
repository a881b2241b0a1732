extension MaildirSink {
    /// What tests can change in a sink: none of it is configuration, and production code never sets it.
    package struct Hooks: Sendable {
        /// Called at named points of a delivery and a commit; whatever it throws makes the sink behave as if the
        /// process died there.
        package var faultInjection: (@Sendable (FaultPoint) throws -> Void)?
        /// Whether the system is taken to have `syncfs`; `nil`: whether it has. `false` forces, on Linux, the path
        /// macOS always takes.
        package var wholeFileSystemSyncAvailable: Bool?
        /// Whether every folder is taken to be (or not to be) on a memory file system; `nil`: whether it is.
        package var memoryFileSystem: Bool?
        /// Told the path of every file and directory synced on its own.
        package var synced: (@Sendable (String) -> Void)?

        /// No hooks.
        package init() {}
    }

    /// The points at which ``Hooks/faultInjection`` can stop a delivery or a commit, in the order they are reached.
    package enum FaultPoint: Sendable, Hashable {
        /// A message is fully written to `tmp/` (not yet synced).
        case afterTemporaryWrite
        /// Every file of the batch is synced (none renamed yet).
        case afterSync
        /// The given number of the batch's files have been renamed into `new/`.
        case afterRename(count: Int)
        /// The `new/` directories are synced: the commit is about to return.
        case afterDirectorySync
    }

    /// The error a fault injection becomes; cleanup code lets it pass untouched, as a crash would.
    package struct InjectedFault: Error, Sendable {
        /// Where the fault was injected.
        package var point: FaultPoint
        /// What the fault injection threw.
        package var underlying: any Error & Sendable
    }
}
