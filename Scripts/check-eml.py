#!/usr/bin/env python3
"""Independent check of generated .eml files: parses each with Python's `email` package and checks the byte
rules of the EML converter issue. Exits non-zero when any file has any defect.

    Scripts/check-eml.py FILE_OR_DIRECTORY...    check files (directories: every *.eml inside, recursively)
    Scripts/check-eml.py --self-test             prove the checker rejects broken messages

What is checked:
- the parser (email.policy.default) reports no defect on any part, and no header of any part has a defect;
- CRLF line endings only; no NUL; every line at most 998 octets;
- the header sections are ASCII; every RFC 2047 encoded-word is at most 75 characters and decodes as UTF-8;
  none sits inside an address or a MIME parameter;
- Date, From, To, Subject, Message-ID and MIME-Version appear exactly once; Message-ID is <dot-atom@domain>;
  Date parses;
- every multipart boundary contains "=_"; base64 and quoted-printable bodies have lines of at most 76
  characters, and base64 decodes strictly; no line of a 7bit/8bit part starts with a boundary delimiter;
- every text part decodes as UTF-8;
- where FILE.expected.json lies beside FILE.eml (the hostile corpus), the decoded Subject, item id, display names,
  attachment file names and attachment SHA-256 digests equal the expected ones (white space ignored in the
  display names: Python's address parser keeps the space between adjacent encoded-words, which RFC 2047 drops).
"""
import base64
import binascii
import hashlib
import json
import email
import email.policy
import email.utils
import os
import re
import sys

ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=")
DOT_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
MESSAGE_ID = re.compile(r"^<" + DOT_ATOM + "@" + DOT_ATOM + r">$")
SINGLE_FIELDS = ["date", "from", "to", "subject", "message-id", "mime-version"]
ADDRESS_FIELDS = ["from", "to", "cc", "bcc", "reply-to", "sender"]


