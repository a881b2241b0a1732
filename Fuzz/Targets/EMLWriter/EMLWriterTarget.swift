@testable import WhatsAppArchiver

/// The EML converter: an item built from the fuzzer's bytes is converted and collected, then re-read by
/// ``MessageChecker`` (which shares no code with the converter). Invariants:
///
/// - CRLF only, no line over 998 octets, a header section of printable ASCII holding only the fields the converter
///   writes, each once, the required ones present; encoded-words of at most 75 characters;
/// - body lines of at most 76 characters, valid base64 or quoted-printable; no content line starts with the
///   boundary, so the parts read back are exactly the parts written: the text, one per attachment (its bytes, or
///   a placeholder when the source could not provide them) and the raw JSON of an unknown kind;
/// - the conversion fails only for an invalid item id, and then with `conversionFailed`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    var input = FuzzInput(Array(UnsafeBufferPointer(start: data, count: count)))
    let fuzzed = FuzzedItem(&input)
    let request = fuzzed.request
    let result = runBlocking { () async -> Result<([UInt8], Int), ArchiverError> in
        do {
            let message = try await EMLConverter().convert(request)
            return .success((try await message.body.collect(), message.partialReasons.count))
        } catch let error as ArchiverError {
            return .failure(error)
        } catch {
            return .failure(ArchiverError(ArchiverError.Code("fuzz_unexpected"), "not an ArchiverError: \(error)"))
        }
    }
    let id = request.item.id
    let validID = (1...256).contains(id.utf8.count) && id.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    switch result {
    case .failure(let error):
        require(!validID && error.code == .conversionFailed, "the conversion failed: \(error)")
    case .success(let (bytes, partialCount)):
        require(validID, "an item with the invalid id \(id.debugDescription) was converted")
        checkMessage(bytes, fuzzed: fuzzed, partialCount: partialCount)
    }
    return 0
}

func checkMessage(_ bytes: [UInt8], fuzzed: FuzzedItem, partialCount: Int) {
    let checker = MessageChecker(bytes)
    require(checker.problems.isEmpty, "the message breaks the rules: \(checker.problems)")
    for line in MessageChecker.lines(bytes) {
        if line.isEmpty { break }
        var rest = Substring(String(decoding: line, as: UTF8.self))
        while let start = rest.range(of: "=?"), let end = rest[start.upperBound...].range(of: "?=") {
            let length = rest.distance(from: start.lowerBound, to: end.upperBound)
            require(length <= 75, "an encoded-word of \(length) characters")
            rest = rest[end.upperBound...]
        }
    }
    let item = fuzzed.request.item
    let unavailable = fuzzed.attachmentBytes.filter { $0 == nil }.count
    require(partialCount == unavailable, "\(partialCount) partial reasons for \(unavailable) missing attachments")
    let rawJSON = item.kind.isKnown ? nil : item.rawJSON
    let expectedParts = 1 + fuzzed.attachmentBytes.count + (rawJSON == nil ? 0 : 1)
    require(checker.parts.count == expectedParts, "\(checker.parts.count) parts read back, \(expectedParts) written")
    let text = checker.parts[0]
    require(text.value("content-transfer-encoding")?.contains("quoted-printable") == true, "the text is not QP")
    if let decoded = MessageChecker.quotedPrintableDecoded(text.lines) {
        require(String(validating: decoded, as: UTF8.self) != nil, "the text is not UTF-8")
    }
    for (index, expected) in fuzzed.attachmentBytes.enumerated() {
        let part = checker.parts[1 + index]
        if let expected {
            require(MessageChecker.base64Decoded(part.lines) == expected, "attachment \(index) lost bytes")
        } else {
            require(part.value("content-type")?.contains("text/plain") == true, "placeholder \(index) not text")
        }
    }
    if let rawJSON {
        require(MessageChecker.base64Decoded(checker.parts.last!.lines) == Array(rawJSON.utf8), "raw JSON lost")
    }
}

/// Checks the checker before the first input.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> CInt {
    MessageChecker.selfTest()
    return 0
}
