// Loads a large custom mapping file and maps a million participants with the CSV-plus-property mapper.
//
//   swift run -c release --package-path Benchmarks MappingBenchmark [--rows N] [--participants N] [--directory DIR]
//
// The mapping file is generated in DIR (default /dev/shm, else the temporary directory) and removed at the end.
// Items have one sender and three recipients: 70% of participants are in the file, 20% are mapped by their email
// property, 10% are outside contacts who map to nothing. Peak memory is the kernel's VmHWM (Linux only).
import Foundation
import WhatsAppArchiver
import WhatsAppArchiverTesting

struct Options {
    var rows = 200_000
    var participants = 1_000_000
    var directory = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--rows": rows = Int(iterator.next() ?? "") ?? rows
            case "--participants": participants = Int(iterator.next() ?? "") ?? participants
            case "--directory": directory = iterator.next() ?? directory
            default:
                FileHandle.standardError.write(Data("unknown option \(argument)\n".utf8))
                exit(2)
            }
        }
    }
}

/// A small deterministic generator (SplitMix64), so that every run maps the same participants.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

func peakMemory() -> String {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return "n/a" }
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
    return line.map { $0.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces) } ?? "n/a"
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// The number of row `index`, written in one of the ways people write numbers.
func writtenNumber(_ index: Int) -> String {
    let digits = String(46_700_000_000 + index * 7)
    switch index % 4 {
    case 0: return digits
    case 1: return "+" + digits
    case 2:
        let a = digits.prefix(2)
        let b = digits.dropFirst(2).prefix(2)
        let c = digits.dropFirst(4).prefix(3)
        return "+\(a) \(b)-\(c) \(digits.dropFirst(7))"
    default: return "\"(\(digits.prefix(2))) \(digits.dropFirst(2))\""
    }
}

func run() async throws {
    let options = Options(CommandLine.arguments)
    let path = options.directory + "/mapping-benchmark-\(getpid()).csv"
    defer { try? FileManager.default.removeItem(atPath: path) }

    // 1. The mapping file: the documented header with an extra column, CRLF, a mix of number writings.
    var text = "External User ID,Microsoft 365 User Mailbox,Display Name\r\n"
    text.reserveCapacity(options.rows * 64)
    for index in 0..<options.rows {
        text += "\(writtenNumber(index)),User.\(index)@Contoso.com,\"User \(index), Sales\"\r\n"
    }
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    let fileBytes = text.utf8.count
    text = ""
    print("mapping file: \(options.rows) rows, \(fileBytes) bytes at \(path)")
    print("peak memory before loading: \(peakMemory())")

    // 2. Load and check it, then resolve it against the directory.
    let clock = ContinuousClock()
    var file: MappingFile!
    let loadTime = try clock.measure { file = try MappingFile(contentsOf: path) }
    precondition(file.count == options.rows, "the benchmark file must map every row")
    var mapper: CSVPropertyMapper!
    let resolveTime = try clock.measure {
        mapper = try CSVPropertyMapper(
            configuration: .init(mappingFile: file, directory: try UserDirectory(domains: ["contoso.com"]))
        )
    }
    print(
        String(
            format: "load: %.3f s (%.0f rows/s, %.1f MB/s); resolve against the directory: %.3f s",
            seconds(loadTime),
            Double(options.rows) / seconds(loadTime),
            Double(fileBytes) / seconds(loadTime) / 1e6,
            seconds(resolveTime)
        )
    )
    print("peak memory after loading: \(peakMemory())")

    // 3. Items: one sender and three recipients each.
    var random = SplitMix64(state: 20_261_125)
    func participant(_ random: inout SplitMix64) -> Party {
        let roll = random.below(10)
        if roll < 7 {
            return Party(phone: "+\(46_700_000_000 + random.below(options.rows) * 7)")
        }
        let number = 33_600_000_000 + random.below(1_000_000)
        if roll < 9 {
            return Party(phone: "+\(number)", email: "person\(number)@contoso.com")
        }
        return Party(phone: "+\(number)")
    }
    let itemCount = options.participants / 4
    var items: [Item] = []
    items.reserveCapacity(itemCount)
    for index in 0..<itemCount {
        items.append(
            SampleItems.message(
                id: "wa-\(index)",
                from: participant(&random),
                to: [participant(&random), participant(&random), participant(&random)]
            )
        )
    }
    print("items: \(itemCount), participants: \(itemCount * 4); peak memory with the items built: \(peakMemory())")

    // 4. Map them, synchronously and through the async role the connector calls.
    var mailboxCount = 0
    var unmappedParticipants = 0
    var unmappedItems = 0
    let mapTime = clock.measure {
        for item in items {
            let result = mapper.mapping(for: item)
            mailboxCount += result.mailboxes.count
            unmappedItems += result.mailboxes.isEmpty ? 1 : 0
            for participant in result.participants where participant.mailbox == nil { unmappedParticipants += 1 }
        }
    }
    var asyncMailboxCount = 0
    let asyncMapTime = try await clock.measure {
        for item in items {
            asyncMailboxCount += try await mapper.map(MappingRequest(item: item)).mailboxes.count
        }
    }
    precondition(asyncMailboxCount == mailboxCount)
    let participants = Double(itemCount * 4)
    print(
        String(
            format: "map: %.3f s (%.2f M participants/s, %.0f ns each); through async map: %.3f s (%.0f ns each)",
            seconds(mapTime),
            participants / seconds(mapTime) / 1e6,
            seconds(mapTime) / participants * 1e9,
            seconds(asyncMapTime),
            seconds(asyncMapTime) / participants * 1e9
        )
    )
    print(
        "mailboxes: \(mailboxCount), unmapped participants: \(unmappedParticipants), unmapped items: \(unmappedItems)"
    )
    print("peak memory at the end: \(peakMemory())")
}

try await run()
