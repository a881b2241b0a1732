#!/usr/bin/env python3
"""Verifies a WhatsAppArchiver Maildir against its evidence logs with Python's standard library alone, so that an
auditor need not trust the archiver's binary; prints what `archive-verify` prints, line for line.

    python3 verify_archive.py --maildir DIR [--mailbox ADDR]... [--heads FILE]

Exit status 0: everything verifies; 1: discrepancies, one a line; 2: wrong usage. Log format and matching rules:
Documentation/Evidence.md; the Merkle tree: RFC 9162, section 2.1.1.
"""
import argparse, hashlib, json, os, stat, sys

ENTRY = ["messageId", "sha256", "size", "time", "run", "file"]
node = lambda left, right: hashlib.sha256(b"\x01" + left + right).digest()
is_hex = lambda v: isinstance(v, str) and len(v) == 64 and all(c in "0123456789abcdef" for c in v)
count = lambda v: type(v) is int and v >= 0

class Tree:  # RFC 9162's MTH, kept as the roots of its perfect subtrees, largest first
    def __init__(self): self.size, self.stack = 0, []

    def add(self, leaf_hash):
        self.size += 1
        self.stack.append((1, leaf_hash))
        while len(self.stack) > 1 and self.stack[-1][0] == self.stack[-2][0]:
            (n, right), (_, left) = self.stack.pop(), self.stack.pop()
            self.stack.append((2 * n, node(left, right)))

    def root(self):
        if not self.stack: return hashlib.sha256(b"").hexdigest()
        h = self.stack[-1][1]
        for _, left in reversed(self.stack[:-1]): h = node(left, h)
        return h.hex()

def record(line):  # an entry, intent or head with its keys in their fixed order; None for anything else
    try: obj = json.loads(line.decode("utf-8"))
    except ValueError: return None
    if not isinstance(obj, dict) or not obj: return None
    keys, kind = list(obj), next(iter(obj))
    if kind in ("entry", "intent") and keys == [kind] + ENTRY and count(obj[kind]) and count(obj["size"]) \
            and is_hex(obj["sha256"]) and all(isinstance(obj[k], str) for k in ("messageId", "time", "run", "file")):
        return obj
    if kind == "head" and keys == ["head", "root", "time", "run", "frontier"] and count(obj["head"]) \
            and is_hex(obj["root"]) and isinstance(obj["time"], str) and isinstance(obj["run"], str) \
            and isinstance(obj["frontier"], list) and all(is_hex(h) for h in obj["frontier"]):
        return obj
    return None

def read_log(data, sizes):  # -> committed entries, pending records (after the last head), problems, roots
    entries, tree, pending, leaves, problems = [], Tree(), [], [], []
    roots = {0: tree.root()} if 0 in sizes else {}
    for number, line in enumerate(data.split(b"\n")[:-1], 1):  # a last line without its line feed: a crash's
        rec = record(line)
        if rec is None: problems.append(f"line {number}: not a log record")
        elif "entry" in rec:
            if rec["entry"] != tree.size + len(leaves):
                expected = tree.size + len(leaves)
                problems.append(f"line {number}: entry {rec['entry']} out of order (expected {expected})")
            pending.append(rec); leaves.append(hashlib.sha256(b"\x00" + line).digest())
        elif "intent" in rec: pending.append(rec)
        else:
            entries += [r for r in pending if "entry" in r]
            for h in leaves:
                tree.add(h)
                if tree.size in sizes: roots[tree.size] = tree.root()
            pending, leaves = [], []
            if rec["head"] != tree.size or rec["root"] != tree.root():
                problems.append(f"line {number}: head {rec['head']} does not match the entries before it")
    return entries, pending, problems, roots

def message_id(head):  # the first Message-ID field of the header section, unfolded, without <>
    lines = []
    for raw in head.split(b"\n")[:-1]:
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        if not raw: break
        lines.append(raw)
    for i, line in enumerate(lines):
        if line[:11].lower() != b"message-id:": continue
        value = line[11:]
        for nxt in lines[i + 1:]:
            if nxt[:1] not in (b" ", b"\t"): break
            value += nxt
        start = value.find(b"<")
        end = value.find(b">", start + 1) if start >= 0 else -1
        value = value[start + 1:end] if start >= 0 and end > start + 1 else value.strip(b" \t")
        return value.decode("utf-8", "replace") if value else None
    return None

def listdir(path):
    try: return sorted(os.listdir(os.fsencode(path)))
    except (FileNotFoundError, NotADirectoryError): return []

def is_dir(path): return os.path.isdir(path) and not os.path.islink(path)

