#!/usr/bin/env bash
# Runs every benchmark of issue 8 side by side and prints one table:
#
#   Benchmarks/run.sh [--items N] [--rounds R] [--disk-dir DIR] [--big-bytes BYTES] [--folder-messages N]
#                     [--profile default|low-fanout] [--skip-disk] [--skip-big] [--skip-folder]
#                     [--with-fsync-mode] [--results FILE]
#
# 1. Builds archive-daily (the real executable), FolderScaleBenchmark and the C floor in release mode.
# 2. Generates a synthetic export of N items (default 20,000; Benchmarks/Scripts/generate-export.py), of the
#    default profile (2.4 deliveries per item) or with --profile low-fanout (half the items 1:1 chats with an
#    outside contact: about 1.8 deliveries per item, where per-item work shows most).
# 3. tmpfs (/dev/shm, the disk out of the way): archive-daily in its default mode (fsync per file, commit every
#    1,000 deliveries) and with --sync-file-system --commit-every 10000, the Python peer
#    (Benchmarks/Peer/archive_peer.py) and the raw floor (Benchmarks/Floor/floor.c) twice: fed with the exact
#    sizes of the files archive-daily stored, one file per delivery (the floor of issue 8), and with the same
#    files and hard links archive-daily made (a message that reaches several mailboxes is one file). The floors
#    and archive-daily's modes run in R interleaved rounds (default 3); each one's median counts.
# 4. disk (DIR, default .build-bench/ in the repository, which git ignores): the same, durable: archive-daily with
#    --sync-file-system (syncfs before and after the renames of every commit, all before the checkpoint moves),
#    committing every 10,000 and every 1,000 deliveries; the peer with os.sync() at the end; the floors with one
#    syncfs at the end. --with-fsync-mode also runs archive-daily's default mode (fsync per file and per new/).
# 5. One item with a BYTES attachment (default 1 GiB) on tmpfs: archive-daily's peak resident memory and wall time
#    against `base64 -w 76 FILE > OUT` on the same file (after a warm-up, alternated twice, the better of each).
# 6. 100,000 deliveries into one folder (FolderScaleBenchmark, tmpfs): the batch holding the 1,000th delivery
#    against the batch holding the last.
#
# Only ratios taken in the same run mean anything on a shared machine with a throttled virtual disk. Everything
# written is removed at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ITEMS=20000
PROFILE=default
ROUNDS=3
DISK_DIR="$ROOT/.build-bench"
BIG_BYTES=$((1 << 30))
FOLDER_MESSAGES=100000
RUN_DISK=1
RUN_BIG=1
RUN_FOLDER=1
FSYNC_MODE=0
RESULTS=""
while [ $# -gt 0 ]; do
    case "$1" in
        --items) ITEMS=$2; shift 2 ;;
        --profile) PROFILE=$2; shift 2 ;;
        --disk-dir) DISK_DIR=$2; shift 2 ;;
        --big-bytes) BIG_BYTES=$2; shift 2 ;;
        --folder-messages) FOLDER_MESSAGES=$2; shift 2 ;;
        --skip-disk) RUN_DISK=0; shift ;;
        --skip-big) RUN_BIG=0; shift ;;
        --rounds) ROUNDS=$2; shift 2 ;;
        --skip-folder) RUN_FOLDER=0; shift ;;
        --with-fsync-mode) FSYNC_MODE=1; shift ;;
        --results) RESULTS=$2; shift 2 ;;
        *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    esac
done

SHM=$(mktemp -d /dev/shm/whatsapp-archiver-bench.XXXXXX)
mkdir -p "$DISK_DIR"
DISK=$(mktemp -d "$DISK_DIR/run.XXXXXX")
trap 'rm -rf "$SHM" "$DISK"' EXIT
TABLE="$SHM/table.txt"
: > "$TABLE"

say() { echo "== $*" >&2; }
now() { date +%s.%N; }
row() { printf '%-84s %10s %10s %s\n' "$1" "$2" "$3" "$4" | sed 's/ *$//' | tee -a "$TABLE"; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.0f}')" "$1" "$2"; }
ratio() { python3 -c "import sys; print(f'{float(sys.argv[1]) / float(sys.argv[2]):.2f}')" "$1" "$2"; }
json_field() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print(sum(d[k] for k in sys.argv[2:]))" "$@"; }

say "building (release)"
swift build -c release --package-path "$ROOT" --product archive-daily 2>&1 | grep -E 'error|warning' >&2 || true
ARCHIVE_DAILY="$(swift build -c release --package-path "$ROOT" --show-bin-path)/archive-daily"
if [ "$RUN_FOLDER" = 1 ]; then
    swift build -c release --package-path "$ROOT/Benchmarks" --product FolderScaleBenchmark 2>&1 \
        | grep -E 'error|warning' >&2 || true
    FOLDER_SCALE="$(swift build -c release --package-path "$ROOT/Benchmarks" --show-bin-path)/FolderScaleBenchmark"
fi
cc -O2 -o "$SHM/floor" "$ROOT/Benchmarks/Floor/floor.c"

