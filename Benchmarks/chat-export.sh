#!/usr/bin/env bash
# The chat-export benchmark (issue 14): on one generated export of LINES lines (default 1,000,000), in one run,
#
#   1. ChatExportBenchmark parse: lines/s and messages/s of ChatExportSource reading every page (both passes);
#   2. chat-miner's WhatsAppParser.parse_file() on the same file (the peer; target: the source at least 20x faster);
#   3. ChatExportBenchmark archive: messages/s of the whole connector (source, CSV mapper, EML, Maildir with one
#      syncfs per commit) into a Maildir on tmpfs, every message to one mailbox;
#
# each with its wall and CPU seconds (getrusage; steadier than wall time on a shared machine) and its peak
# resident memory. Prints a table; --results FILE also writes the JSON lines.
#
# Parse and chat-miner run ROUNDS times (default 3), interleaved (parse, chat-miner, parse, ...), so that the load of
# a shared machine falls on both alike; the table shows each one's median round, the ratio the medians' ratio.
#
#   Benchmarks/chat-export.sh [--lines N] [--rounds N] [--skip-archive] [--results FILE]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LINES=1000000
ROUNDS=3
ARCHIVE=1
RESULTS=""
while [ $# -gt 0 ]; do
    case "$1" in
    --lines) LINES="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --skip-archive) ARCHIVE=0; shift ;;
    --results) RESULTS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
scratch=$(mktemp -d -p /dev/shm chat-export-bench.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$scratch"' EXIT
venv="${XDG_CACHE_HOME:-$HOME/.cache}/whatsapp-archiver/chat-oracles-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import chatminer" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "chat-miner" "whatstk[generate]"
fi
swift build -c release --package-path "$ROOT/Benchmarks" --product ChatExportBenchmark >&2
bench="$(swift build -c release --package-path "$ROOT/Benchmarks" --show-bin-path)/ChatExportBenchmark"
python3 "$ROOT/Benchmarks/Scripts/generate-chat-export.py" "$scratch/chat.txt" --lines "$LINES"
{
    for _ in $(seq "$ROUNDS"); do
        "$bench" parse "$scratch/chat.txt"
        "$venv/bin/python" "$ROOT/Benchmarks/Scripts/chatminer-parse.py" "$scratch/chat.txt"
    done
    if [ "$ARCHIVE" = 1 ]; then "$bench" archive "$scratch/chat.txt" "$scratch/maildir" "$scratch/participants.csv"; fi
} > "$scratch/results.jsonl" || { cat "$scratch/results.jsonl" >&2; exit 1; }
if [ -n "$RESULTS" ]; then cp "$scratch/results.jsonl" "$RESULTS"; fi
python3 - "$scratch/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
# Each mode's median round by wall time (its CPU seconds are that round's); with an even count, the lower middle.
by = {}
for mode in {row["mode"] for row in rows}:
    runs = sorted((row for row in rows if row["mode"] == mode), key=lambda row: row["seconds"])
    by[mode] = runs[(len(runs) - 1) // 2]
walls = {mode: ", ".join("%.2f" % row["seconds"] for row in rows if row["mode"] == mode) for mode in by}
rounds = sum(1 for row in rows if row["mode"] == "parse")
print(f"parse and chat-miner: median of {rounds} interleaved rounds "
      f"(parse wall s: {walls['parse']}; chat-miner wall s: {walls['chat-miner']})")
print(f"{'':14} {'seconds':>9} {'CPU s':>8} {'lines/s':>11} {'items':>9} {'items/s':>10} {'peak MB':>8}")
for mode in ["parse", "chat-miner", "archive"]:
    if mode not in by:
        continue
    row = by[mode]
    rate = row.get("itemsPerSecond") or row.get("messagesPerSecond") or row["items"] / row["seconds"]
    print(f"{mode:14} {row['seconds']:9.2f} {row['cpuSeconds']:8.2f} {row['lines'] / row['seconds']:11,.0f} {row['items']:9,} {rate:10,.0f} {row['peakResidentMB']:8.1f}")
ratio = by["chat-miner"]["seconds"] / by["parse"]["seconds"]
cpu_ratio = by["chat-miner"]["cpuSeconds"] / by["parse"]["cpuSeconds"]
print(f"parse is {ratio:.1f}x faster than chat-miner on the same file in wall time, {cpu_ratio:.1f}x in CPU time "
      "(target: 20x)")
PY