def verify_folder(base, folder, out, logs, sizes):
    path, files = os.path.join(base, folder), []
    for sub in ("new", "cur"):
        for name in (n.decode("utf-8", "replace") for n in listdir(os.path.join(path, sub)) if not n.startswith(b".")):
            if not stat.S_ISREG(os.lstat(os.path.join(path, sub, name)).st_mode): continue
            with open(os.path.join(path, sub, name), "rb") as f: data = f.read()
            files.append((sub + "/" + name, hashlib.sha256(data).hexdigest(), message_id(data[:16384])))
    entries, pending, problems = [], [], []
    if os.path.isfile(os.path.join(path, "archive-evidence.log")):
        with open(os.path.join(path, "archive-evidence.log"), "rb") as f:
            entries, pending, problems, roots = read_log(f.read(), sizes)
        logs[folder] = (len(entries), roots)
    out += [f"log {folder}: {p}" for p in problems]
    by_sha, matched, unmatched = {}, [False] * len(entries), []
    for i in reversed(range(len(entries))): by_sha.setdefault(entries[i]["sha256"], []).append(i)
    for f in files:
        if by_sha.get(f[1]): matched[by_sha[f[1]].pop()] = True
        else: unmatched.append(f)
    pending_sha = {p["sha256"] for p in pending}
    for name, sha, mid in unmatched:
        subject, shown = f"{folder}/{name}", mid if mid is not None else "(none)"
        index = next((i for i, e in enumerate(entries) if not matched[i] and e["messageId"] == mid), None)
        if sha in pending_sha:
            pending_sha.discard(sha)
            out.append(f"pending {subject}: Message-ID {shown}: stored by an interrupted commit; "
                       "the archiver's next run logs it")
        elif mid is not None and index is not None:
            matched[index] = True
            out.append(f"altered {subject}: Message-ID {mid}: SHA-256 {sha} differs from entry {index}")
        else: out.append(f"added {subject}: Message-ID {shown} is not in the log")
    out += [f"missing {folder}: entry {i}, Message-ID {e['messageId']}: no file holds its bytes"
            for i, e in enumerate(entries) if not matched[i]]

def anchored_heads(path):  # a run report, a list of heads, or JSON lines of either
    text, heads = open(path, "rb").read().decode("utf-8"), []
    try: values = [json.loads(text)]
    except ValueError: values = [json.loads(line) for line in text.split("\n") if line.strip(" \t\r")]
    def add(value):
        if isinstance(value, list): [add(v) for v in value]
        elif isinstance(value, dict) and "logHeads" in value: add(value["logHeads"])
        elif isinstance(value, dict) and isinstance(value.get("path"), str) and count(value.get("size")) \
                and is_hex(value.get("root")): heads.append((value["path"], value["size"], value["root"]))
        else: print(f"verify_archive: {path}: a head needs path, size and root", file=sys.stderr); sys.exit(2)
    [add(v) for v in values]
    return heads

def main():
    parser = argparse.ArgumentParser(description="Verify a WhatsAppArchiver Maildir against its evidence logs.")
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--mailbox", action="append", default=[])
    parser.add_argument("--heads")
    args = parser.parse_args()  # exits 2 on wrong usage
    heads, wanted, folders = anchored_heads(args.heads) if args.heads else [], {m.lower() for m in args.mailbox}, []
    for mailbox in (n.decode() for n in listdir(args.maildir) if not n.startswith(b".")):
        if not is_dir(os.path.join(args.maildir, mailbox)) or (wanted and mailbox not in wanted): continue
        folders += [mailbox] + [mailbox + "/" + d.decode() for d in listdir(os.path.join(args.maildir, mailbox))
                                if d.startswith(b".") and is_dir(os.path.join(args.maildir, mailbox, d.decode()))]
    out, logs = [], {}
    for folder in sorted(folders, key=lambda f: f.encode()):
        verify_folder(args.maildir, folder, out, logs, {h[1] for h in heads if h[0] == folder})
    for folder, size, anchored in heads:
        if wanted and folder.split("/")[0] not in wanted: continue
        subject = f"{folder} size {size}"
        if folder not in logs: out.append(f"head {subject}: the folder has no log")
        elif size not in logs[folder][1]: out.append(f"head {subject}: the log holds only {logs[folder][0]} entries")
        elif logs[folder][1][size] != anchored:
            out.append(f"head {subject}: the log's entries give root {logs[folder][1][size]}, not the anchored one")
    print("\n".join(out)) if out else None
    sys.exit(1 if out else 0)

if __name__ == "__main__":
    main()
