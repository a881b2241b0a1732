import WhatsAppArchiver
import WhatsAppArchiverTesting

/// Thirty items between six people, some mapped by a table, some by their email, some not at all, a quarter with
/// an attachment the source cannot provide: fan-out of every width, from unmapped to five mailboxes.
enum FanOutItems {
    static let people: [Party] = [
        SampleItems.alice, SampleItems.carol, SampleItems.bernd,
        Party(phone: "+4479460000", name: "Dave"),
        Party(phone: "+4479460001", name: "Erin", email: "erin@contoso.com"),
        Party(phone: "+4479460002", name: "Frank", email: "frank@contoso.com"),
    ]

    /// The mapper for these people: Dave by the table, the others by their email property.
    static var mapper: StaticMapper { StaticMapper(["+4479460000": MailboxAddress("dave@contoso.com")!]) }

    /// The same items for the same seed; ids start with `prefix`.
    static func items(seed: Int, prefix: String) -> [Item] {
        var state = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        return (0..<30).map { index in
            let sender = people[next(people.count)]
            let recipients = people.filter { $0 != sender && next(3) > 0 }
            return SampleItems.message(
                id: "\(prefix)\(seed)-\(index)",
                offset: Double(index),
                from: sender,
                to: recipients,
                attachments: next(4) == 0 ? [SampleItems.missingAttachment(id: "a\(index)")] : []
            )
        }
    }
}
