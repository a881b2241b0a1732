#!/usr/bin/env python3
"""Two independent oracles for the chat-export source: Python's chat-miner and whatstk (PyPI) parse the same
exports as ChatExportSource, and their message counts, authors, times and texts must agree with the source's items.

The exports are the committed fixtures (Tests/Fixtures/ChatExport) and chats that whatstk itself generates in each
of its 96 header formats. The source's items come from the Swift test ChatOracleDumpTests, run with a manifest.

Every disagreement that is not a bug of the source is explained below, with the rule that removes it; anything
else fails the check. Usage: chat-export-oracles.py [--keep DIR]
"""
import datetime as dt
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import unicodedata
import logging
import warnings

warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "Tests" / "Fixtures" / "ChatExport"

# Fixtures each oracle is given, with the order the source is told (auto: it decides) and why an oracle is left out.
FIXTURE_CASES = [
    ("android-en-24h-dmy.txt", "auto"),
    ("android-en-12h-mdy.txt", "auto"),
    ("ios-en-12h.txt", "auto"),
    ("ios-de-24h.txt", "auto"),
    ("android-de-dot.txt", "auto"),
    ("android-es-ampm.txt", "auto"),
    ("android-fr.txt", "auto"),
    ("android-pt.txt", "auto"),
    ("android-it.txt", "auto"),
    ("android-nl.txt", "auto"),
    ("android-ja-ymd.txt", "auto"),
    ("android-ko-ymd.txt", "auto"),
    ("android-iso.txt", "auto"),
    ("dst-berlin.txt", "auto"),
    ("later/WhatsApp Chat with Bob (1).txt", "auto"),
]

# ORACLE BUGS AND LIMITS (each an explained disagreement, never silently ignored):
# - chat-miner's new-message regex needs the time right after the date (`, ` or one space), so it does not see a
#   message in `15/01/2024 à 21:05` (French), `2024/01/15 午前9:05` (Japanese: the marker comes before the time)
#   or `2024. 1. 15. 오전 9:05` (Korean: `. ` separators), and then fails with an IndexError; its day-first
#   inference splits `2024-01-16 08:00` at `-` and fails on `16 08:00` (ValueError); and dateutil cannot read `a. m.`/`p. m.` (Spanish),
#   taking every such time as AM. Those fixtures are not given to chat-miner.
# - chat-miner takes every line that starts with a date and a time as a new message, so a continuation line that
#   looks like one (`[13/01/2024, 10:00:00] Pasted: …` inside an Android message, which that fixture is about)
#   crashes its parser (ValueError in _parse_message). That fixture is compared with whatstk only.
CHATMINER_UNSUPPORTED = {
    "android-en-24h-dmy.txt": "a continuation line that looks like an iOS header crashes it",
    "android-fr.txt": "time after ' à '",
    "android-ja-ymd.txt": "午前/午後 before the time",
    "android-ko-ymd.txt": "'. ' date separators and 오전/오후",
    "android-es-ampm.txt": "dateutil reads 'p. m.' as AM",
    "android-iso.txt": "year-first dates without a comma crash its day-first inference",
}
# - whatstk's automatic header detection knows none of these layouts (it raises "Header automatic extraction
#   failed"); they are given to it with the header format written out where its format language can say it, and
#   left out where it cannot (the marker before the time, `à`, `. ` separators, `a. m.`).
WHATSTK_HFORMAT = {
    "android-en-24h-dmy.txt": "%d/%m/%Y, %H:%M - %name:",
    "android-en-12h-mdy.txt": "%m/%d/%y, %I:%M %p - %name:",
    "ios-en-12h.txt": "[%m/%d/%y, %I:%M:%S %p] %name:",
    "ios-de-24h.txt": "[%d.%m.%y, %H:%M:%S] %name:",
    "android-de-dot.txt": "%d.%m.%y, %H:%M - %name:",
    "android-pt.txt": "%d/%m/%Y %H:%M - %name:",
    "android-fr.txt": "%d/%m/%Y à %H:%M - %name:",
    "android-it.txt": "%d/%m/%y, %H:%M - %name:",
    "android-nl.txt": "%d-%m-%Y %H:%M - %name:",
    "android-iso.txt": "%Y-%m-%d %H:%M - %name:",
    "dst-berlin.txt": "%d/%m/%Y, %H:%M - %name:",
    "later/WhatsApp Chat with Bob (1).txt": "%d/%m/%Y, %H:%M - %name:",
}
# - whatstk's generator writes header formats with the year first and the day second (`%y-%d-%m`): no WhatsApp
#   locale writes dates so, and the source reads a year-first date as year-month-day. They are generated and
#   parsed by whatstk, and left out of the comparison with the source.
# - chat-miner keeps iOS system lines (written `Chat name: ‎text`) as messages by the chat's name; the source makes
#   them events. Oracle rows whose (time, text) is one of the source's events are removed, and counted.
# - whatstk splits `Alice changed the subject from "A" to "B: C"` at the colon inside the subject and keeps it as a
#   message by `Alice changed the subject from "A" to "B`; the source sees the quote and makes it an event. Oracle
#   rows whose (time, `author: text`) is one of the source's events are removed, and counted.
# - An author shown as a phone number is a number to the source (`+447700900456`); the oracles keep it as written
#   (`+44 7700 900456`, with chat-miner also the U+202A/U+202C around it). Such authors are compared as digits.
# - Messages that share a time (a minute, on Android) are in id order in the source's pages (the MessageSource
#   contract), in file order in the oracles: both sides are compared sorted by time, author and text.
# - chat-miner joins a message's lines with a space and NFKC-normalises the text; whatstk NFKC-normalises too.
#   Texts are compared with whitespace runs as one space, both sides NFKC-normalised.
# - Where the export shows a marker instead of text (media attached or omitted, deleted, edited, a poll, a location),
#   the oracles keep the marker as the text and the source makes it an attachment, a kind or a location: for those
#   items the oracle's text must hold the source's file name, caption or edited text; count, author and time are
#   compared as for any message.
# - chat-miner drops system lines entirely (no author); whatstk drops the ones its regex sees without `name:`.
#   The source's events are therefore left out of the comparison (the Swift tests check them).


