#!/usr/bin/env python3
"""The same job as archive-daily, written the way a competent scripter would with Python's standard library.

    archive_peer.py --export DIR --maildir DIR [--mapping FILE.csv] [--domain NAME]... [--folder NAME] [--sync]

Reads items.jsonl, maps participants (CSV first, then the email property, restricted to --domain), builds each
email with `email.message.EmailMessage` (policy.default) and stores it with `mailbox.Maildir` in
`<maildir>/<mailbox>/.<folder>/`, skipping Message-IDs already in the folder. It exists to be measured beside the
SDK in the same run: ordinary, honest code, neither sabotaged nor tuned.
"""
import argparse, csv, email.policy, email.utils, hashlib, json, mailbox, os, re, sys
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser

parser = argparse.ArgumentParser()
parser.add_argument("--export", required=True)
parser.add_argument("--maildir", required=True)
parser.add_argument("--mapping")
parser.add_argument("--domain", action="append", default=[])
parser.add_argument("--folder", default="WhatsApp Archiver")
parser.add_argument("--sync", action="store_true", help="os.sync() at the end, for a durable comparison")
args = parser.parse_args()

phone_to_mailbox = {}
if args.mapping:
    with open(args.mapping, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            row = {key.strip().lower(): value for key, value in row.items()}
            digits = re.sub(r"[^0-9]", "", row["external user id"])
            phone_to_mailbox[digits] = row["microsoft 365 user mailbox"].strip().lower()
domains = {domain.lower() for domain in args.domain}

def mailbox_for(party):
    address = phone_to_mailbox.get(party["phone"].lstrip("+"))
    if address is None and party.get("email"):
        address = party["email"].strip().lower()
    if address and re.fullmatch(r"[a-z0-9._%+'-]+@[a-z0-9.-]+\.[a-z]+", address):
        if not domains or address.split("@")[1] in domains:
            return address
    return None

folders, seen = {}, {}
def folder_for(address):
    if address not in folders:
        os.makedirs(args.maildir, exist_ok=True)
        root = mailbox.Maildir(os.path.join(args.maildir, address), create=True)
        folder = root.add_folder(args.folder) if args.folder not in root.list_folders() else root.get_folder(args.folder)
        subscriptions = os.path.join(args.maildir, address, "subscriptions")
        if not os.path.exists(subscriptions):
            with open(subscriptions, "w") as handle:
                handle.write(args.folder + "\n")
        ids = set()
        for key in folder.iterkeys():
            with folder.get_file(key) as message_file:
                ids.add(BytesHeaderParser().parse(message_file).get("Message-ID", "").strip())
        folders[address], seen[address] = folder, ids
    return folders[address], seen[address]

def display(party):
    return f"{party.get('name', '')} {party['phone']}".strip()

def subject(item):
    sender = item["from"]["phone"].lstrip("+")
    conversation = item["conversation"]
    target = conversation.get("name") if conversation["type"] == "group" else ",".join(p["phone"].lstrip("+") for p in item["to"])
    noun = "Call" if item["kind"] == "call" else "Message"
    prefix = {"deletion": "DELETED – ", "edit": "EDITED – "}.get(item["kind"], "")
    return f"{prefix}WhatsApp {noun} From {sender} to {target}"

stats = {"items": 0, "delivered": 0, "duplicates": 0, "unmapped": 0}
with open(os.path.join(args.export, "items.jsonl"), encoding="utf-8") as lines:
    for line in lines:
        if not line.strip():
            continue
        item = json.loads(line)
        stats["items"] += 1
        participants = [item["from"]] + item["to"]
        targets = []
        for party in participants:
            address = mailbox_for(party)
            if address and address not in targets:
                targets.append(address)
        if not targets:
            stats["unmapped"] += 1
            continue
        message_id = "<wa." + hashlib.sha256(item["id"].encode()).hexdigest()[:32] + "@archiver.invalid>"
        sent = datetime.fromisoformat(item["sentAt"].replace("Z", "+00:00"))
        for address in targets:
            folder, ids = folder_for(address)
            if message_id in ids:
                stats["duplicates"] += 1
                continue
            message = EmailMessage(policy=email.policy.default)
            message["Message-ID"] = message_id
            message["Date"] = email.utils.format_datetime(sent)
            message["From"] = email.utils.formataddr((display(item["from"]), mailbox_for(item["from"]) or "unknown@archiver.invalid"))
            message["To"] = ", ".join(email.utils.formataddr((display(p), mailbox_for(p) or "unknown@archiver.invalid")) for p in item["to"]) or "undisclosed-recipients:;"
            message["Subject"] = subject(item)
            message["X-TeleMessage-Item-Id"] = item["id"]
            body = [item.get("text") or "", "", f"Conversation: {item['conversation'].get('name') or item['conversation']['id']}",
                    "Participants: " + ", ".join(display(p) for p in participants), f"Sent: {item['sentAt']}"]
            message.set_content("\n".join(body))
            for attachment in item.get("attachments", []):
                with open(os.path.join(args.export, "attachments", attachment["id"]), "rb") as blob:
                    maintype, _, subtype = attachment.get("contentType", "application/octet-stream").partition("/")
                    message.add_attachment(blob.read(), maintype=maintype, subtype=subtype,
                                           filename=attachment.get("fileName") or attachment["id"])
            key = folder.add(message)
            os.utime(os.path.join(folder._path, "new", key), (sent.timestamp(), sent.timestamp()))
            ids.add(message_id)
            stats["delivered"] += 1
if args.sync:
    os.sync()
print(json.dumps(stats))
