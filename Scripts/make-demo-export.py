#!/usr/bin/env python3
"""Writes Examples/demo-export: a small, realistic saved TeleMessage export (directory binding).

Two organisation users (Alice, registered with an email property; Carol, mapped by the CSV), an outside contact
(Bernd), a user of another organisation (Dave, so that one item is unmapped), a group, a call, a deletion, an edit,
a reaction, an event, a location, an unknown kind, an image and a PDF. Run from the repository root.
"""
import hashlib, json, os, struct, zlib

root = os.path.join("Examples", "demo-export")
os.makedirs(os.path.join(root, "attachments"), exist_ok=True)

def png(width, height):
    raw = b""
    for y in range(height):
        raw += b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 160)) for x in range(width))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))

def pdf(text):
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out

files = {"att-img-0004": png(32, 24), "att-pdf-0003": pdf("Offer Q4 - Contoso Ltd - 48,213 EUR")}
for name, data in files.items():
    with open(os.path.join(root, "attachments", name), "wb") as handle:
        handle.write(data)

def attachment(ident, file_name, content_type, kind):
    data = files[ident]
    return {"id": ident, "fileName": file_name, "contentType": content_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), "kind": kind}

alice = {"phone": "+46701234567", "name": "Alice Andersson", "email": "alice@contoso.com"}
carol = {"phone": "+12124325249", "name": "Carol Chen"}
bernd = {"phone": "+4915112345678", "name": "Bernd Bauer"}
dave = {"phone": "+447700900123", "name": "Dave Davies", "email": "dave@fabrikam.com"}
direct = {"id": "12124325249@s.whatsapp.net", "type": "individual"}
group = {"id": "120363025@g.us", "type": "group", "name": "Sales Group"}

def item(ident, minute, kind, owner, conversation, sender, to, **fields):
    sent = f"2026-11-23T{9 + minute // 60:02d}:{minute % 60:02d}:00Z"
    captured = f"2026-11-23T{9 + minute // 60:02d}:{minute % 60:02d}:02.250Z"
    record = {"id": ident, "network": "whatsapp", "captureMode": "phone", "kind": kind, "capturedAt": captured,
              "sentAt": sent, "owner": owner, "conversation": conversation, "from": sender, "to": to}
    record.update(fields)
    return record

items = [
    item("wa-0001", 0, "message", alice, direct, alice, [carol], text="Hi Carol, are we still on for the Q4 review?"),
    item("wa-0002", 3, "message", alice, direct, carol, [alice], text="Yes, 3pm. I'll bring the numbers.",
         replyTo="wa-0001"),
    item("wa-0003", 10, "message", alice, group, bernd, [alice, carol], text="Offer attached 📎",
         attachments=[attachment("att-pdf-0003", "Offer Q4.pdf", "application/pdf", "document")]),
    item("wa-0004", 12, "message", alice, group, alice, [bernd, carol], text="Whiteboard from today's call",
         attachments=[attachment("att-img-0004", "whiteboard.png", "image/png", "image")]),
    item("wa-0005", 20, "call", alice, direct, alice, [carol],
         call={"media": "voice", "status": "answered", "startedAt": "2026-11-23T09:20:00Z", "durationSeconds": 312}),
    item("wa-0006", 25, "edit", alice, direct, carol, [alice],
         target={"id": "wa-0002", "sentAt": "2026-11-23T09:03:00Z", "text": "Yes, 3pm. I'll bring the numbers.",
                 "newText": "Yes, 4pm. I'll bring the numbers and the contract."}),
    item("wa-0007", 30, "reaction", alice, group, alice, [bernd, carol],
         target={"id": "wa-0003", "sentAt": "2026-11-23T09:10:00Z", "emoji": "👍"}),
    item("wa-0008", 35, "deletion", alice, group, bernd, [alice, carol],
         target={"id": "wa-0003b", "sentAt": "2026-11-23T09:33:00Z", "text": "Final price: 45,000 EUR, valid today only",
                 "attachmentNames": ["price-list.xlsx"], "scope": "everyone", "readState": "read"}),
    item("wa-0009", 40, "event", alice, group, alice, [bernd, carol],
         event={"type": "participant_added", "actor": alice, "targets": [bernd], "description": "Alice added Bernd"}),
    item("wa-0010", 45, "message", alice, direct, carol, [alice], text="Meet here before the review",
         location={"latitude": 59.3326, "longitude": 18.0649, "name": "Contoso Stockholm office",
                   "address": "Kungsgatan 1, Stockholm"}),
    item("wa-0011", 50, "message", dave, {"id": "4915112345678@s.whatsapp.net", "type": "individual"}, dave, [bernd],
         text="Can you send the fabrikam quote?"),
    item("wa-0012", 55, "poll", alice, group, alice, [bernd, carol], text="Lunch on Friday?",
         poll={"question": "Lunch on Friday?", "options": ["Sushi", "Pizza"], "multipleAnswers": False}),
]

with open(os.path.join(root, "items.jsonl"), "w", encoding="utf-8") as handle:
    for record in items:
        handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")

with open(os.path.join(root, "mapping.csv"), "w", encoding="utf-8", newline="") as handle:
    handle.write("External User ID,Microsoft 365 User Mailbox\r\n46701234567,alice@contoso.com\r\n"
                 "12124325249,carol@contoso.com\r\n")
