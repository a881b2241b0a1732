#!/usr/bin/env python3
"""Independent check of an `archive-export` production, with Python's email, zipfile and jsonschema (PyPI):

    Scripts/check-rsmf.py --out DIR --maildir DIR --schema rsmf_schema_2_0_0.json [--items items.jsonl]

- every .rsmf file parses with Python's email (no defect), carries X-RSMF-Version 2.0.0 and the other X-RSMF-*
  headers, and holds rsmf.zip, whose CRCs check and whose rsmf_manifest.json validates against the schema
  (with format checking); X-RSMF-EventCount and X-RSMF-AttachmentCount equal the manifest's;
- every attachment an event names is in the zip, every file of the zip is named by an event, and each one's
  SHA-256 equals that of the attachment part (X-TeleMessage-Attachment-Id) of the archived message;
- loadfile.csv lists every .rsmf file with its SHA-256, and each of its log entries is the entry at that index of
  that folder's archive-evidence.log, with that SHA-256, and a message file with those bytes exists;
- with --items (the TeleMessage export the archive was made from): every event equals its item field by field.
"""
import argparse, csv, email, email.policy, hashlib, io, json, os, sys, zipfile

import jsonschema

problems = []


def fail(where, what):
    problems.append(f"{where}: {what}")


def archived_attachments(maildir):
    """SHA-256 of every attachment part in the archive, by attachment id; SHA-256 of every message file."""
    attachments, messages = {}, set()
    for dirpath, _, files in os.walk(maildir):
        if os.path.basename(dirpath) not in ("new", "cur"):
            continue
        for name in files:
            data = open(os.path.join(dirpath, name), "rb").read()
            messages.add(hashlib.sha256(data).hexdigest())
            for part in email.message_from_bytes(data, policy=email.policy.default).walk():
                identifier = part.get("x-telemessage-attachment-id")
                if identifier is not None and not part.is_multipart():
                    attachments.setdefault(str(identifier).strip(), set()).add(
                        hashlib.sha256(part.get_payload(decode=True)).hexdigest())
    return attachments, messages


def check_event(where, event, item, zip_names):
    """The event says what the item says."""
    if event["timestamp"] != item["sentAt"] and item["kind"] != "event":
        fail(where, f"timestamp {event['timestamp']} is not the item's sentAt {item['sentAt']}")
    if event.get("conversation") != item["conversation"]["id"]:
        fail(where, "conversation differs")
    kind = item["kind"]
    if kind == "message":
        if event["participant"] != item["from"]["phone"]:
            fail(where, "participant is not the sender")
        edited = any(e.get("previous") == item.get("text") for e in event.get("edits", []))
        if item.get("text") and item["text"] not in event.get("body", "") and not edited:
            fail(where, "body lacks the text (and no edit says it was the previous one)")
        if item.get("replyTo") and event.get("parent") != item["replyTo"]:
            fail(where, "parent is not replyTo")
        wanted = [(a.get("fileName"), a["size"]) for a in item.get("attachments", [])]
        got = [(a.get("display"), a.get("size")) for a in event.get("attachments", [])]
        if got != wanted:
            fail(where, f"attachments {got} are not the item's {wanted}")
        if item.get("location") and str(item["location"]["latitude"]) not in event.get("body", ""):
            fail(where, "body lacks the location")
    elif kind == "call":
        if item["call"].get("status") and item["call"]["status"] not in event.get("body", ""):
            fail(where, "body lacks the call status")
    elif kind == "event":
        kinds = {"participant_added": "join", "participant_joined": "join", "participant_removed": "leave",
                 "participant_left": "leave"}
        if event["type"] != kinds.get(item["event"]["type"], "unknown"):
            fail(where, f"type {event['type']} for a {item['event']['type']} event")
    elif kind not in ("edit", "deletion", "reaction"):
        if event["type"] != "unknown":
            fail(where, f"an item of unknown kind {kind} became a {event['type']} event")
    for attachment in event.get("attachments", []):
        if attachment["id"] not in zip_names:
            fail(where, f"attachment {attachment['id']} is not in the zip")


