#!/usr/bin/env bash
# A real crash test of the Maildir sink: deliver the same N messages again and again, killing the process with
# SIGKILL at random instants (while writing, syncing, renaming...), then let one run finish, and check with an
# independent reader (Python's email and hashlib) that every message is in the tree exactly once, complete, with
# the exact name the sink promises, and that nothing is left in tmp/.
#
#   Scripts/maildir-kill-test.sh [ROOT] [MESSAGES] [KILLS]      (defaults: /dev/shm/maildir-kill-test 50000 25)
set -euo pipefail
cd "$(dirname "$0")/.."

root=${1:-/dev/shm/maildir-kill-test}
messages=${2:-50000}
kills=${3:-25}

swift build -c release --package-path Benchmarks --product MaildirBenchmark 2>&1 | tail -1
binary=Benchmarks/.build/release/MaildirBenchmark
rm -rf "$root"
mkdir -p "$root"

for round in $(seq 1 "$kills"); do
    "$binary" --deliver-only --root "$root" --messages "$messages" --batch 100 >/dev/null &
    pid=$!
    sleep "$(printf '0.%03d' $((RANDOM % 1000)))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf 'kill %2d: %s messages in new/\n' "$round" "$(find "$root" -path '*/new/*' -type f | wc -l)"
done
echo "final run: $("$binary" --deliver-only --root "$root" --messages "$messages" --batch 100)"

python3 - "$root" "$messages" <<'PYTHON'
import email, hashlib, os, re, sys
from collections import Counter

root, expected = sys.argv[1], int(sys.argv[2])
name_pattern = re.compile(r"^(\d+)\.wa([0-9a-f]{32})\.[^,:/]+,S=(\d+),W=(\d+)$")
copies, problems, leftovers = Counter(), [], 0
for mailbox in sorted(os.listdir(root)):
    folder = os.path.join(root, mailbox, ".WhatsApp Archiver")
    leftovers += len(os.listdir(os.path.join(folder, "tmp")))
    for name in os.listdir(os.path.join(folder, "new")):
        data = open(os.path.join(folder, "new", name), "rb").read()
        message_id = email.message_from_bytes(data)["Message-ID"].strip()[1:-1]
        copies[message_id] += 1
        match = name_pattern.match(name)
        number = int(message_id.split(".")[1].split("@")[0])
        if not match:
            problems.append(f"{name}: not the sink's name scheme")
        elif match[2] != hashlib.sha256(message_id.encode()).hexdigest()[:32]:
            problems.append(f"{name}: digest does not match {message_id}")
        elif int(match[3]) != len(data) or int(match[4]) != len(data) + data.count(b"\n"):
            problems.append(f"{name}: S= or W= differs from the file ({len(data)} bytes)")
        if b"\r" in data or not data.endswith(b"\n"):
            problems.append(f"{name}: not complete with LF line endings")
        if mailbox != f"user{number % 10}@contoso.com":
            problems.append(f"{name}: in the wrong mailbox {mailbox}")
missing = expected - len(copies)
duplicated = sum(count - 1 for count in copies.values())
print(f"{len(copies)} distinct messages, {missing} missing, {duplicated} extra copies, {leftovers} files in tmp/")
for problem in problems[:20]:
    print(problem)
sys.exit(0 if missing == 0 and duplicated == 0 and leftovers == 0 and not problems else 1)
PYTHON
rm -rf "$root"
