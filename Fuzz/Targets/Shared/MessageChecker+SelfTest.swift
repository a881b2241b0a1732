import Foundation

extension MessageChecker {
    /// A well-formed two-part message, and copies of it each broken in one way the checker must report. Run
    /// before fuzzing starts, so that a checker that has stopped seeing defects stops the run instead of passing.
    static func selfTest() {
        let good = """
            Date: Mon, 23 Nov 2026 09:00:00 +0000\r
            From: <a@example.com>\r
            To: <b@example.com>\r
            Subject: hi\r
            Message-ID: <1@example.com>\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed;\r
             boundary="=_WA_x"\r
            \r
            --=_WA_x\r
            Content-Type: text/plain; charset="utf-8"\r
            Content-Transfer-Encoding: quoted-printable\r
            \r
            h=C3=A9llo=\r
            \r
            --=_WA_x\r
            Content-Type: application/octet-stream\r
            Content-Transfer-Encoding: base64\r
            \r
            AAEC\r
            --=_WA_x--\r

            """
        let goodChecker = MessageChecker(Array(good.utf8))
        require(goodChecker.problems.isEmpty, "self-test: a good message is reported: \(goodChecker.problems)")
        require(goodChecker.parts.count == 2, "self-test: \(goodChecker.parts.count) parts in a two-part message")
        require(base64Decoded(goodChecker.parts[1].lines) == [0, 1, 2], "self-test: base64 decodes wrongly")
        let broken = [
            ("Subject: hi\r\n", "Subject: hi\r\nBcc: evil@example.com\r\n"),
            ("Subject: hi\r\n", "Subject: hi\n"),
            ("Subject: hi\r\n", "Subject: h\u{E9}\r\n"),
            ("Subject: hi\r\n", "Subject: " + String(repeating: "x", count: 1_000) + "\r\n"),
            ("Subject: hi\r\n", ""),
            ("AAEC\r\n", "AAEC\r\n--=_WA_x trailing\r\n"),
            ("AAEC\r\n", String(repeating: "A", count: 80) + "\r\n"),
            ("h=C3=A9llo=\r\n", "h=C3=A9llo=ZZ\r\n"),
            ("Content-Type: application/octet-stream\r\n", "Content-Type: text/plain\r\nX-Evil: 1\r\n"),
            ("--=_WA_x--\r\n", ""),
        ]
        for (original, replacement) in broken {
            let message = good.replacingFirst(original, with: replacement)
            require(!MessageChecker(Array(message.utf8)).problems.isEmpty, "self-test: \(replacement) not reported")
        }
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return self[..<range.lowerBound] + replacement + self[range.upperBound...]
    }
}