def check_folded(where, events, item):
    """An edit, deletion or reaction: folded into its target's event, or an event of its own."""
    target = item["target"]
    own = events.get(item["id"])
    host = events.get(target["id"])
    if own is not None:
        if own.get("parent") != target["id"]:
            fail(where, "a detached edit, deletion or reaction does not name its target as parent")
        return
    if host is None:
        fail(where, "neither its own event nor its target's")
    elif item["kind"] == "edit":
        edits = host.get("edits", [])
        if not any(e.get("previous") == target.get("text") and e.get("new") == target.get("newText") for e in edits):
            fail(where, "the target's edits lack this edit")
    elif item["kind"] == "deletion" and host.get("deleted") is not True:
        fail(where, "the target is not marked deleted")
    elif item["kind"] == "reaction" and target.get("emoji"):
        reactions = host.get("reactions", [])
        if not any(r["value"] == target["emoji"] and item["from"]["phone"] in r.get("participants", [])
                   for r in reactions):
            fail(where, "the target's reactions lack this reaction")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--items")
    args = parser.parse_args()
    schema = json.load(open(args.schema))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    attachments, messages = archived_attachments(args.maildir)
    items = {}
    if args.items:
        for line in open(args.items, encoding="utf-8"):
            if line.strip():
                item = json.loads(line)
                items[item["id"]] = item
    files = sorted(n for n in os.listdir(args.out) if n.endswith(".rsmf"))
    if not files:
        fail(args.out, "no .rsmf file")
    produced = set()
    for name in files:
        data = open(os.path.join(args.out, name), "rb").read()
        message = email.message_from_bytes(data, policy=email.policy.default)
        for part in message.walk():
            for defect in part.defects:
                fail(name, f"parser defect {type(defect).__name__}")
        if str(message.get("x-rsmf-version")) != "2.0.0":
            fail(name, "X-RSMF-Version is not 2.0.0")
        for header in ("X-RSMF-Generator", "X-RSMF-BeginDate", "X-RSMF-EndDate", "X-RSMF-EventCount"):
            if message.get(header) is None:
                fail(name, f"no {header}")
        zips = [p for p in message.walk() if p.get_filename() == "rsmf.zip"]
        if len(zips) != 1:
            fail(name, f"{len(zips)} rsmf.zip attachments")
            continue
        archive = zipfile.ZipFile(io.BytesIO(zips[0].get_payload(decode=True)))
        if archive.testzip() is not None:
            fail(name, f"a zip entry fails its CRC: {archive.testzip()}")
        manifest = json.loads(archive.read("rsmf_manifest.json"))
        for error in validator.iter_errors(manifest):
            fail(name, f"manifest: {error.message} at {list(error.absolute_path)}")
        events = manifest["events"]
        if str(message["x-rsmf-eventcount"]) != str(len(events)):
            fail(name, "X-RSMF-EventCount differs from the manifest")
        zip_names = set(archive.namelist()) - {"rsmf_manifest.json"}
        named = {a["id"] for e in events for a in e.get("attachments", [])}
        if named != zip_names:
            fail(name, f"zip files {sorted(zip_names)} are not the events' attachments {sorted(named)}")
        if str(message.get("x-rsmf-attachmentcount")) != str(len(zip_names)):
            fail(name, "X-RSMF-AttachmentCount differs from the zip")
        for entry in zip_names:
            digest = hashlib.sha256(archive.read(entry)).hexdigest()
            identifier = entry.split("_", 1)[0].lstrip("_")
            if digest not in attachments.get(identifier, set()):
                fail(name, f"{entry} does not match the archived attachment {identifier}")
        participants = {p["id"] for p in manifest["participants"]}
        by_id = {e["id"]: e for e in events}
        for event in events:
            if event.get("participant") not in participants:
                fail(name, f"event {event['id']} has an unknown participant")
            produced.add(event["id"].split("#")[0])
        for identifier, item in items.items():
            in_file = item["conversation"]["id"] == manifest["conversations"][0]["id"] and \
                item["sentAt"][:10] == name.rsplit("_", 1)[1][:10]
            if not in_file:
                continue
            where = f"{name}: item {identifier}"
            if item["kind"] in ("edit", "deletion", "reaction"):
                check_folded(where, by_id, item)
            elif identifier in by_id:
                check_event(where, by_id[identifier], item, zip_names)
    with open(os.path.join(args.out, "loadfile.csv"), newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if sorted(r["FileName"] for r in rows) != files:
        fail("loadfile.csv", "does not list exactly the .rsmf files")
    for row in rows:
        path = os.path.join(args.out, row["FileName"])
        if os.path.exists(path) and hashlib.sha256(open(path, "rb").read()).hexdigest() != row["SHA256"]:
            fail("loadfile.csv", f"{row['FileName']}: SHA256 differs from the file")
        for proof in row["LogEntries"].split(";"):
            location, digest = proof.rsplit("=", 1)
            folder, index = location.rsplit("#", 1)
            lines = [l for l in open(os.path.join(args.maildir, folder, "archive-evidence.log"), "rb")
                     if l.startswith(b'{"entry":')]
            if not index.isdigit() or json.loads(lines[int(index)])["sha256"] != digest:
                fail("loadfile.csv", f"{proof}: not that log entry")
            if digest not in messages:
                fail("loadfile.csv", f"{proof}: no archived message has these bytes")
    if items:
        missing = sorted(set(i for i, item in items.items() if item["kind"] not in ("edit", "deletion", "reaction"))
                         - produced)
        if missing:
            print(f"check-rsmf: items not in the production (other mailboxes or window): {missing}")
    for problem in problems:
        print(problem)
    print(f"check-rsmf: {len(files)} RSMF files, {len(problems)} problems")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
