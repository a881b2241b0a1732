import Testing

@testable import WhatsAppArchiver

struct UntrustedTextTests {
    @Test(arguments: [
        ("../../etc/passwd", "passwd"), ("..", "fallback"), ("C:\\Windows\\evil.exe", "evil.exe"),
        ("a\u{202E}gpj.exe", "agpj.exe"), ("x\r\ny.txt", "x y.txt"), (".hidden", "hidden"), ("name. ", "name"),
        ("", "fallback"), ("a:b*c?<d>|e\".txt", "a_b_c__d__e_.txt"), ("nul\u{0}byte.pdf", "nulbyte.pdf"),
        ("dir/", "fallback"), ("Offer Q4.pdf", "Offer Q4.pdf"), ("\u{2067}report\u{2069}.pdf", "report.pdf"),
    ])
    func fileNamesAreSafe(input: String, expected: String) {
        #expect(UntrustedText.fileName(input, fallback: "fallback") == expected)
    }

    @Test func missingFileNameUsesTheFallback() {
        #expect(UntrustedText.fileName(nil, fallback: "attachment-1") == "attachment-1")
    }

    @Test func longFileNamesAreCutOnACharacterBoundaryKeepingTheExtension() {
        let name = UntrustedText.fileName(String(repeating: "Отчёт", count: 100) + ".docx", fallback: "x")
        #expect(name.utf8.count <= 150)
        #expect(name.hasSuffix(".docx"))
        #expect(name.hasPrefix("ОтчётОтчёт"))
    }

    @Test func aCutNeverLeavesATrailingSpaceOrDot() {
        let name = UntrustedText.fileName(String(repeating: "ab ", count: 100), fallback: "x", maximumBytes: 20)
        #expect(name == "ab ab ab ab ab ab ab")
        let dotted = UntrustedText.fileName(String(repeating: "a.", count: 100), fallback: "x", maximumBytes: 20)
        #expect(!dotted.hasSuffix("."))
    }

    @Test func singleLineRemovesControlsAndBidiAndCollapsesSpace() {
        let line = UntrustedText.singleLine("  Eve\r\n\tBcc:\u{0} x\u{202E}y\u{2028}z\u{7F}\u{9B}  ")
        #expect(line == "Eve Bcc: xy z")
    }

    @Test func singleLineIsCutWithAnEllipsis() {
        #expect(UntrustedText.singleLine(String(repeating: "a", count: 20), maximumCharacters: 10) == "aaaaaaaaa…")
    }

    @Test func multiLineNormalisesBreaksAndDropsControls() {
        #expect(UntrustedText.multiLine("a\r\nb\rc\nd\u{0}\u{1B}e\tf\u{2029}g") == "a\nb\nc\nde\tf\ng")
    }

    @Test(arguments: [
        ("image/JPEG", "image/jpeg"), ("application/pdf; name=x", "application/pdf"),
        ("text/html\r\nX: 1", "application/octet-stream"),
        ("multipart/mixed", "application/octet-stream"), ("message/rfc822", "application/octet-stream"),
        ("nonsense", "application/octet-stream"), ("", "application/octet-stream"), ("video/mp4", "video/mp4"),
        (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        ),
        ("image/", "application/octet-stream"), ("image/png/x", "application/octet-stream"),
    ])
    func contentTypesAreValidated(declared: String, expected: String) {
        #expect(MIMEContentType.validated(declared) == expected)
    }
}