# Runs archive-daily once over $2 into $3 with the extra flags that follow; prints "deliveries seconds".
run_archive_daily() {
    local export=$1 maildir=$2
    shift 2
    sync
    local start end
    start=$(now)
    "$ARCHIVE_DAILY" --export "$export" --maildir "$maildir" --mapping "$export/mapping.csv" --domain contoso.com \
        --from 2026-11-22T00:00:00Z --until 2026-11-24T00:00:00Z --report "$maildir.json" "$@" > /dev/null
    end=$(now)
    echo "$(json_field "$maildir.json" imported partiallyImported) $(python3 -c "print($end - $start)")"
}

# Runs the floor over the sizes file $1 in the directory $2 (with the extra flag $3); prints "names seconds".
run_floor() {
    local sizes=$1 target=$2
    shift 2
    sync
    local output
    output=$("$SHM/floor" "$sizes" "$target" "$@")
    rm -rf "$target"
    echo "$(echo "$output" | awk '{print $2}') $(echo "$output" | awk '{print $6}')"
}

# The median of the "count seconds" results given as arguments (by time).
median() { python3 -c "import sys; r = sorted((float(s), c) for c, s in (a.split() for a in sys.argv[1:])); t, c = r[len(r) // 2]; print(c, t)" "$@"; }

# One side-by-side comparison in the directory $2, from the export $3: archive-daily in the modes that follow $4,
# each a ";"-separated flag list ("" is the default mode), the two floors, then the Python peer; every
# archive-daily mode is compared with each. The floors are fed with the sizes (and inodes) of the files
# archive-daily stored on tmpfs ($SIZES, made before the first comparison: the same export gives the same files
# anywhere). Floors and modes run in $ROUNDS interleaved rounds and each one's median time counts: the throttled
# disk is fast for a while and then slower, so a single run of each would favour whichever ran first.
compare() {
    local label=$1 work=$2 export=$3 durable=$4
    shift 4
    local modes=("$@") index round
    local -a floor_runs=() linked_runs=() mode_runs=()
    mkdir -p "$work"
    for round in $(seq "$ROUNDS"); do
        say "$label: round $round: raw floors ($(wc -l < "$SIZES") names, $(awk '{print $2}' "$SIZES" | sort -u | wc -l) files)"
        floor_runs+=("$(run_floor "$SIZES" "$work/floor")")
        linked_runs+=("$(run_floor "$SIZES" "$work/floor" --links)")
        index=0
        for mode in "${modes[@]}"; do
            local flags=()
            IFS=';' read -r -a flags <<< "$mode"
            say "$label: round $round: archive-daily ${mode:-(default mode)}"
            mode_runs[index]="${mode_runs[index]:-}|$(run_archive_daily "$export" "$work/sdk$index" "${flags[@]}")"
            rm -rf "$work/sdk$index" "$work/sdk$index.json"
            index=$((index + 1))
        done
    done
    local floor_count floor_seconds linked_count linked_seconds results=()
    read -r floor_count floor_seconds <<< "$(median "${floor_runs[@]}")"
    read -r linked_count linked_seconds <<< "$(median "${linked_runs[@]}")"
    for index in "${!modes[@]}"; do
        local runs=()
        IFS='|' read -r -a runs <<< "${mode_runs[index]#|}"
        results+=("$(median "${runs[@]}")")
    done

    say "$label: Python peer"
    local peer_flags=()
    if [ "$durable" = 1 ]; then peer_flags=(--sync); fi
    sync
    local start end
    start=$(now)
    python3 "$ROOT/Benchmarks/Peer/archive_peer.py" --export "$export" --maildir "$work/peer" \
        --mapping "$export/mapping.csv" --domain contoso.com "${peer_flags[@]}" > "$work/peer.json"
    end=$(now)
    local peer_seconds peer_count peer_rate floor_rate linked_rate
    peer_seconds=$(python3 -c "print($end - $start)")
    peer_count=$(json_field "$work/peer.json" delivered)
    rm -rf "$work/peer"
    peer_rate=$(rate "$peer_count" "$peer_seconds")
    floor_rate=$(rate "$floor_count" "$floor_seconds")
    linked_rate=$(rate "$linked_count" "$linked_seconds")

    row "$label: Python peer (email + mailbox.Maildir)" "$peer_count" "$peer_rate/s" \
        "$(printf '%.2f s' "$peer_seconds")"
    row "$label: raw floor (create-write-rename, 1 syncfs; median)" "$floor_count" "$floor_rate/s" \
        "$(printf '%.2f s' "$floor_seconds")"
    row "$label: raw floor, archive-daily's files and links (median)" "$linked_count" "$linked_rate/s" \
        "$(printf '%.2f s' "$linked_seconds")"
    index=0
    for mode in "${modes[@]}"; do
        local count seconds sdk_rate name
        read -r count seconds <<< "${results[$index]}"
        sdk_rate=$(rate "$count" "$seconds")
        name="archive-daily ${mode//;/ }"
        if [ -z "$mode" ]; then name="archive-daily (default: fsync per file)"; fi
        row "$label: $name" "$count" "$sdk_rate/s" "$(printf '%.2f s' "$seconds")"
        row "    / peer, / floor, / floor with links" "" "$(ratio "$sdk_rate" "$peer_rate")x" \
            "$(ratio "$sdk_rate" "$floor_rate")x $(ratio "$sdk_rate" "$linked_rate")x"
        index=$((index + 1))
    done
}

