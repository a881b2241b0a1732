#!/usr/bin/env python3
"""Writes a synthetic Android chat export of exactly N lines (default 1,000,000) for the chat-export benchmark:
a group of 12 authors (4 of them in the participants file, one mapped to a contoso.com mailbox), 24-hour day-first dates, about
one message in eight spread over several lines, media omitted, deletions, edits and system lines, times that
advance from 2020. Deterministic (seeded). Also writes participants.csv beside it.

  generate-chat-export.py OUT.txt [--lines N]
"""
import argparse
import datetime as dt
import pathlib
import random


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(14)
    authors = [f"Person {i:02}" for i in range(12)]
    words = "deal price offer term sheet call client review signed tomorrow budget risk approve meeting".split()
    time = dt.datetime(2020, 1, 1, 8, 0)
    lines = 0
    out = open(args.out, "w", encoding="utf-8", newline="\n")
    out.write(time.strftime("%d/%m/%Y, %H:%M") + " - Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more.\n")
    lines += 1
    while lines < args.lines:
        time += dt.timedelta(seconds=rng.choice([0, 0, 60, 60, 120, 300]))
        header = time.strftime("%d/%m/%Y, %H:%M") + " - "
        roll = rng.random()
        author = rng.choice(authors)
        if roll < 0.01:
            out.write(header + f"{author} added {rng.choice(authors)}\n")
            lines += 1
            continue
        if roll < 0.04:
            text = "<Media omitted>"
        elif roll < 0.05:
            text = "This message was deleted"
        elif roll < 0.06:
            text = " ".join(rng.choices(words, k=5)) + " <This message was edited>"
        else:
            text = " ".join(rng.choices(words, k=rng.randint(3, 18)))
        extra = rng.randint(1, 4) if rng.random() < 0.125 else 0
        extra = min(extra, args.lines - lines - 1)
        out.write(header + f"{author}: {text}\n")
        for _ in range(extra):
            out.write(" ".join(rng.choices(words, k=rng.randint(2, 10))) + "\n")
        lines += 1 + extra
    out.close()
    csv = pathlib.Path(args.out).with_name("participants.csv")
    csv.write_text(
        # One mailbox: every message (all authors are participants of every message) is one delivery, one file.
        # More mailboxes multiply the hard links, and tmpfs counts each link against its inode limit.
        "Name,Phone,Email\nPerson 00,+44700900000,person0@contoso.com\n"
        + "".join(f"Person {i:02},+4470090{i:04},\n" for i in range(1, 4)),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
