import Foundation

/// A ``CheckpointStore`` that keeps the checkpoint as a small JSON file, `checkpoint.json`, in a state directory.
///
/// The file is replaced atomically and durably (temporary file, `fsync`, `rename`, directory `fsync`): after a
/// crash at any instant it holds either the old or the new checkpoint. The directory is created `0700` and the
/// file `0600`.
public struct FileCheckpointStore: CheckpointStore {
    /// The state directory.
    public let directory: String

    /// The checkpoint file's path.
    public var path: String { directory + "/checkpoint.json" }

    /// Creates a store in `directory`, creating the directory (and its parents) if needed.
    ///
    /// - Throws: ``ArchiverError/Code/checkpointFailed`` when the directory cannot be created.
    public init(directory: String) throws {
        self.directory = directory
        do {
            try POSIXFiles.ensureDirectories(directory)
        } catch let error as ArchiverError {
            throw ArchiverError(.checkpointFailed, error.message)
        }
    }

    /// Reads the checkpoint; `nil` when none was saved yet.
    ///
    /// - Throws: ``ArchiverError/Code/checkpointFailed`` when the file cannot be read or is not a checkpoint.
    public func load() async throws -> Checkpoint? {
        let bytes: [UInt8]?
        do {
            bytes = try POSIXFiles.readFile(path)
        } catch let error as ArchiverError {
            throw ArchiverError(.checkpointFailed, error.message)
        }
        guard let bytes else { return nil }
        do {
            return try JSONDecoder().decode(Checkpoint.self, from: Data(bytes))
        } catch {
            throw ArchiverError(
                .checkpointFailed,
                "\(path) is not a valid checkpoint. Move it away to start again from the default window, or restore "
                    + "it from a backup.",
                underlying: SendableErrorBox(error)
            )
        }
    }

    /// Replaces the checkpoint durably.
    public func save(_ checkpoint: Checkpoint) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            let data = try encoder.encode(checkpoint)
            try POSIXFiles.writeFileAtomically(path, Array(data) + [0x0A])
        } catch let error as ArchiverError {
            throw ArchiverError(.checkpointFailed, error.message)
        }
    }
}
