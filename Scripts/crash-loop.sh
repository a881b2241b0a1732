#!/usr/bin/env bash
# The whole connector under SIGKILL: runs `archive-daily` over a generated export (a few items with large
# attachments among them), kills it with SIGKILL at random instants, resumes it from its checkpoint each time, lets
# a last run finish, then proves with Python's email and hashlib, independently of the Swift code, that:
#   - every (item, mailbox) pair that the export and the mapping call for is stored exactly once (by
#     X-TeleMessage-Item-Id in each mailbox's folder), complete (S= equals the size, every attachment decodes to
#     the export's SHA-256), and nothing else is stored;
#   - every tmp/ is empty (stronger than "nothing older than the run"), and no download directory is left behind;
#   - the root holds only mailbox directories and the state directory;
#   - the checkpoint equals the end of the window.
#
#   Scripts/crash-loop.sh [--items N] [--kills K] [--big-attachments B] [--big-size BYTES] [--binding export|http]
#                         [--binary PATH] [--work DIR] [--seed S] [--keep]
#
# Defaults: 20000 items, 25 kills, 4 attachments of 16 MiB, the export binding, the debug build found with
# `swift build --show-bin-path`, a scratch directory in /dev/shm. `--binding http` serves the export from
# Scripts/fake-telemessage.py and kills during downloads too. Needs bash and python3 (standard library only).
set -euo pipefail
cd "$(dirname "$0")/.."

items=20000 kills=25 big=4 big_size=$((16 << 20)) binding=export binary="" work="" seed=$RANDOM keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --items) items=$2; shift 2 ;;
        --kills) kills=$2; shift 2 ;;
        --big-attachments) big=$2; shift 2 ;;
        --big-size) big_size=$2; shift 2 ;;
        --binding) binding=$2; shift 2 ;;
        --binary) binary=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "crash-loop: unknown argument $1" >&2; exit 2 ;;
    esac
done
case "$binding" in export | http) ;; *) echo "crash-loop: --binding is export or http" >&2; exit 2 ;; esac

if [ -z "$binary" ]; then
    swift build --product archive-daily 2>&1 | grep -E 'error|warning' || true
    binary="$(swift build --show-bin-path)/archive-daily"
fi
[ -x "$binary" ] || { echo "crash-loop: $binary is not an executable" >&2; exit 2; }
if [ -z "$work" ]; then
    base=/dev/shm
    [ -d "$base" ] && [ -w "$base" ] || base="${TMPDIR:-/tmp}"
    work="$(mktemp -d "$base/crash-loop.XXXXXX")"
fi
mkdir -p "$work"
if [ "$keep" -eq 0 ]; then trap 'rm -rf "$work"' EXIT; fi

python3 Benchmarks/Scripts/generate-export.py --items "$items" --out "$work/export" --seed "$seed"
python3 - "$binary" "$work" "$kills" "$big" "$big_size" "$binding" "$seed" <<'PYTHON'
import calendar, collections, email, email.parser, email.policy, hashlib, json, os, platform, random, re, signal, subprocess
import sys, time

binary, work, kills, big, big_size, binding, seed = sys.argv[1:]
kills, big, big_size, seed = int(kills), int(big), int(big_size), int(seed)
rng = random.Random(seed)
export = os.path.join(work, "export")
FOLDER = "WhatsApp Archiver"
UNTIL = "2026-11-24T00:00:00Z"
DAY_START = 1795392000.0  # 2026-11-23T00:00:00Z
failures = []


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