say "generating a $ITEMS-item export"
python3 "$ROOT/Benchmarks/Scripts/generate-export.py" --items "$ITEMS" --profile "$PROFILE" --out "$SHM/export" >&2
say "sizes of the files archive-daily stores for this export (a run on tmpfs)"
SIZES="$SHM/sizes.txt"
run_archive_daily "$SHM/export" "$SHM/sizes-run" > /dev/null
find "$SHM/sizes-run" -path '*/new/*' -type f -printf '%s %i\n' > "$SIZES"
rm -rf "$SHM/sizes-run" "$SHM/sizes-run.json"
printf '%-84s %10s %10s %s\n' "benchmark ($ITEMS-item export)" "deliveries" "rate" "time" | tee -a "$TABLE"
compare "tmpfs" "$SHM/tmpfs" "$SHM/export" 0 "" "--sync-file-system;--commit-every;10000"
if [ "$RUN_DISK" = 1 ]; then
    cp -r "$SHM/export" "$DISK/export"
    disk_modes=("--sync-file-system;--commit-every;10000" "--sync-file-system")
    if [ "$FSYNC_MODE" = 1 ]; then disk_modes+=(""); fi
    compare "disk, durable" "$DISK/disk" "$DISK/export" 1 "${disk_modes[@]}"
fi
rm -rf "$SHM/export"

if [ "$RUN_BIG" = 1 ]; then
    say "one item with a $BIG_BYTES-byte attachment"
    python3 "$ROOT/Benchmarks/Scripts/generate-export.py" --items 0 --big-attachment "$BIG_BYTES" \
        --out "$SHM/big" >&2
    # Writing 1.4 GB to tmpfs costs what the kernel's page allocation costs at that moment, which depends on what
    # was freed just before: one warm-up base64, then the two alternate twice and the better of each counts.
    base64 -w 76 "$SHM/big/attachments/att-big" > "$SHM/big.b64"
    rm -f "$SHM/big.b64"
    big_seconds=""
    base64_seconds=""
    big_kilobytes=0
    for round in 1 2; do
        sync
        /usr/bin/time -f '%e %M' -o "$SHM/big-time.txt" "$ARCHIVE_DAILY" --export "$SHM/big/" \
            --maildir "$SHM/big-maildir" --mapping "$SHM/big/mapping.csv" --domain contoso.com \
            --from 2026-11-22T00:00:00Z --until 2026-11-24T00:00:00Z > /dev/null
        read -r seconds kilobytes < "$SHM/big-time.txt"
        rm -rf "$SHM/big-maildir"
        big_seconds=$(python3 -c "import sys; print(min(float(v) for v in sys.argv[1:] if v))" $big_seconds $seconds)
        big_kilobytes=$((kilobytes > big_kilobytes ? kilobytes : big_kilobytes))
        sync
        start=$(now)
        base64 -w 76 "$SHM/big/attachments/att-big" > "$SHM/big.b64"
        end=$(now)
        rm -f "$SHM/big.b64"
        base64_seconds=$(python3 -c "import sys; print(min(float(v) for v in sys.argv[1:] if v))" \
            $base64_seconds "$(python3 -c "print($end - $start)")")
    done
    rm -rf "$SHM/big" "$SHM/big.b64"
    row "1 item, $((BIG_BYTES >> 20)) MiB attachment: archive-daily" "1" "$((big_kilobytes / 1024)) MiB peak" \
        "$(printf '%.2f s' "$big_seconds")"
    row "1 item, $((BIG_BYTES >> 20)) MiB attachment: base64 -w 76" "" "" "$(printf '%.2f s' "$base64_seconds")"
    row "1 item: archive-daily time / base64 time" "" "$(ratio "$big_seconds" "$base64_seconds")x" ""
fi

if [ "$RUN_FOLDER" = 1 ]; then
    say "$FOLDER_MESSAGES deliveries into one folder"
    folder_output=$("$FOLDER_SCALE" --root "$SHM" --messages "$FOLDER_MESSAGES" --batch 1000)
    read -r first last over <<< "$(echo "$folder_output" | awk '{print $7, $9, $11}')"
    row "one folder, batch with the 1,000th delivery" "1000" "$first/s" ""
    row "one folder, batch with the ${FOLDER_MESSAGES}th delivery" "1000" "$last/s" ""
    row "one folder: last batch / first batch" "" "${over}x" ""
fi

echo
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
echo "swift: $(swift --version 2>&1 | head -1)"
echo "python: $(python3 --version)"
echo
cat "$TABLE"
if [ -n "$RESULTS" ]; then cp "$TABLE" "$RESULTS"; fi