def split_lines(data):
    """Lines of `data` without their CRLF."""
    lines = data.split(b"\r\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def header_sections(data):
    """The raw header sections of the message and of every body part, found from the bytes alone."""
    sections = []
    lines = split_lines(data)
    boundaries = set()
    in_header = True
    current = []
    for line in lines:
        if in_header:
            if line == b"":
                sections.append(current)
                current = []
                in_header = False
                text = b"\r\n".join(sections[-1])
                for match in re.finditer(rb'boundary="?([^";\r\n]+)"?', text):
                    boundaries.add(match.group(1))
            else:
                current.append(line)
            continue
        for boundary in boundaries:
            if line == b"--" + boundary:
                in_header = True
    return sections, boundaries


def check_bytes(data):
    problems = []
    if b"\0" in data:
        problems.append("contains NUL")
    if re.search(rb"\r(?!\n)", data):
        problems.append("bare CR")
    if re.search(rb"(?<!\r)\n", data):
        problems.append("bare LF")
    if not data.endswith(b"\r\n"):
        problems.append("does not end with CRLF")
    for number, line in enumerate(split_lines(data), 1):
        if len(line) > 998:
            problems.append(f"line {number} has {len(line)} octets (limit 998)")
    sections, boundaries = header_sections(data)
    for section in sections:
        for line in section:
            try:
                line.decode("ascii")
            except UnicodeDecodeError:
                problems.append(f"non-ASCII header line: {line[:60]!r}")
            for match in ENCODED_WORD.finditer(line):
                word = match.group(0)
                if len(word) > 75:
                    problems.append(f"encoded-word of {len(word)} characters: {word[:40]!r}...")
                charset, encoding, text = match.groups()
                try:
                    raw = base64.b64decode(text, validate=True) if encoding in b"Bb" else None
                    if raw is not None:
                        raw.decode(charset.decode("ascii"))
                except (binascii.Error, UnicodeDecodeError, LookupError) as error:
                    problems.append(f"encoded-word does not decode ({error}): {word[:40]!r}")
        unfolded = {}
        name = None
        for line in section:
            if line[:1] in (b" ", b"\t") and name is not None:
                unfolded[name][-1] += line
            elif b":" in line:
                name = line.split(b":", 1)[0].strip().lower().decode("ascii", "replace")
                unfolded.setdefault(name, []).append(line.split(b":", 1)[1])
            else:
                problems.append(f"header line is neither a field nor a continuation: {line[:60]!r}")
        for field in ADDRESS_FIELDS:
            for value in unfolded.get(field, []):
                for address in re.findall(rb"<([^>]*)>", value):
                    if b"=?" in address:
                        problems.append(f"encoded-word inside an address in {field}")
        for field in ("content-type", "content-disposition"):
            for value in unfolded.get(field, []):
                for parameter in value.split(b";")[1:]:
                    if b"=?" in parameter:
                        problems.append(f"encoded-word inside a parameter of {field}: {parameter.strip()[:60]!r}")
    for boundary in boundaries:
        if b"=_" not in boundary:
            problems.append(f"boundary {boundary!r} does not contain =_")
    return problems, boundaries


def check_message(data):
    problems, boundaries = check_bytes(data)
    message = email.message_from_bytes(data, policy=email.policy.default)
    for field in SINGLE_FIELDS:
        count = len(message.get_all(field, []))
        if count != 1:
            problems.append(f"{field} appears {count} times (expected once)")
    message_id = message.get("message-id")
    if message_id is not None and not MESSAGE_ID.match(str(message_id).strip()):
        problems.append(f"Message-ID is not <dot-atom@domain>: {message_id!r}")
    if message.get("date") is not None:
        try:
            email.utils.parsedate_to_datetime(str(message["date"]))
        except (TypeError, ValueError) as error:
            problems.append(f"Date does not parse: {error}")
    problems += check_item_record(message)
    for index, part in enumerate(message.walk()):
        where = "message" if index == 0 else f"part {index}"
        for defect in part.defects:
            problems.append(f"{where}: parser defect {type(defect).__name__}: {defect}")
        for name, value in part.items():
            for defect in getattr(value, "defects", []):
                problems.append(f"{where}: header {name} defect {type(defect).__name__}: {defect}")
        if part.is_multipart():
            continue
        encoding = part.get("content-transfer-encoding", "7bit").strip().lower()
        payload = part.get_payload(decode=False)
        lines = payload.splitlines()
        if encoding in ("base64", "quoted-printable"):
            for number, line in enumerate(lines, 1):
                if len(line) > 76:
                    problems.append(f"{where}: {encoding} line {number} has {len(line)} characters")
        if encoding == "base64":
            try:
                base64.b64decode("".join(lines), validate=True)
            except binascii.Error as error:
                problems.append(f"{where}: base64 does not decode: {error}")
        if encoding in ("7bit", "8bit", "binary"):
            for line in lines:
                for boundary in boundaries:
                    if line.encode("utf-8", "surrogateescape").startswith(b"--" + boundary):
                        problems.append(f"{where}: a {encoding} line starts with the boundary")
        if part.get_content_maintype() == "text":
            try:
                part.get_content()
            except (LookupError, UnicodeDecodeError) as error:
                problems.append(f"{where}: text does not decode: {error}")
    return problems


def item_record(message):
    """The item as data (X-WhatsApp-Item-Record: base64 JSON), or None when the message has none."""
    raw = message.get("x-whatsapp-item-record")
    if raw is None:
        return None
    record = json.loads(base64.b64decode("".join(str(raw).split()), validate=True).decode("utf-8"))
    if not isinstance(record, dict):
        raise ValueError("the record is not a JSON object")
    return record


def check_item_record(message):
    """The record decodes, is version 1, and says what the headers say."""
    try:
        record = item_record(message)
    except (binascii.Error, ValueError) as error:
        return [f"X-WhatsApp-Item-Record does not decode: {error}"]
    if record is None:
        return []
    problems = []
    if record.get("version") != 1:
        problems.append(f"X-WhatsApp-Item-Record has version {record.get('version')!r}")
    # The headers drop or replace control, format and other hostile characters and shorten long values; the record
    # keeps every value as it is. Where the value is plain printable ASCII the headers show it unchanged: compare
    # the start, white space ignored.
    pairs = [(record.get("id"), "x-telemessage-item-id"), (record.get("kind"), "x-whatsapp-kind"),
             ((record.get("conversation") or {}).get("id"), "x-whatsapp-conversation-id")]
    for value, field in pairs:
        plain = isinstance(value, str) and all(32 <= ord(c) < 127 for c in value) and "=?" not in value
        if plain and squeeze(value)[:32] != squeeze(message.get(field))[:32]:
            problems.append(f"X-WhatsApp-Item-Record has {value!r}, which differs from {field}")
    return problems


def squeeze(text):
    return "".join(str(text).split())


def check_expectations(data, expected):
    """Compare what Python decodes with what the converter meant to write."""
    problems = []
    message = email.message_from_bytes(data, policy=email.policy.default)
    if str(message["subject"]) != expected["subject"]:
        problems.append(f"Subject decodes to {str(message['subject'])!r}, expected {expected['subject']!r}")
    if "itemId" in expected and str(message["x-telemessage-item-id"]) != expected["itemId"]:
        problems.append(f"X-TeleMessage-Item-Id decodes to {str(message['x-telemessage-item-id'])!r}")
    record = item_record(message)
    if record is not None and "itemId" in expected and record.get("id") != expected["itemId"]:
        problems.append(f"X-WhatsApp-Item-Record id is {record.get('id')!r}, expected {expected['itemId']!r}")
    if record is not None and len(record.get("attachments", [])) != len(expected["attachments"]):
        problems.append("X-WhatsApp-Item-Record lists another number of attachments than expected")
    senders = [address.display_name for address in message["from"].addresses]
    if [squeeze(name) for name in senders] != [squeeze(expected["from"])]:
        problems.append(f"From display name decodes to {senders!r}, expected {expected['from']!r}")
    recipients = [address.display_name for address in message["to"].addresses]
    if [squeeze(name) for name in recipients] != [squeeze(name) for name in expected["to"]]:
        problems.append(f"To display names decode to {recipients!r}, expected {expected['to']!r}")
    parts = [part for part in message.walk() if not part.is_multipart()][1:]
    parts = [part for part in parts if part.get_filename() != "item.json"]
    if len(parts) != len(expected["attachments"]):
        problems.append(f"{len(parts)} attachment parts, expected {len(expected['attachments'])}")
        return problems
    for part, wanted in zip(parts, expected["attachments"]):
        if wanted["filename"] is None:
            if part.get_filename() is not None or part.get_content_type() != "text/plain":
                problems.append("an unavailable attachment is not a text/plain placeholder")
            continue
        if part.get_filename() != wanted["filename"]:
            problems.append(f"file name decodes to {part.get_filename()!r}, expected {wanted['filename']!r}")
        digest = hashlib.sha256(part.get_payload(decode=True)).hexdigest()
        if digest != wanted["sha256"]:
            problems.append(f"attachment {wanted['filename']!r} decodes to different bytes")
    return problems


def files_in(arguments):
    for argument in arguments:
        if os.path.isdir(argument):
            for root, _, names in sorted(os.walk(argument)):
                for name in sorted(names):
                    if name.endswith(".eml"):
                        yield os.path.join(root, name)
        else:
            yield argument


GOOD = (
    b"Date: Mon, 23 Nov 2026 10:15:00 +0000\r\nFrom: \"A +46701234567\" <a@example.com>\r\n"
    b"To: <b@example.com>\r\nSubject: Hi\r\nMessage-ID: <wa.1@archiver.invalid>\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello\r\n"
)


def self_test():
    """The checker must accept a good message and reject each kind of broken one."""
    assert check_message(GOOD) == [], check_message(GOOD)
    broken = {
        "bare LF": GOOD.replace(b"Hello\r\n", b"Hello\nWorld\r\n"),
        "long line": GOOD.replace(b"Hello", b"x" * 1000),
        "long QP line": GOOD.replace(b"Hello", b"x" * 80),
        "non-ASCII header": GOOD.replace(b"Subject: Hi", "Subject: Hé".encode()),
        "injected header": GOOD.replace(b"Subject: Hi", b"Subject: Hi\r\nSubject: again"),
        "bad Message-ID": GOOD.replace(b"<wa.1@archiver.invalid>", b"<wa 1@archiver.invalid>"),
        "long encoded-word": GOOD.replace(b"Subject: Hi", b"Subject: =?utf-8?B?" + b"QUFB" * 20 + b"?="),
        "encoded-word in address": GOOD.replace(b"<b@example.com>", b"<=?utf-8?B?QQ==?=@example.com>"),
        "missing Date": GOOD.replace(b"Date: Mon, 23 Nov 2026 10:15:00 +0000\r\n", b""),
        "bad boundary": GOOD.replace(
            b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nHello\r\n',
            b'Content-Type: multipart/mixed; boundary="plain"\r\n\r\n--plain\r\nContent-Type: text/plain\r\n\r\nx\r\n'
            b"--plain--\r\n",
        ),
        "header defect": GOOD.replace(b"To: <b@example.com>", b"To: <b@@example.com"),
        "undecodable item record": GOOD.replace(b"Subject: Hi", b"Subject: Hi\r\nX-WhatsApp-Item-Record: e30*"),
        "item record of another item": GOOD.replace(
            b"Subject: Hi",
            b"Subject: Hi\r\nX-WhatsApp-Item-Record: " + base64.b64encode(b'{"version":1,"id":"other"}'),
        ),
    }
    for name, data in broken.items():
        assert check_message(data), f"the checker accepted a message with a {name}"
    expected = {"subject": "Hi", "from": "A +46701234567", "to": [""], "attachments": []}
    assert check_expectations(GOOD, expected) == [], check_expectations(GOOD, expected)
    for field, wrong in [("subject", "Hi!"), ("from", "B +46701234567"), ("to", ["C"]), ("attachments", [{}])]:
        assert check_expectations(GOOD, dict(expected, **{field: wrong})), f"the checker accepted a wrong {field}"
    print(f"check-eml self-test: accepted the good message and rejected {len(broken) + 4} broken ones")


def main(arguments):
    if arguments == ["--self-test"]:
        self_test()
        return 0
    if not arguments:
        print(__doc__, file=sys.stderr)
        return 2
    failures = 0
    count = 0
    for path in files_in(arguments):
        count += 1
        with open(path, "rb") as handle:
            data = handle.read()
        problems = check_message(data)
        expectations = path[: -len(".eml")] + ".expected.json"
        if os.path.exists(expectations):
            with open(expectations, encoding="utf-8") as handle:
                problems += check_expectations(data, json.load(handle))
        for problem in problems:
            print(f"{path}: {problem}")
        failures += bool(problems)
    if count == 0:
        print("check-eml: no .eml files found", file=sys.stderr)
        return 1
    print(f"check-eml: {count} files checked, {failures} with defects")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
