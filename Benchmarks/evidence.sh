#!/usr/bin/env bash
# The evidence log's benchmarks (issue #15), figures in Documentation/Evidence.md:
#
#   Benchmarks/evidence.sh [--items N] [--rounds R] [--messages M] [--disk-dir DIR] [--skip-disk] [--skip-verify]
#
# 1. The log's cost on archive-daily's throughput: a synthetic export of N items (default 20,000;
#    Benchmarks/Scripts/generate-export.py) archived with the evidence log (the default) and with
#    --no-evidence-log, on tmpfs (/dev/shm) in the default mode (an fsync per file) and on disk (DIR, default
#    .build-bench/ in the repository) with --sync-file-system, R interleaved rounds each (default 3); the medians
#    are compared in the same run. Target: the log costs at most 5%. Beside it, the floor: the CPU time of the
#    SHA-256 of the stored files alone (Python's hashlib), which every entry must carry.
# 2. archive-verify on an archive of M messages (default 1,000,000; Benchmarks/Scripts/generate-evidence-archive.py,
#    1,000 folders with their logs) on tmpfs, against `sha256sum` over the same files (one process, and two with
#    xargs -P 2, this machine having two cores), R interleaved rounds, medians. Target: archive-verify's rate at
#    least 0.8 of sha256sum's.
#
# Release builds of archive-daily and archive-verify. Everything written is removed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ITEMS=20000 ROUNDS=3 MESSAGES=1000000 DISK_DIR="$ROOT/.build-bench" RUN_DISK=1 RUN_VERIFY=1
while [ $# -gt 0 ]; do
    case "$1" in
        --items) ITEMS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --messages) MESSAGES=$2; shift 2 ;;
        --disk-dir) DISK_DIR=$2; shift 2 ;;
        --skip-disk) RUN_DISK=0; shift ;;
        --skip-verify) RUN_VERIFY=0; shift ;;
        *) echo "evidence.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
SHM=$(mktemp -d /dev/shm/evidence-bench.XXXXXX)
mkdir -p "$DISK_DIR"
DISK=$(mktemp -d "$DISK_DIR/evidence.XXXXXX")
trap 'rm -rf "$SHM" "$DISK"' EXIT
say() { printf '== %s\n' "$*" >&2; }
for product in archive-daily archive-verify; do
    swift build -c release --package-path "$ROOT" --product "$product" 2>&1 | grep -E 'error|warning' >&2 || true
done
BIN="$(swift build -c release --package-path "$ROOT" --show-bin-path)"
median() { python3 -c "import sys; v = sorted(map(float, sys.argv[1:])); print(v[len(v) // 2])" "$@"; }
seconds() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

# archive-daily over the export into a fresh directory $1 with the flags that follow; prints the wall seconds and
# the CPU seconds (user + system), which a machine shared with other work disturbs much less.
archive() {
    local target=$1; shift
    rm -rf "$target"
    /usr/bin/time -f "%e %U %S" -o "$target.time" "$BIN/archive-daily" --export "$SHM/export" \
        --mapping "$SHM/export/mapping.csv" --maildir "$target" --from 2020-01-01T00:00:00Z \
        --until 2030-01-01T00:00:00Z --report "$target.report.json" "$@" >/dev/null 2>&1
    python3 -c "import sys; e, u, s = map(float, open(sys.argv[1]).read().split()[-3:]); print(e, u + s)" "$target.time"
}

if [ "$ITEMS" -gt 0 ]; then
    say "generating a $ITEMS-item export"
    python3 "$ROOT/Benchmarks/Scripts/generate-export.py" --items "$ITEMS" --out "$SHM/export" >&2
    places=("tmpfs:$SHM/maildir:")
    if [ "$RUN_DISK" -eq 1 ]; then places+=("disk:$DISK/maildir:--sync-file-system"); fi
    for place in "${places[@]}"; do
        IFS=: read -r label target flags <<< "$place"
        with=() without=() with_cpu=() without_cpu=()
        for round in $(seq "$ROUNDS"); do
            say "$label round $round: with the evidence log"
            read -r wall cpu <<< "$(archive "$target" $flags)"
            with+=("$wall"); with_cpu+=("$cpu")
            say "$label round $round: --no-evidence-log"
            read -r wall cpu <<< "$(archive "$target" $flags --no-evidence-log)"
            without+=("$wall"); without_cpu+=("$cpu")
        done
        deliveries=$(python3 -c "import json; r = json.load(open('$target.report.json')); print(r['imported'] + r['partiallyImported'])")
        w=$(median "${with[@]}") wo=$(median "${without[@]}")
        wc=$(median "${with_cpu[@]}") woc=$(median "${without_cpu[@]}")
        python3 -c "