# --- A few items get a large attachment, so that kills land while one is read, encoded, written or downloaded. ---
lines = open(os.path.join(export, "items.jsonl"), encoding="utf-8").read().splitlines()
candidates = [i for i, line in enumerate(lines) if '"kind":"message"' in line and '"attachments"' not in line]
chosen = [candidates[(k + 1) * len(candidates) // (big + 1)] for k in range(big)] if candidates and big else []
for number, index in enumerate(chosen):
    record = json.loads(lines[index])
    attachment_id = "att-large-%d" % number
    digest, remaining, chunk = hashlib.sha256(), big_size, rng.randbytes(1 << 20)
    with open(os.path.join(export, "attachments", attachment_id), "wb") as handle:
        while remaining:
            piece = chunk[: min(remaining, len(chunk))]
            handle.write(piece)
            digest.update(piece)
            remaining -= len(piece)
    record["attachments"] = [{"id": attachment_id, "fileName": "recording-%d.mp4" % number,
                              "contentType": "video/mp4", "size": big_size, "sha256": digest.hexdigest(),
                              "kind": "video"}]
    lines[index] = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
with open(os.path.join(export, "items.jsonl"), "w", encoding="utf-8") as handle:
    handle.write("\n".join(lines) + "\n")
records = [json.loads(line) for line in lines if line.strip()]

# --- The oracle: which mailboxes each item must reach, from the export and the mapping file alone. ---
csv_lines = open(os.path.join(export, "mapping.csv"), encoding="utf-8").read().splitlines()[1:]
by_phone = {}
for row in csv_lines:
    number, address = row.split(",")
    by_phone[number] = address.lower()


def mailbox_of(party):
    address = by_phone.get(party["phone"].lstrip("+"))
    if address and address.endswith("@contoso.com"):
        return address
    address = (party.get("email") or "").lower()
    return address if address.endswith("@contoso.com") else None


expected = collections.Counter()
attachments_of = {}
for record in records:
    for party in [record["from"]] + record["to"]:
        mailbox = mailbox_of(party)
        if mailbox:
            expected[(record["id"], mailbox)] = 1
    attachments_of[record["id"]] = {a["id"]: a["sha256"] for a in record.get("attachments", [])}
print("oracle: %d items, %d (item, mailbox) pairs, %d large attachments of %d bytes"
      % (len(records), len(expected), len(chosen), big_size))

# --- Running archive-daily, over the export or the fake server. ---
environment = dict(os.environ)
downloads = os.path.join(work, "system-tmp")
os.makedirs(downloads, exist_ok=True)
environment["TMPDIR"] = downloads  # where a transport that is not told otherwise puts its downloads
server = None
if binding == "http":
    environment["CRASH_LOOP_PASSWORD"] = "crash-loop secret"
    server = subprocess.Popen(
        [sys.executable, "Scripts/fake-telemessage.py", "--export", export, "--username", "crash@contoso.com",
         "--password-env", "CRASH_LOOP_PASSWORD", "--idle-timeout", "600"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment)
    port = int(server.stdout.readline().decode().split()[1])
    source = ["--url", "http://127.0.0.1:%d" % port, "--username", "crash@contoso.com",
              "--password-env", "CRASH_LOOP_PASSWORD"]
else:
    source = ["--export", export]


def command(maildir, report):
    return [binary] + source + ["--maildir", maildir, "--mapping", os.path.join(export, "mapping.csv"),
                                "--domain", "contoso.com", "--until", UNTIL, "--report", report]


def start(maildir, report):
    return subprocess.Popen(command(maildir, report), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=environment)


# A reference run without kills: how long the whole window takes (to spread the kills), and its report's counts.
started = time.monotonic()
reference = subprocess.run(command(os.path.join(work, "reference"), os.path.join(work, "reference.json")),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
full_run = time.monotonic() - started
if reference.returncode != 0:
    sys.exit("the reference run failed: " + reference.stderr.decode(errors="replace"))
reference_report = json.load(open(os.path.join(work, "reference.json")))
if reference_report["imported"] != len(expected) or reference_report["failed"] != 0:
    fail("the reference run imported %d with %d failures; the oracle expects %d"
         % (reference_report["imported"], reference_report["failed"], len(expected)))
print("reference run: %.1f s, %d imported" % (full_run, reference_report["imported"]))

# --- The crash loop. ---
maildir = os.path.join(work, "maildir")
checkpoint_path = os.path.join(maildir, ".archiver-state", "checkpoint.json")
SYSCALLS = {0: "read", 1: "write", 3: "close", 17: "pread", 18: "pwrite", 74: "fsync", 75: "fdatasync",
            82: "rename", 264: "renameat", 316: "renameat2", 306: "syncfs", 257: "openat", 87: "unlink",
            263: "unlinkat", 83: "mkdir", 258: "mkdirat", 73: "flock", 217: "getdents", 332: "statx",
            262: "fstatat", 5: "fstat", 280: "utimensat", 45: "recvfrom", 44: "sendto", 47: "recvmsg",
            46: "sendmsg", 19: "readv", 20: "writev", 8: "lseek", 77: "ftruncate", 9: "mmap", 11: "munmap"}
IDLE = {202, 232, 281, 7, 271, 230, 35, 23, 270, 441, 130}  # futex, epoll, poll, sleeps, select, sigsuspend: waiting


def activity(pid):
    """What the process's threads are doing right now: system calls in flight, or 'running' (user code)."""
    seen = set()
    try:
        threads = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return seen
    for thread in threads:
        try:
            field = open("/proc/%d/task/%s/syscall" % (pid, thread)).read().split()[0]
        except (OSError, IndexError):
            continue
        if field == "running":
            seen.add("running")
        elif field.lstrip("-").isdigit() and int(field) >= 0 and int(field) not in IDLE:
            number = int(field)
            seen.add(SYSCALLS.get(number, "syscall %d" % number) if platform.machine() == "x86_64" else field)
    return seen


def progress():
    """The fraction of the window the checkpoint has passed."""
    try:
        position = json.load(open(checkpoint_path))["position"]
    except (OSError, ValueError):
        return 0.0
    stamp = calendar.timegm(time.strptime(position[:19], "%Y-%m-%dT%H:%M:%S"))
    return min(max((stamp - DAY_START) / 86400.0, 0.0), 1.0)


def temporary_files():
    """The files in every tmp/ of the tree, with their sizes."""
    found = []
    for directory, _, names in os.walk(maildir):
        if os.path.basename(directory) == "tmp":
            for name in names:
                try:
                    found.append(os.path.getsize(os.path.join(directory, name)))
                except OSError:
                    pass
    return found


landed, attempts, phases, scale = 0, 0, collections.Counter(), 1.0
mid_delivery = during_large = 0
while landed < kills and attempts < 4 * kills:
    attempts += 1
    # Spread the kills over the work that is left, so that they land from the first item to the last.
    remaining = full_run * (1.0 - progress()) + 0.3
    delay = rng.uniform(0.02, max(0.05, scale * 2.0 * remaining / (kills - landed)))
    process = start(maildir, os.path.join(work, "killed.json"))
    try:
        process.wait(timeout=delay)
        error = process.stderr.read().decode(errors="replace")
        if process.returncode != 0:
            fail("run %d exited with %d before its kill: %s" % (attempts, process.returncode, error.strip()))
        print("run %2d: finished within %.2f s, before its kill" % (attempts, delay))
        scale /= 2  # the work left is less than it seemed: aim earlier
        continue
    except subprocess.TimeoutExpired:
        pass
    doing = activity(process.pid)
    pending = temporary_files()
    process.send_signal(signal.SIGKILL)
    process.wait()
    process.stderr.close()
    if process.returncode != -signal.SIGKILL:
        print("run %2d: ended with %d before the kill landed" % (attempts, process.returncode))
        continue
    landed += 1
    phases.update(doing or {"idle"})
    mid_delivery += bool(pending)
    during_large += any(size >= min(big_size, 1 << 20) for size in pending) or (binding == "http" and "recvfrom" in doing)
    print("kill %2d after %.2f s: %d files in tmp/, checkpoint at %4.1f%% of the window, threads in %s"
          % (landed, delay, len(pending), 100 * progress(), ", ".join(sorted(doing)) or "idle"))
if landed < kills:
    fail("only %d of %d kills landed: the export is too small; give more --items" % (landed, kills))

final = subprocess.run(command(maildir, os.path.join(work, "final.json")), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=environment)
if final.returncode != 0:
    fail("the final run exited with %d: %s" % (final.returncode, final.stderr.decode(errors="replace")))
if server:
    server.stdin.close()
    server.wait(timeout=30)

# --- The proof. ---
stored = collections.Counter()
problems = []
header_parser = email.parser.BytesParser(policy=email.policy.default)
for entry in sorted(os.listdir(maildir)):
    path = os.path.join(maildir, entry)
    if entry == ".archiver-state":
        continue
    if not os.path.isdir(path) or "@" not in entry or entry != entry.lower():
        problems.append("the root holds %r, which is not a mailbox directory" % entry)
        continue
    folder = os.path.join(path, "." + FOLDER)
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(folder, sub)):
            data = open(os.path.join(folder, sub, name), "rb").read()
            message = header_parser.parsebytes(data)
            item_id = str(message["X-TeleMessage-Item-Id"]).strip()
            stored[(item_id, entry)] += 1
            size = re.search(r",S=(\d+)", name)
            if not size or int(size.group(1)) != len(data):
                problems.append("%s: S= does not match its %d bytes" % (name, len(data)))
            wanted = attachments_of.get(item_id, {})
            found = {}
            for part in message.walk():
                attachment_id = part.get("X-TeleMessage-Attachment-Id")
                if attachment_id:
                    found[str(attachment_id).strip()] = hashlib.sha256(part.get_payload(decode=True)).hexdigest()
            if found != wanted:
                problems.append("%s (%s): attachments %s, expected %s" % (name, item_id, found, wanted))
    leftovers = os.listdir(os.path.join(folder, "tmp"))
    if leftovers:
        problems.append("%s/tmp holds %d files after the final run" % (folder, len(leftovers)))

missing = [pair for pair in expected if stored[pair] == 0]
extra = [pair for pair in stored if pair not in expected]
duplicated = [pair for pair, count in stored.items() if count > 1]
checkpoint = json.load(open(checkpoint_path))["position"]
state_downloads = os.path.join(maildir, ".archiver-state", "downloads")
left_downloads = os.listdir(downloads) + (os.listdir(state_downloads) if os.path.isdir(state_downloads) else [])
print("%d kills landed in %d runs (%d while deliveries were pending in tmp/, %d during a large attachment)"
      % (landed, attempts, mid_delivery, during_large))
print("threads at the kills: " + ", ".join("%s %d" % pair for pair in phases.most_common()))
print("%d (item, mailbox) pairs stored, %d expected: %d missing, %d duplicated, %d unexpected; checkpoint %s"
      % (sum(stored.values()), len(expected), len(missing), len(duplicated), len(extra), checkpoint))
for pair in missing[:10]:
    fail("missing %s in %s" % pair)
for pair in duplicated[:10]:
    fail("%s stored %d times in %s" % (pair[0], stored[pair], pair[1]))
for pair in extra[:10]:
    fail("unexpected %s in %s" % pair)
for problem in problems[:20]:
    fail(problem)
if checkpoint != UNTIL:
    fail("the checkpoint is %s, not the end of the window %s" % (checkpoint, UNTIL))
if left_downloads:
    fail("download leftovers in the temporary directory: %s" % left_downloads[:5])
if mid_delivery == 0:
    fail("no kill landed while deliveries were pending: the kills did not exercise the sink")
if failures:
    sys.exit("crash loop FAILED: %d problems" % len(failures))
print("crash loop passed: every (item, mailbox) exactly once, every tmp/ empty, checkpoint at the window's end")
PYTHON

# The evidence log survived the kills too: after the last run, log and folders agree, by the auditor's verifier
# (Documentation/verify_archive.py) and by archive-verify when it was built beside archive-daily.
python3 Documentation/verify_archive.py --maildir "$work/maildir" || { echo "crash loop FAILED: the evidence logs do not verify" >&2; exit 1; }
verifier="$(dirname "$binary")/archive-verify"
if [ -x "$verifier" ]; then
    "$verifier" --maildir "$work/maildir" || { echo "crash loop FAILED: archive-verify found discrepancies" >&2; exit 1; }
fi
echo "crash loop: the evidence logs verify"