def normalise(text):
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch not in "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
    return re.sub(r"\s+", " ", text).strip()


def author_key(author):
    """A name as it is; a phone number as its digits."""
    text = normalise(author)
    if text.startswith("+") and re.fullmatch(r"\+[0-9 ().-]+", text):
        return "+" + re.sub(r"[^0-9]", "", text)
    return text


def load_ours(path):
    items = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    messages = []
    events = []
    for item in items:
        time = dt.datetime.fromisoformat(item["time"].replace("Z", "+00:00")).replace(tzinfo=None)
        if item["kind"] == "event":
            events.append((time, normalise(item["text"])))
        else:
            messages.append(item | {"time": time})
    return messages, events


def plain(item):
    return item["kind"] == "message" and not item["attachments"] and "location" not in item


COMPARED = {"messages": 0}


def compare(name, oracle, ours, events, precision, problems):
    """oracle: list of (time, author, text); ours: the source's message items."""
    before = len(oracle)
    known = set(events)
    oracle = [
        row for row in oracle
        if (row[0].replace(microsecond=0), normalise(row[2])) not in known
        and (row[0].replace(microsecond=0), normalise(f"{row[1]}: {row[2]}")) not in known
    ]
    removed = before - len(oracle)
    def key_time(time):
        return time.replace(second=0, microsecond=0) if precision == "minute" else time.replace(microsecond=0)
    oracle = sorted(oracle, key=lambda row: (key_time(row[0]), author_key(row[1]), normalise(row[2])))
    ours = sorted(ours, key=lambda item: (key_time(item["time"]), author_key(item["author"]), normalise(item["text"])))
    if len(oracle) != len(ours):
        problems.append(f"{name}: {len(oracle)} messages in the oracle, {len(ours)} from the source")
        return removed
    COMPARED["messages"] += len(ours)
    for index, (row, item) in enumerate(zip(oracle, ours)):
        time, author, text = row
        ours_time = item["time"]
        if precision == "minute":
            ours_time = ours_time.replace(second=0)
            time = time.replace(second=0, microsecond=0)
        else:
            time = time.replace(microsecond=0)
        if time != ours_time:
            problems.append(f"{name} message {index + 1}: time {time} in the oracle, {ours_time} from the source")
        if author_key(author) != author_key(item["author"]):
            problems.append(f"{name} message {index + 1}: author {author!r} in the oracle, {item['author']!r}")
        oracle_text = normalise(text)
        if plain(item):
            if oracle_text != normalise(item["text"]):
                problems.append(f"{name} message {index + 1}: text {oracle_text!r} in the oracle, {item['text']!r}")
        else:
            expected = [normalise(a) for a in item["attachments"] if not item["omitted"]]
            if item["kind"] == "edit" and item["text"]:
                expected.append(normalise(item["text"]))
            for piece in expected:
                if piece and piece not in oracle_text:
                    problems.append(f"{name} message {index + 1}: {piece!r} not in the oracle's {oracle_text!r}")
    return removed


def chatminer_rows(path):
    from chatminer.chatparsers import WhatsAppParser

    parser = WhatsAppParser(str(path))
    parser._logger.disabled = True
    import contextlib
    import io

    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        parser.parse_file()
    frame = parser.parsed_messages.get_df(as_pandas=True)
    return [(row.timestamp.to_pydatetime(), row.author, row.message) for row in frame.itertuples()]


