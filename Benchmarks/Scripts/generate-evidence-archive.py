#!/usr/bin/env python3
"""Generates a Maildir archive with evidence logs, as archive-daily writes them, for the archive-verify benchmark:

    generate-evidence-archive.py --messages N --out DIR [--mailboxes M] [--seed S]

N messages (default 1,000,000) spread over M mailboxes (default 1,000), each in `.WhatsApp Archiver/new/` with
the sink's file names, of 600 to 4,000 bytes (LF line endings, a header section with a Message-ID and a text
body), and each folder's archive-evidence.log with one entry per message and one head (RFC 9162 root, frontier),
in the exact format the Swift log writes. Deterministic for a given seed.
"""
import argparse, hashlib, json, os, random

parser = argparse.ArgumentParser()
parser.add_argument("--messages", type=int, default=1_000_000)
parser.add_argument("--mailboxes", type=int, default=1000)
parser.add_argument("--out", required=True)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()
rng = random.Random(args.seed)
words = ("quarterly offer price review meeting call shipment invoice contract approval team client numbers "
         "tomorrow today agreed final draft please confirm thanks").split()


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


per_folder = [args.messages // args.mailboxes + (1 if i < args.messages % args.mailboxes else 0)
              for i in range(args.mailboxes)]
serial = 0
for index, count in enumerate(per_folder):
    mailbox = f"user{index:05d}@contoso.com"
    folder = os.path.join(args.out, mailbox, ".WhatsApp Archiver")
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(folder, sub), exist_ok=True)
    open(os.path.join(folder, "maildirfolder"), "w").close()
    log, stack, size = [], [], 0
    for _ in range(count):
        serial += 1
        message_id = f"wa.{hashlib.sha256(str(serial).encode()).hexdigest()[:32]}@archiver.invalid"
        body = " ".join(rng.choice(words) for _ in range(rng.randint(60, 600)))
        data = (f"Date: Mon, 23 Nov 2026 10:00:00 +0000\nFrom: <a@contoso.com>\nTo: <{mailbox}>\n"
                f"Subject: WhatsApp Message {serial}\nMessage-ID: <{message_id}>\nMIME-Version: 1.0\n"
                f"Content-Type: text/plain; charset=\"utf-8\"\n\n{body}\n").encode()
        digest = hashlib.sha256(message_id.encode()).hexdigest()[:32]
        name = f"{1795424400 + serial}.wa{digest}.bench,S={len(data)},W={len(data) + data.count(10)}"
        with open(os.path.join(folder, "new", name), "wb") as handle:
            handle.write(data)
        line = ('{"entry":%d,"messageId":%s,"sha256":"%s","size":%d,"time":"2026-11-23T10:00:00Z","run":"bench",'
                '"file":%s}') % (size, json.dumps(message_id), hashlib.sha256(data).hexdigest(), len(data),
                                json.dumps(name))
        log.append(line)
        leaf, height = hashlib.sha256(b"\x00" + line.encode()).digest(), 1
        stack.append((1, leaf))
        while len(stack) > 1 and stack[-1][0] == stack[-2][0]:
            (n, right), (_, left) = stack.pop(), stack.pop()
            stack.append((2 * n, node(left, right)))
        size += 1
    root = hashlib.sha256(b"").digest() if not stack else stack[-1][1]
    for _, left in reversed(stack[:-1]):
        root = node(left, root)
    frontier = ",".join('"%s"' % h.hex() for _, h in stack)
    log.append('{"head":%d,"root":"%s","time":"2026-11-23T10:00:00Z","run":"bench","frontier":[%s]}'
               % (size, root.hex(), frontier))
    with open(os.path.join(folder, "archive-evidence.log"), "w") as handle:
        handle.write("\n".join(log) + "\n")
print(f"{serial} messages in {args.mailboxes} folders under {args.out}")
