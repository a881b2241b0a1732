#!/usr/bin/env bash
# The benchmark scaffolding outside Swift still works: run.sh parses, the generator, the Python peer and the C floor
# run on a small export, and the peer stores what it says it stored. (The Swift benchmarks are linted by .ci/run;
# building them in release is the benchmark run's job, too slow for every CI run.)
set -euo pipefail
command -v cc > /dev/null || { apt-get update -qq && apt-get install -y -qq gcc > /dev/null; }
bash -n Benchmarks/run.sh
bash -n Benchmarks/evidence.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 Benchmarks/Scripts/generate-export.py --items 60 --out "$scratch/export" --big-attachment 4096 > /dev/null
python3 Benchmarks/Peer/archive_peer.py --export "$scratch/export" --maildir "$scratch/peer" \
    --mapping "$scratch/export/mapping.csv" --domain contoso.com > "$scratch/peer.json"
delivered=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['delivered'])" "$scratch/peer.json")
stored=$(find "$scratch/peer" -path '*/new/*' -type f | wc -l)
if [ "$delivered" -lt 60 ] || [ "$delivered" != "$stored" ]; then
    echo "benchmarks: the peer says $delivered deliveries and stored $stored files" >&2
    exit 1
fi
find "$scratch/peer" -path '*/new/*' -type f -printf '%s\n' > "$scratch/sizes.txt"
cc -O2 -o "$scratch/floor" Benchmarks/Floor/floor.c
floor=$("$scratch/floor" "$scratch/sizes.txt" "$scratch/floor-dir")
if [ "$(echo "$floor" | awk '{print $2}')" != "$stored" ]; then
    echo "benchmarks: the floor wrote $(echo "$floor" | awk '{print $2}') files, expected $stored" >&2
    exit 1
fi
# With --links, a size line whose inode an earlier line had becomes a hard link to that earlier file.
printf '100 7\n200 8\n100 7\n300\n100 7\n' > "$scratch/linked.txt"
"$scratch/floor" "$scratch/linked.txt" "$scratch/linked-dir" --links > /dev/null
names=$(find "$scratch/linked-dir/new" -type f | wc -l)
shared=$(find "$scratch/linked-dir/new" -type f -links 3 | wc -l)
if [ "$names" != 5 ] || [ "$shared" != 3 ]; then
    echo "benchmarks: the floor with --links made $names names, $shared of them one file; expected 5 and 3" >&2
    exit 1
fi
echo "benchmarks: generator, peer ($delivered deliveries) and floor work"