def whatstk_rows(path, hformat):
    from whatstk import WhatsAppChat

    chat = WhatsAppChat.from_source(str(path), hformat=hformat) if hformat else WhatsAppChat.from_source(str(path))
    return [(row.date.to_pydatetime(), row.username, row.message) for row in chat.df.itertuples()]


def order_of(hformat):
    date = re.search(r"%[dmyY].%[dmyY].%[dmyY]", hformat).group(0)
    letters = "".join(ch for ch in date if ch in "dmyY").lower()
    return {"dmy": "dmy", "mdy": "mdy", "ymd": "ymd"}.get(letters)


def main():
    keep = None
    if len(sys.argv) == 3 and sys.argv[1] == "--keep":
        keep = pathlib.Path(sys.argv[2])
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="chat-oracles-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None))
    work = keep or scratch
    work.mkdir(parents=True, exist_ok=True)

    from whatstk.whatsapp.generation import ChatGenerator
    from whatstk.whatsapp.hformat import get_supported_hformats_as_list

    cases = []  # (name, path, order, hformat for whatstk or None, chat-miner?, whatstk ground truth or None)
    for name, order in FIXTURE_CASES:
        cases.append((name, FIXTURES / name, order, WHATSTK_HFORMAT.get(name), name not in CHATMINER_UNSUPPORTED, None))
    generated = 0
    skipped_ydm = 0
    for index, hformat in enumerate(get_supported_hformats_as_list()):
        order = order_of(hformat)
        if order is None:
            skipped_ydm += 1
            continue
        path = work / f"whatstk-{index:02}.txt"
        chat = ChatGenerator(size=40, users=["Ana Lima", "Ben Okafor", "+44 7700 900456"], seed=index + 1)
        generated_chat = chat.generate(last_timestamp=dt.datetime(2024, 3, 17, 18, 45, 30), hformat=hformat)
        generated_chat.to_txt(filepath=str(path), hformat=hformat)
        truth = [(row.date.to_pydatetime(), row.username, row.message) for row in generated_chat.df.itertuples()]
        cases.append((f"whatstk {hformat}", path, order, hformat, False, truth))
        generated += 1

    manifest = work / "manifest.tsv"
    with manifest.open("w", encoding="utf-8") as out:
        for number, (name, path, order, _, _, _) in enumerate(cases):
            out.write(f"{path}\t{'auto' if order == 'auto' else order}\t{work / f'ours-{number:03}.json'}\n")
    environment = dict(os.environ, CHAT_EXPORT_ORACLE_MANIFEST=str(manifest))
    subprocess.run(
        ["swift", "test", "--skip-build", "--filter", "ChatOracleDumpTests"],
        cwd=ROOT, env=environment, check=True, stdout=subprocess.DEVNULL,
    )

    problems = []
    compared = {"chat-miner": 0, "whatstk": 0, "whatstk generator": 0}
    removed_events = 0
    for number, (name, path, order, hformat, use_chatminer, truth) in enumerate(cases):
        ours, events = load_ours(work / f"ours-{number:03}.json")
        precision = "second" if (hformat and "%S" in hformat) or "ios" in name else "minute"
        if truth is not None:
            compare(name + " (generator)", truth, ours, events, precision, problems)
            compared["whatstk generator"] += 1
        if hformat:
            try:
                rows = whatstk_rows(path, hformat)
            except Exception as error:  # an oracle that cannot parse a file it says it supports is a finding
                problems.append(f"{name}: whatstk failed: {error}")
            else:
                removed_events += compare(name + " (whatstk)", rows, ours, events, precision, problems)
                compared["whatstk"] += 1
        if use_chatminer:
            rows = chatminer_rows(path)
            removed_events += compare(name + " (chat-miner)", rows, ours, events, precision, problems)
            compared["chat-miner"] += 1

    if not keep:
        subprocess.run(["rm", "-rf", str(scratch)], check=False)
    summary = (
        f"chat-export oracles: {compared['chat-miner']} exports compared with chat-miner, {compared['whatstk']} with "
        f"whatstk, {compared['whatstk generator']} generated by whatstk in its header formats compared with what it "
        f"generated ({skipped_ydm} year-day-month formats left out: no WhatsApp layout); {COMPARED['messages']} "
        f"messages compared; {removed_events} system lines the oracles keep as messages are the source's events"
    )
    if COMPARED["messages"] < 2000 or compared["chat-miner"] < 8 or compared["whatstk"] < 80:
        problems.append(f"too little was compared to mean anything: {summary}")
    if problems:
        print("\n".join(problems[:60]), file=sys.stderr)
        print(f"{len(problems)} disagreements", file=sys.stderr)
        sys.exit(1)
    print(summary)


if __name__ == "__main__":
    main()
