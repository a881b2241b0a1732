import Foundation

/// Builds item records as JSON text for decoder tests: a complete, valid message, changed at dotted paths.
enum RecordBuilder {
    /// A valid message with every optional field set.
    static func fullMessage() -> [String: Any] {
        [
            "id": "wa-3EB0C4F1A2", "network": "whatsapp", "captureMode": "phone", "kind": "message",
            "capturedAt": "2026-11-23T10:15:02.120Z", "sentAt": "2026-11-23T10:15:00Z",
            "owner": ["phone": "+46701234567", "name": "Alice Andersson", "email": "alice@contoso.com"],
            "conversation": ["id": "120363025@g.us", "type": "group", "name": "Sales Group"],
            "from": ["phone": "+46701234567", "name": "Alice Andersson", "email": "alice@contoso.com"],
            "to": [
                ["phone": "+4915112345678", "name": "Bernd"], ["phone": "+12124325249", "email": "carol@contoso.com"],
            ],
            "text": "Offer attached 📎", "replyTo": "wa-3EB0C4F0FF", "forwarded": true,
            "attachments": [
                [
                    "id": "att-91", "fileName": "Offer Q4.pdf", "contentType": "application/pdf", "size": 48213,
                    "sha256": String(repeating: "ab", count: 32), "kind": "document", "caption": "Q4",
                ]
            ],
            "location": [
                "latitude": 59.3293, "longitude": 18.0686, "name": "Stockholm", "address": "Drottninggatan 1",
            ],
            "futureField": ["anything": [1, 2, 3]],
        ]
    }

    /// The smallest valid message: required fields only.
    static func minimalMessage() -> [String: Any] {
        [
            "id": "m1", "network": "whatsapp", "kind": "message", "capturedAt": "2026-11-23T10:15:02Z",
            "sentAt": "2026-11-23T10:15:00Z", "owner": ["phone": "+46701234567"],
            "conversation": ["id": "46701234567@s.whatsapp.net", "type": "individual"],
            "from": ["phone": "+46701234567"], "to": [],
        ]
    }

    /// `record` with the value at `path` (dots between keys and array indices) replaced by the JSON `fragment`,
    /// or removed when `fragment` is `nil`.
    static func changing(_ record: [String: Any], _ path: String, to fragment: String?) -> [String: Any] {
        let value = fragment.map { try! JSONSerialization.jsonObject(with: Data($0.utf8), options: .fragmentsAllowed) }
        return set(record, path.split(separator: ".").map(String.init), value) as! [String: Any]
    }

    static func bytes(_ record: [String: Any]) -> [UInt8] {
        Array(try! JSONSerialization.data(withJSONObject: record, options: [.sortedKeys]))
    }

    private static func set(_ container: Any, _ path: [String], _ value: Any?) -> Any {
        guard let key = path.first else { return value as Any }
        if var array = container as? [Any], let index = Int(key) {
            if path.count == 1, value == nil {
                array.remove(at: index)
            } else {
                array[index] = set(array[index], Array(path.dropFirst()), value)
            }
            return array
        }
        var object = container as! [String: Any]
        if path.count == 1 {
            object[key] = value
        } else {
            object[key] = set(object[key] as Any, Array(path.dropFirst()), value)
        }
        return object
    }
}