w, wo, n, wc, woc = $w, $wo, $deliveries, $wc, $woc
print(f'$label: archive-daily $ITEMS items, {n} deliveries: with the log {w:.2f} s ({n / w:,.0f}/s), '
      f'without {wo:.2f} s ({n / wo:,.0f}/s): the log costs {100 * (w - wo) / wo:+.1f}% of wall time; '
      f'CPU {wc:.2f} s against {woc:.2f} s: {100 * (wc - woc) / woc:+.1f}% (medians of $ROUNDS)')"
        # The floor: the SHA-256 of every stored file, which the log's entries must carry, computed alone by Python's
        # hashlib (OpenSSL) over the last run's files (each hard-linked copy once, as the sink hashes a message once),
        # in CPU seconds against the without-log run's.
        python3 - "$target" "$woc" "$wo" "$label" <<'FLOOR'
import hashlib, os, sys, time
root, cpu, wall, label = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
seen, contents = set(), []
for directory, _, names in os.walk(root):
    if os.path.basename(directory) != "new":
        continue
    for name in names:
        path = os.path.join(directory, name)
        info = os.stat(path)
        if (info.st_dev, info.st_ino) not in seen:
            seen.add((info.st_dev, info.st_ino))
            with open(path, "rb") as file:
                contents.append(file.read())
best = None
for _ in range(3):
    start = time.process_time()
    for content in contents:
        hashlib.sha256(content).digest()
    spent = time.process_time() - start
    best = spent if best is None else min(best, spent)
size = sum(map(len, contents))
print(f"{label}: the SHA-256 of the {len(contents):,} stored files ({size / 1e6:.1f} MB) alone, hashlib: {best:.3f} s "
      f"of CPU ({size / best / 1e9:.2f} GB/s), {100 * best / cpu:.1f}% of the without-log run's CPU, "
      f"{100 * best / wall:.1f}% of its wall time")
FLOOR
        rm -rf "$target" "$target.report.json" "$target.time"
    done
fi

if [ "$RUN_VERIFY" -eq 1 ]; then
    say "generating an archive of $MESSAGES messages on tmpfs"
    python3 "$ROOT/Benchmarks/Scripts/generate-evidence-archive.py" --messages "$MESSAGES" --out "$SHM/archive" >&2
    find "$SHM/archive" -path '*/new/*' -type f -print0 > "$SHM/files"
    verify=() single=() double=()
    for round in $(seq "$ROUNDS"); do
        say "round $round: archive-verify"
        start=$(seconds)
        "$BIN/archive-verify" --maildir "$SHM/archive" >/dev/null 2>"$SHM/verify.err" || { cat "$SHM/verify.err" >&2; exit 1; }
        verify+=("$(elapsed "$start" "$(seconds)")")
        say "round $round: sha256sum"
        start=$(seconds)
        xargs -0 sha256sum < "$SHM/files" > /dev/null
        single+=("$(elapsed "$start" "$(seconds)")")
        say "round $round: sha256sum, two processes"
        start=$(seconds)
        xargs -0 -P 2 -n 5000 sha256sum < "$SHM/files" > /dev/null
        double+=("$(elapsed "$start" "$(seconds)")")
    done
    cat "$SHM/verify.err" >&2
    v=$(median "${verify[@]}") s=$(median "${single[@]}") d=$(median "${double[@]}")
    bytes=$(du -sb "$SHM/archive" | cut -f1)
    python3 -c "
v, s, d, n = $v, $s, $d, $MESSAGES
print(f'tmpfs: archive-verify, {n:,} messages ({$bytes / 2**30:.1f} GiB with logs): {v:.2f} s ({n / v:,.0f}/s); '
      f'sha256sum {s:.2f} s ({n / s:,.0f}/s); sha256sum x2 {d:.2f} s ({n / d:,.0f}/s): '
      f'archive-verify at {s / v:.2f}x sha256sum\'s rate, {d / v:.2f}x two sha256sums\' (median of $ROUNDS)')"
fi
