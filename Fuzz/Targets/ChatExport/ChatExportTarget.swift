import Foundation
import WhatsAppArchiver

@testable import ChatExport

/// The chat-export line parser and ZIP reader. The first byte picks the mode; the rest is the input.
///
/// Line mode (even first byte): the bytes are a chat text. Invariants:
/// - every header the parser finds ends inside its line, and its wall-clock time, when valid, is a real date and a
///   24-hour time in range;
/// - the source either refuses the file as a whole with `chat_export_invalid` or reads it: every message is an
///   item or an invalid record, ids are unique, 40 characters, `wa-chat-` and hex, no text holds a NUL, and the
///   items of a page share times only in id order;
/// - reading the file twice gives the same ids.
///
/// ZIP mode (odd first byte): the bytes are a `.zip`. Invariants: the source either refuses it with
/// `chat_export_invalid` (and leaves nothing in its private directory) or reads it; after `close()` nothing is
/// left in the private directory, and no file appears next to the archive.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    guard count > 0 else { return 0 }
    let mode = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: count - 1))
    let scratch = NSTemporaryDirectory() + "chat-export-fuzz-\(getpid())"
    try? FileManager.default.removeItem(atPath: scratch)
    try! FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: scratch) }
    if mode & 1 == 0 {
        checkLines(bytes, scratch: scratch)
    } else {
        checkZip(bytes, scratch: scratch)
    }
    return 0
}

private func checkLines(_ bytes: [UInt8], scratch: String) {
    for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
        Array(line).withUnsafeBufferPointer { buffer in
            guard let header = ChatLineHeader.parse(buffer) else { return }
            require(header.bodyStart <= buffer.count, "header body starts past its line")
            for order in [ChatDateOrder.dayMonthYear, .monthDayYear, .yearMonthDay] {
                guard case .success(let clock) = header.wallClock(order: order) else { continue }
                require((1...12).contains(clock.month), "month \(clock.month)")
                require(clock.day >= 1 && clock.day <= ChatClock.daysIn(month: clock.month, year: clock.year), "day")
                require((0...23).contains(clock.hour) && (0...59).contains(clock.minute), "time out of range")
            }
        }
    }
    let path = scratch + "/chat.txt"
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    let first = read(path, scratch: scratch)
    let second = read(path, scratch: scratch)
    require(first == second, "two readings of the same file give different ids")
}

private func read(_ path: String, scratch: String) -> [String]? {
    var configuration = ChatExportSource.Configuration(path: path)
    configuration.chatName = "Fuzz"
    configuration.dateOrder = .dayMonthYear
    configuration.temporaryDirectory = scratch + "/private"
    configuration.maximumMessageBytes = 4096
    let source: ChatExportSource
    do {
        source = try ChatExportSource(configuration: configuration)
    } catch let error as ArchiverError {
        require(error.code == .chatExportInvalid && error.scope == .run, "refused with \(error)")
        return nil
    } catch {
        require(false, "refused with \(error)")
        return nil
    }
    return runBlocking {
        var ids: [String] = []
        var cursor: SourceCursor?
        repeat {
            guard
                let page = try? await source.fetchPage(
                    PageRequest(window: source.wholeExport, cursor: cursor, limit: 3)
                )
            else {
                require(false, "a page failed")
                return ids
            }
            for (earlier, later) in zip(page.items, page.items.dropFirst()) where earlier.capturedAt == later.capturedAt {
                require(earlier.id < later.id, "items of one time out of id order")
            }
            for item in page.items {
                require(item.id.hasPrefix("wa-chat-") && item.id.utf8.count == 40, "id \(item.id)")
                require(!(item.text ?? "").utf8.contains(0), "a text holds a NUL")
                ids.append(item.id)
            }
            cursor = page.nextCursor
        } while cursor != nil
        require(Set(ids).count == ids.count, "two items share an id")
        await source.close()
        return ids
    }
}

private func checkZip(_ bytes: [UInt8], scratch: String) {
    let path = scratch + "/WhatsApp Chat - Fuzz.zip"
    _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    var configuration = ChatExportSource.Configuration(path: path)
    configuration.temporaryDirectory = scratch + "/private"
    configuration.maximumEntryBytes = 1 << 20
    configuration.maximumArchiveBytes = 4 << 20
    do {
        let source = try ChatExportSource(configuration: configuration)
        runBlocking { await source.close() }
    } catch let error as ArchiverError {
        require(error.code == .chatExportInvalid && error.scope == .run, "refused with \(error)")
    } catch {
        require(false, "refused with \(error)")
    }
    let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: scratch + "/private")) ?? []
    require(leftovers.isEmpty, "the private directory keeps \(leftovers)")
    let beside = (try? FileManager.default.contentsOfDirectory(atPath: scratch)) ?? []
    require(Set(beside).isSubset(of: ["WhatsApp Chat - Fuzz.zip", "private"]), "files beside the archive: \(beside)")
}
