#!/usr/bin/env python3
"""Writes the CSV fixtures of the mapping tests and their expected records, as read by Python's csv module.

Python's `csv` module is the independent oracle for the SDK's CSVReader: for every fixture, the expected file
lists each record with the line it starts on and its fields, exactly as `csv.reader(strict=True)` reads them.

    python3 Scripts/csv-oracle.py           # (re)write Tests/Fixtures/Mapping/CSV
    python3 Scripts/csv-oracle.py --check   # fail if the committed files differ from what the oracle says
"""
import csv
import io
import json
import pathlib
import random
import sys

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "Tests/Fixtures/Mapping/CSV"

HANDWRITTEN = {
    "mapping-lf": b"External User ID,Microsoft 365 User Mailbox\n445204334324,susan@company.com\n"
    b"46701234567,alice@contoso.com\n",
    "mapping-crlf-bom": b"\xef\xbb\xbfExternal User ID,Microsoft 365 User Mailbox\r\n"
    b"445204334324,susan@company.com\r\n\r\n46701234567,alice@contoso.com",
    "quoting": b'name,"quoted, with comma","say ""hi""",""\n'
    b'"multi\nline\r\nfield",x,"a""b""c",\n'
    b'"",,"",\n'
    b'plain,"caf\xc3\xa9 \xf0\x9f\x93\x8e",\'single\',  spaced  \n',
    "blank-lines": b"\n\na,b\n\r\n\r\nc,d\n\n\n\"e\nf\",g\n\ne,h",
    "lone-cr": b"a,b\rc,\"d\re\"\rf,g\r",
    "extra-columns": b"Notes, EXTERNAL user id ,Department,microsoft 365 user MAILBOX,More\r\n"
    b'"call her ""Sue""\r\nafter 5pm",+44 5204 334324,Sales,Susan@Company.com,\r\n'
    b"x,(46) 70-123.45.67,,alice@contoso.com,y\r\n",
}


def random_fixture(seed: int) -> bytes:
    """A file of random records whose fields hold quotes, commas, line breaks and non-ASCII text."""
    rng = random.Random(seed)
    alphabet = ["a", "b", "Z", "0", "9", " ", ",", '"', "\n", "\r\n", "\r", "é", "📎", "-", "@", "."]
    endings = ["\n", "\r\n", "\r"]
    out = []
    for _ in range(300):
        fields = []
        for _ in range(rng.randint(1, 5)):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))
            special = any(c in text for c in ',"\r\n') or text == "" and rng.random() < 0.3
            if special or rng.random() < 0.2:
                text = '"' + text.replace('"', '""') + '"'
            fields.append(text)
        if fields == [""]:
            fields = ['""']
        out.append(",".join(fields) + rng.choice(endings))
        if rng.random() < 0.1:
            out.append(rng.choice(endings))
    return "".join(out).encode("utf-8")


def expected(data: bytes) -> str:
    """Each record of `data` with the 1-based line it starts on, as Python's csv module reads it."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, strict=True)
    records = []
    last_line = 0
    for row in reader:
        start = last_line + 1
        last_line = reader.line_num
        if row:  # csv yields [] for an empty line: not a record
            records.append({"line": start, "fields": row})
    return json.dumps(records, ensure_ascii=False, indent=1) + "\n"


def main() -> int:
    check = "--check" in sys.argv[1:]
    fixtures = dict(HANDWRITTEN)
    fixtures["random-300"] = random_fixture(20261125)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    stale = []
    for name, data in sorted(fixtures.items()):
        files = {FIXTURES / f"{name}.csv": data, FIXTURES / f"{name}.json": expected(data).encode("utf-8")}
        for path, content in files.items():
            if check:
                if not path.exists() or path.read_bytes() != content:
                    stale.append(path.name)
            else:
                path.write_bytes(content)
    if stale:
        print("CSV fixtures differ from Python's csv module: " + ", ".join(stale), file=sys.stderr)
        print("Run python3 Scripts/csv-oracle.py and review the diff.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
