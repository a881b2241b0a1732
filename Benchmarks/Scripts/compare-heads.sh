#!/usr/bin/env bash
# Two archive-daily binaries side by side on one export, in interleaved rounds, with the raw floor between them:
#
#   Benchmarks/Scripts/compare-heads.sh --old BIN --new BIN --export DIR --dir DIR [--rounds R] [--label L]
#                                       [-- archive-daily flags...]
#
# Each round runs the old binary, the new one and the floor (Benchmarks/Floor/floor.c, fed with the sizes of the
# files the new binary stored, one file per delivery; and with --links, its files and links) into fresh
# directories under DIR, in that order, then the same again in the other order, so that neither binary always runs
# after the floor. The median of each (by wall time) counts; the script prints them, new / old, and new / floor.
# Only ratios taken in one such run mean anything on a shared machine. Everything it writes under DIR is removed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ROUNDS=3
LABEL=""
OLD="" NEW="" EXPORT="" DIR=""
while [ $# -gt 0 ]; do
    case "$1" in
        --old) OLD=$2; shift 2 ;;
        --new) NEW=$2; shift 2 ;;
        --export) EXPORT=$2; shift 2 ;;
        --dir) DIR=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --label) LABEL=$2; shift 2 ;;
        --) shift; break ;;
        *) echo "compare-heads.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ -n "$OLD" ] && [ -n "$NEW" ] && [ -n "$EXPORT" ] && [ -n "$DIR" ] || {
    echo "usage: compare-heads.sh --old BIN --new BIN --export DIR --dir DIR [--rounds R] [-- flags]" >&2
    exit 2
}
FLAGS=("$@")
WORK=$(mktemp -d "$DIR/compare-heads.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
cc -O2 -o "$WORK/floor" "$ROOT/Benchmarks/Floor/floor.c"

# Runs archive-daily $1 into a fresh Maildir; prints "deliveries seconds".
run_binary() {
    local binary=$1 maildir="$WORK/maildir"
    rm -rf "$maildir" "$maildir.json"
    sync
    local start end
    start=$(date +%s.%N)
    "$binary" --export "$EXPORT" --maildir "$maildir" --mapping "$EXPORT/mapping.csv" --domain contoso.com \
        --from 2026-11-22T00:00:00Z --until 2026-11-24T00:00:00Z --report "$maildir.json" "${FLAGS[@]}" > /dev/null
    end=$(date +%s.%N)
    python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print(r['imported'] + r['partiallyImported'], $end - $start)" \
        "$maildir.json"
}

# Runs the floor over the sizes; prints "names seconds".
run_floor() {
    rm -rf "$WORK/floor-dir"
    sync
    local output
    output=$("$WORK/floor" "$WORK/sizes.txt" "$WORK/floor-dir" "$@")
    rm -rf "$WORK/floor-dir"
    echo "$(echo "$output" | awk '{print $2}') $(echo "$output" | awk '{print $6}')"
}

median() {
    python3 -c "import sys; r = sorted((float(s), c) for c, s in (a.split() for a in sys.argv[1:])); t, c = r[len(r) // 2]; print(c, t)" "$@"
}

# The sizes (and inodes) of what the new binary stores, for the floors.
run_binary "$NEW" > /dev/null
find "$WORK/maildir" -path '*/new/*' -type f -printf '%s %i\n' > "$WORK/sizes.txt"
old_runs=() new_runs=() floor_runs=() linked_runs=()
for round in $(seq "$ROUNDS"); do
    echo "== ${LABEL:-run}: round $round" >&2
    if [ $((round % 2)) = 1 ]; then
        old_runs+=("$(run_binary "$OLD")")
        new_runs+=("$(run_binary "$NEW")")
    else
        new_runs+=("$(run_binary "$NEW")")
        old_runs+=("$(run_binary "$OLD")")
    fi
    floor_runs+=("$(run_floor)")
    linked_runs+=("$(run_floor --links)")
done
read -r old_count old_seconds <<< "$(median "${old_runs[@]}")"
read -r new_count new_seconds <<< "$(median "${new_runs[@]}")"
read -r floor_count floor_seconds <<< "$(median "${floor_runs[@]}")"
read -r linked_count linked_seconds <<< "$(median "${linked_runs[@]}")"
echo "== ${LABEL:-run}: every run (deliveries seconds): old ${old_runs[*]} | new ${new_runs[*]} | floor ${floor_runs[*]} | floor with links ${linked_runs[*]}" >&2
python3 - "$LABEL" "$old_count" "$old_seconds" "$new_count" "$new_seconds" "$floor_count" "$floor_seconds" \
    "$linked_count" "$linked_seconds" "${FLAGS[*]:-}" <<'PY'
import sys
label, oc, os_, nc, ns, fc, fs, lc, ls, flags = sys.argv[1:]
oc, nc, fc, lc = int(oc), int(nc), int(fc), int(lc)
os_, ns, fs, ls = float(os_), float(ns), float(fs), float(ls)
print(f"{label} ({flags or 'default mode'}), medians:")
print(f"  old  {oc:7d} deliveries  {os_:7.2f} s  {oc / os_:8.0f}/s")
print(f"  new  {nc:7d} deliveries  {ns:7.2f} s  {nc / ns:8.0f}/s   new/old time {ns / os_:.3f}")
print(f"  floor (one file per delivery)    {fc:7d} names  {fs:7.2f} s  {fc / fs:8.0f}/s   new / floor {(nc / ns) / (fc / fs):.2f}x")
print(f"  floor (new's files and links)    {lc:7d} names  {ls:7.2f} s  {lc / ls:8.0f}/s   new / floor {(nc / ns) / (lc / ls):.2f}x")
PY
