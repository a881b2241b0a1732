/// Turns a folder name into the name of its Maildir++ directory, or says why it cannot be one.
package enum MaildirFolderName {
    /// The directory, relative to the mailbox's Maildir, that holds the folder `name`: `.` followed by the name in
    /// IMAP modified UTF-7, or `nil` for `INBOX` (any case), which is the Maildir itself.
    ///
    /// - Throws: ``ArchiverError/Code/invalidConfiguration`` (run scope) when the name cannot be a Maildir++ folder.
    package static func directoryName(for name: String) throws -> String? {
        if let problem = problem(with: name) {
            throw ArchiverError(
                .invalidConfiguration,
                "The folder name \"\(name)\" cannot be used: \(problem). Choose another folder name.",
                scope: .run
            )
        }
        if name.uppercased() == "INBOX" { return nil }
        return "." + ModifiedUTF7.encode(name)
    }

    /// Why `name` cannot be a folder, or `nil` when it can.
    package static func problem(with name: String) -> String? {
        guard !name.isEmpty else { return "it is empty" }
        for scalar in name.unicodeScalars {
            switch scalar {
            case ".":
                return "it contains \".\", which Maildir++ uses to separate a folder from its parent"
            case "/":
                return "it contains \"/\", which cannot be part of a directory name"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value):
                return "it contains a control character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
            default:
                continue
            }
        }
        if name.first == "~" { return "it starts with \"~\", which IMAP servers read as a home directory" }
        if name.first == " " || name.last == " " { return "it starts or ends with a space" }
        if ModifiedUTF7.encode(name).utf8.count > 250 { return "it is longer than 250 bytes once encoded" }
        return nil
    }
}
