import Foundation
import WhatsAppArchiver

/// A head kept outside the machine (timestamped, mailed, filed in a ticket), as the run report gives it: the
/// folder's path relative to the Maildir root, the tree size and the root.
public struct AnchoredHead: Sendable, Hashable {
    /// The folder's directory relative to the Maildir root: `alice@contoso.com/.WhatsApp Archiver`.
    public var folderPath: String
    /// The number of entries the root covers.
    public var size: Int
    /// The root.
    public var root: [UInt8]

    /// An anchored head.
    public init(folderPath: String, size: Int, root: [UInt8]) {
        self.folderPath = folderPath
        self.size = size
        self.root = root
    }

    /// The heads in a file of anchored heads: a run report (its `logHeads`), a JSON array of heads, or JSON lines of
    /// either (a file each day's report is appended to), in the order they appear.
    ///
    /// - Throws: `ArchiverError.Code.invalidConfiguration` naming the file and what is wrong.
    public static func parse(_ bytes: [UInt8], file: String) throws -> [AnchoredHead] {
        func fail(_ why: String) -> ArchiverError {
            ArchiverError(.invalidConfiguration, "\(file): \(why)", scope: .run)
        }
        var values: [Any] = []
        if let whole = try? JSONSerialization.jsonObject(with: Data(bytes)) {
            values = [whole]
        } else {
            for (number, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
                guard let value = try? JSONSerialization.jsonObject(with: Data(line)) else {
                    throw fail("line \(number + 1) is not JSON")
                }
                values.append(value)
            }
        }
        var heads: [AnchoredHead] = []
        func add(_ value: Any) throws {
            if let list = value as? [Any] {
                for element in list { try add(element) }
            } else if let object = value as? [String: Any], let list = object["logHeads"] {
                try add(list)
            } else if let object = value as? [String: Any], let path = object["path"] as? String,
                let size = object["size"] as? Int, size >= 0,
                let root = (object["root"] as? String).flatMap(EvidenceLogRecord.hexBytes), root.count == 32
            {
                heads.append(AnchoredHead(folderPath: path, size: size, root: root))
            } else {
                throw fail(
                    "a head needs \"path\", \"size\" and \"root\" (64 hexadecimal digits), as the run report gives it"
                )
            }
        }
        for value in values { try add(value) }
        return heads
    }
}
