#!/usr/bin/env python3
"""Generates a synthetic TeleMessage export (directory binding) for benchmarks and soak tests.

    generate-export.py --items N --out DIR [--seed S] [--users U] [--attachment-rate R] [--big-attachment BYTES]
                       [--profile default|low-fanout]

A realistic mix for one day of an organisation's traffic: 1:1 and group text (70% / 30%), about 10% of messages
with a small attachment (1 to 64 KiB), about 2% calls, 1% deletions, 1% edits and 3% reactions. Half of the
organisation's users are mapped by the CSV, the other half by their email property; some contacts are outside
the organisation. Items are written in ascending (capturedAt, id) order, as the spec requires. Deterministic for a
given seed.

--profile low-fanout is the export a newcomer tries first: half the items are 1:1 chats between a user and an
outside contact (one mailbox), 35% 1:1 chats between two users, 15% group chats, about 1.8 deliveries per item,
and 10% of messages with a 1 to 20 KB attachment. The default profile's output does not change with this option.
"""
import argparse, hashlib, json, os, random

parser = argparse.ArgumentParser()
parser.add_argument("--items", type=int, required=True)
parser.add_argument("--out", required=True)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--users", type=int, default=60, help="registered users of the organisation")
parser.add_argument("--attachment-rate", type=float, default=0.10)
parser.add_argument("--big-attachment", type=int, default=0,
                    help="also write one item with an attachment of this many bytes (streamed to disk)")
parser.add_argument("--profile", choices=["default", "low-fanout"], default="default")
args = parser.parse_args()
low_fanout = args.profile == "low-fanout"
rng = random.Random(args.seed)

os.makedirs(os.path.join(args.out, "attachments"), exist_ok=True)
first_names = ["Alice", "Bernd", "Carol", "Dmitri", "Eva", "Farah", "Gustav", "Hana", "Ivan", "Jun", "Kemal", "Lena",
               "Mateo", "Nora", "Olu", "Priya", "Quentin", "Rosa", "Sven", "Tariq", "Ulla", "Víctor", "Wen", "Yara"]
users, contacts = [], []
for index in range(args.users):
    name = f"{rng.choice(first_names)} {chr(65 + index % 26)}{index}"
    phone = f"+46{700000000 + index * 7919 % 99999999:09d}"
    users.append({"phone": phone, "name": name, "email": f"user{index}@contoso.com"})
