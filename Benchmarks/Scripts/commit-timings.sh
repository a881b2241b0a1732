#!/usr/bin/env bash
# Times archive-daily as it was at several commits, side by side, for Performance.md's "what each optimisation
# bought":
#
#   Benchmarks/Scripts/commit-timings.sh [--items N] [--rounds R] COMMIT...
#
# Builds archive-daily in release at each commit (one scratch worktree, checked out commit after commit, so the
# builds are incremental), generates one export of N items (default 20,000) on tmpfs, then runs every binary R
# times (default 3) in rotation, in its default mode, into a fresh Maildir on tmpfs, and prints the best wall time
# of each with its deliveries per second. Everything it makes is removed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
ITEMS=20000
ROUNDS=3
COMMITS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --items) ITEMS=$2; shift 2 ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        *) COMMITS+=("$1"); shift ;;
    esac
done
[ "${#COMMITS[@]}" -gt 0 ] || { echo "usage: commit-timings.sh [--items N] [--rounds R] COMMIT..." >&2; exit 2; }
SHM=$(mktemp -d /dev/shm/commit-timings.XXXXXX)
TREE=$(mktemp -d "${TMPDIR:-/tmp}/commit-timings-tree.XXXXXX")
cleanup() {
    git -C "$ROOT" worktree remove --force "$TREE" > /dev/null 2>&1 || true
    rm -rf "$SHM" "$TREE"
}
trap cleanup EXIT
git -C "$ROOT" worktree add --detach "$TREE" "${COMMITS[0]}" > /dev/null 2>&1
for commit in "${COMMITS[@]}"; do
    echo "== building $commit" >&2
    git -C "$TREE" checkout -q --detach "$commit"
    swift build -c release --package-path "$TREE" --product archive-daily 2>&1 | grep -E 'error:' >&2 || true
    cp "$(swift build -c release --package-path "$TREE" --show-bin-path)/archive-daily" "$SHM/archive-daily-$commit"
done
python3 "$ROOT/Benchmarks/Scripts/generate-export.py" --items "$ITEMS" --out "$SHM/export" >&2
declare -A best
for round in $(seq "$ROUNDS"); do
    for commit in "${COMMITS[@]}"; do
        rm -rf "$SHM/maildir"
        start=$(date +%s.%N)
        "$SHM/archive-daily-$commit" --export "$SHM/export" --maildir "$SHM/maildir" \
            --mapping "$SHM/export/mapping.csv" --domain contoso.com \
            --from 2026-11-22T00:00:00Z --until 2026-11-24T00:00:00Z --report "$SHM/report.json" > /dev/null
        end=$(date +%s.%N)
        seconds=$(python3 -c "print(f'{$end - $start:.3f}')")
        deliveries=$(python3 -c "import json; r = json.load(open('$SHM/report.json')); print(r['imported'] + r['partiallyImported'])")
        echo "round $round $commit $seconds s" >&2
        previous=${best[$commit]:-}
        if [ -z "$previous" ] || python3 -c "import sys; sys.exit(0 if $seconds < ${previous% *} else 1)"; then
            best[$commit]="$seconds $deliveries"
        fi
    done
done
printf '%-12s %10s %12s %14s\n' commit seconds deliveries "deliveries/s"
for commit in "${COMMITS[@]}"; do
    read -r seconds deliveries <<< "${best[$commit]}"
    printf '%-12s %10s %12s %14s\n' "$commit" "$seconds" "$deliveries" \
        "$(python3 -c "print(f'{$deliveries / $seconds:.0f}')")"
done
