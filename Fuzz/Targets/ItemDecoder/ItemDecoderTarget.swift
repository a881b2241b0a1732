@testable import TeleMessage
@testable import WhatsAppArchiver

/// The TeleMessage item decoder and its JSON parser; the whole input is one record. Invariants:
///
/// - the parser accepts a text with tokens for every value exactly when it accepts it with tokens for the first two
///   levels only (as pages are parsed), and every token's links stay inside the tape;
/// - a decoded item has a valid id, valid phones, valid attachment ids and digests, and the raw JSON of an unknown
///   kind; decoding is deterministic;
/// - an invalid record's reason holds no control, format or line-separator character, so hostile input cannot
///   forge lines or hide text in a report or log;
/// - a decoded item converts to an EML message that obeys the byte rules (see the EMLWriter target).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    var configuration = ItemDecoder.Configuration()
    configuration.maximumDepth = 16
    let decoder = ItemDecoder(configuration: configuration)
    checkTape(bytes, maximumDepth: configuration.maximumDepth)

    switch decoder.decode(bytes, position: "fuzz line 1") {
    case .invalid(let record):
        require(!record.reason.isEmpty, "an invalid record without a reason")
        for scalar in record.reason.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator:
                require(
                    false,
                    "the reason holds U+\(String(scalar.value, radix: 16)): \(record.reason.debugDescription)"
                )
            default: break
            }
        }
        if case .item = decoder.decode(bytes, position: "fuzz line 1") {
            require(false, "decoding is not deterministic")
        }
    case .item(let item):
        guard case .item(let again) = decoder.decode(bytes, position: "fuzz line 1"), again.id == item.id else {
            require(false, "decoding is not deterministic")
            return 0
        }
        require(
            (1...256).contains(item.id.utf8.count) && item.id.utf8.allSatisfy { $0 >= 0x21 && $0 <= 0x7E },
            "the invalid id \(item.id.debugDescription) was accepted"
        )
        for party in [item.owner, item.from] + item.to {
            require(Party.isValidPhone(party.phone), "the invalid phone \(party.phone.debugDescription) was accepted")
        }
        for attachment in item.attachments {
            require(Attachment.isValidID(attachment.id), "the attachment id \(attachment.id.debugDescription)")
            if let digest = attachment.sha256 {
                require(
                    digest.utf8.count == 64
                        && digest.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) },
                    "the digest \(digest.debugDescription) was accepted"
                )
            }
        }
        require(item.kind.isKnown || item.rawJSON != nil, "an unknown kind without its raw JSON")
        checkConversion(item)
    }
    return 0
}

/// Parses `bytes` with full and with page-depth tokens, and walks every link of the full tape.
func checkTape(_ bytes: [UInt8], maximumDepth: Int) {
    let full = try? JSONDocument(bytes: bytes, maximumDepth: maximumDepth)
    let shallow = try? JSONDocument(bytes: bytes, maximumDepth: maximumDepth, recordingDepth: 2)
    require((full == nil) == (shallow == nil), "the page-depth parser disagrees on whether the text is JSON")
    guard let full, let shallow else { return }
    walk(full, 0, depth: 0, childrenRecordedBelow: .max)
    walk(shallow, 0, depth: 0, childrenRecordedBelow: 2)
}

/// Walks the token at `index` and, while `depth` is below `childrenRecordedBelow`, its children.
private func walk(_ document: JSONDocument, _ index: Int, depth: Int, childrenRecordedBelow: Int) {
    require(index >= 0 && index < document.tape.tokens.count, "token \(index) outside the tape")
    let token = document[index]
    require(token.start <= token.end && token.end <= document.bytes.count, "token \(index) outside the text")
    guard depth < childrenRecordedBelow else { return }
    switch token.kind {
    case .array:
        for element in document.elements(index) where element < document.tape.tokens.count {
            walk(document, element, depth: depth + 1, childrenRecordedBelow: childrenRecordedBelow)
        }
    case .object:
        for (name, value) in document.members(index) where value < document.tape.tokens.count {
            require(document[name].kind == .string, "a member name that is not a string")
            walk(document, value, depth: depth + 1, childrenRecordedBelow: childrenRecordedBelow)
        }
    case .string:
        if String(validating: document.bytes, as: UTF8.self) != nil { _ = try? document.string(index) }
    default:
        break
    }
}

/// Converts a decoded item as the Connector would, to the owner's mailbox, and checks the message.
func checkConversion(_ item: Item) {
    let mailbox = MailboxAddress("owner@contoso.com")!
    let participants = item.participants.map { ParticipantMapping(party: $0, mailbox: mailbox) }
    let request = ConversionRequest(
        item: item,
        mapping: MappingResult(mailboxes: [mailbox], participants: participants),
        mailboxes: [mailbox]
    )
    let result = runBlocking { () async -> Result<[UInt8], ArchiverError> in
        do {
            return .success(try await EMLConverter().convert(request).body.collect())
        } catch let error as ArchiverError {
            return .failure(error)
        } catch {
            return .failure(ArchiverError(ArchiverError.Code("fuzz_unexpected"), "not an ArchiverError: \(error)"))
        }
    }
    switch result {
    case .failure(let error):
        // A decoded item's attachments have no content yet: each becomes a placeholder, never a failure.
        require(false, "a decoded item did not convert: \(error)")
    case .success(let bytes):
        let checker = MessageChecker(bytes)
        require(checker.problems.isEmpty, "the decoded item's message breaks the rules: \(checker.problems)")
        require(checker.parts.count == 1 + item.attachments.count + (item.kind.isKnown ? 0 : 1), "parts lost")
    }
}