for index in range(args.users // 2):
    contacts.append({"phone": f"+49{1510000000 + index * 104729 % 999999999:010d}",
                     "name": f"{rng.choice(first_names)} Extern{index}"})
people = users + contacts
groups = []
for index in range(max(3, args.users // 6)):
    members = rng.sample(people, rng.randint(3, 12))
    if not any(member in users for member in members):
        members[0] = rng.choice(users)
    groups.append(({"id": f"1203630{index:05d}@g.us", "type": "group", "name": f"Team {index} 📈"}, members))

with open(os.path.join(args.out, "mapping.csv"), "w", encoding="utf-8", newline="") as handle:
    handle.write("External User ID,Microsoft 365 User Mailbox\r\n")
    for user in users[::2]:
        handle.write(f"{user['phone'][1:]},{user['email']}\r\n")

def party(person, with_email):
    record = {"phone": person["phone"], "name": person["name"]}
    if with_email and "email" in person and users.index(person) % 2 == 1:
        record["email"] = person["email"]
    return record

def timestamp(milliseconds):
    second, millis = divmod(milliseconds, 1000)
    hours, rest = divmod(second, 3600)
    return f"2026-11-23T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.{millis:03d}Z"

words = ("offer price contract meeting tomorrow call review numbers quarter client budget shipping invoice "
         "approved pending draft final update schedule deadline please thanks regards").split()
recent_ids = []
attachment_count = 0
with open(os.path.join(args.out, "items.jsonl"), "w", encoding="utf-8") as handle:
    for index in range(args.items):
        # Spread over the day, never decreasing: the export is in ascending (capturedAt, id) order.
        captured = index * 86_000_000 // max(args.items, 1) + 500
        item_id = f"wa-{index:08d}"
        shape = rng.random()
        if low_fanout and shape < 0.85:
            user = rng.choice(users)
            other = rng.choice(contacts) if shape < 0.5 else rng.choice([u for u in users if u is not user])
            sender, other = (user, other) if rng.random() < 0.5 else (other, user)
            conversation = {"id": f"{other['phone'][1:]}@s.whatsapp.net", "type": "individual"}
            members = [sender, other]
        elif not low_fanout and shape < 0.7:
            sender = rng.choice(users)
            other = rng.choice([p for p in people if p is not sender][:200])
            conversation = {"id": f"{other['phone'][1:]}@s.whatsapp.net", "type": "individual"}
            members = [sender, other]
        else:
            conversation, members = rng.choice(groups)
            sender = rng.choice(members)
        owner = sender if sender in users else next((m for m in members if m in users), users[0])
        roll = rng.random()
        kind = "message"
        record = {"id": item_id, "network": "whatsapp", "captureMode": rng.choice(["phone", "cloud"]),
                  "capturedAt": timestamp(captured), "sentAt": timestamp(max(captured - 1500, 0)),
                  "owner": party(owner, True), "conversation": conversation, "from": party(sender, True),
                  "to": [party(m, True) for m in members if m is not sender]}
        if roll < 0.02:
            kind = "call"
            record["call"] = {"media": rng.choice(["voice", "video"]), "status": rng.choice(["answered", "missed"]),
                              "startedAt": record["sentAt"], "durationSeconds": rng.randint(0, 3600)}
        elif roll < 0.03 and recent_ids:
            kind = "deletion"
            record["target"] = {"id": rng.choice(recent_ids), "text": " ".join(rng.choices(words, k=8)),
                                "scope": rng.choice(["everyone", "me"]), "readState": "read"}
        elif roll < 0.04 and recent_ids:
            kind = "edit"
            record["target"] = {"id": rng.choice(recent_ids), "text": " ".join(rng.choices(words, k=6)),
                                "newText": " ".join(rng.choices(words, k=7))}
        elif roll < 0.07 and recent_ids:
            kind = "reaction"
            record["target"] = {"id": rng.choice(recent_ids), "emoji": rng.choice(["👍", "❤️", "😂", "🙏"])}
        else:
            record["text"] = " ".join(rng.choices(words, k=rng.randint(3, 40)))
            if rng.random() < args.attachment_rate:
                attachment_count += 1
                data = rng.randbytes(rng.randint(1024, 20480 if low_fanout else 65536))
                attachment_id = f"att-{index:08d}"
                with open(os.path.join(args.out, "attachments", attachment_id), "wb") as blob:
                    blob.write(data)
                record["attachments"] = [{"id": attachment_id, "fileName": f"scan-{index}.pdf",
                                          "contentType": "application/pdf", "size": len(data),
                                          "sha256": hashlib.sha256(data).hexdigest(), "kind": "document"}]
        record["kind"] = kind
        recent_ids = (recent_ids + [item_id])[-50:]
        handle.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    if args.big_attachment:
        digest, attachment_id = hashlib.sha256(), "att-big"
        chunk = rng.randbytes(1 << 20)
        with open(os.path.join(args.out, "attachments", attachment_id), "wb") as blob:
            remaining = args.big_attachment
            while remaining:
                piece = chunk[:min(remaining, len(chunk))]
                blob.write(piece)
                digest.update(piece)
                remaining -= len(piece)
        sender, other = users[0], users[1]
        handle.write(json.dumps({
            "id": "wa-big", "network": "whatsapp", "kind": "message", "capturedAt": "2026-11-23T23:59:00Z",
            "sentAt": "2026-11-23T23:58:00Z", "owner": party(sender, True),
            "conversation": {"id": f"{other['phone'][1:]}@s.whatsapp.net", "type": "individual"},
            "from": party(sender, True), "to": [party(other, True)], "text": "the video",
            "attachments": [{"id": attachment_id, "fileName": "video.mp4", "contentType": "video/mp4",
                             "size": args.big_attachment, "sha256": digest.hexdigest(), "kind": "video"}]},
            separators=(",", ":")) + "\n")
print(f"{args.items} items, {attachment_count} attachments, {len(users)} users, {len(contacts)} outside contacts "
      f"-> {args.out}")
