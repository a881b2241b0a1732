import Foundation
import Testing
import WhatsAppArchiver

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func mode(_ path: String) -> mode_t {
    var info = stat()
    _ = lstat(path, &info)
    return info.st_mode & 0o777
}

struct FileCheckpointStoreTests {
    @Test func savesAndLoadsDurablyWithPrivatePermissionsWhateverTheUmask() async throws {
        let temporary = try ScratchDirectory()
        let previous = umask(0)
        defer { umask(previous) }
        let store = try FileCheckpointStore(directory: temporary.path + "/state/nested")
        #expect(try await store.load() == nil)
        let checkpoint = Checkpoint(
            position: RFC3339.parse("2026-11-24T00:00:00Z")!,
            savedAt: RFC3339.parse("2026-11-24T00:00:05.250Z")!
        )
        try await store.save(checkpoint)
        #expect(try await FileCheckpointStore(directory: temporary.path + "/state/nested").load() == checkpoint)
        #expect(mode(temporary.path + "/state") == 0o700)
        #expect(mode(temporary.path + "/state/nested") == 0o700)
        #expect(mode(store.path) == 0o600)
        #expect(!FileManager.default.fileExists(atPath: store.path + ".tmp"))
        let text = try String(contentsOfFile: store.path, encoding: .utf8)
        #expect(text == #"{"position":"2026-11-24T00:00:00Z","savedAt":"2026-11-24T00:00:05.250Z","version":1}"# + "\n")
    }

    @Test func aCorruptCheckpointIsAClearErrorNotAFreshStart() async throws {
        let temporary = try ScratchDirectory()
        let store = try FileCheckpointStore(directory: temporary.path)
        try Data("{\"position\": \"yesterday\"".utf8).write(to: URL(fileURLWithPath: store.path))
        do {
            _ = try await store.load()
            Issue.record("a corrupt checkpoint must not load")
        } catch let error as ArchiverError {
            #expect(error.code == .checkpointFailed)
            #expect(error.message.contains(store.path))
        }
    }

    @Test func aStateDirectoryThatIsAFileIsRefused() throws {
        let temporary = try ScratchDirectory()
        #expect(FileManager.default.createFile(atPath: temporary.path + "/state", contents: Data()))
        #expect(throws: ArchiverError.self) { try FileCheckpointStore(directory: temporary.path + "/state") }
    }

    @Test func aSymlinkedStateDirectoryIsRefused() throws {
        let temporary = try ScratchDirectory()
        try FileManager.default.createDirectory(
            atPath: temporary.path + "/elsewhere",
            withIntermediateDirectories: true
        )
        try FileManager.default.createSymbolicLink(atPath: temporary.path + "/state", withDestinationPath: "elsewhere")
        #expect(throws: ArchiverError.self) { try FileCheckpointStore(directory: temporary.path + "/state") }
    }
}
