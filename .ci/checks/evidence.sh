#!/usr/bin/env bash
# The evidence-grade archive, checked by independent oracles (issue #15):
#   - archive-daily archives the demo export with its evidence log; archive-verify and the auditor's Python verifier
#     (Documentation/verify_archive.py, standard library only) both pass it against the report's anchored heads,
#     then both report the same lines, and exit 1, after one byte of a message is flipped;
#   - archive-export produces the demo archive in RSMF 2.0, and Scripts/check-rsmf.py proves with Python's email,
#     zipfile and jsonschema that every manifest validates against ../shared/rsmf/rsmf_schema_2_0_0.json, every
#     container parses, every zipped attachment is the archived one by SHA-256, every load-file row and log entry
#     holds, and every event equals its item of Examples/demo-export field by field.
# (The Swift tests run the Python verifier on every tampering case and on every crash point as well.)
# Installs python3 and jsonschema when missing; idempotent; about half a minute after the build.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 python3-pip >/dev/null
fi
if ! python3 -c "import jsonschema" 2>/dev/null; then
    python3 -m pip install -q jsonschema 2>/dev/null || python3 -m pip install -q --break-system-packages jsonschema
fi
for product in archive-daily archive-verify archive-export; do
    swift build --product "$product" 2>&1 | grep -E "error|warning" || true
done
bin="$(swift build --show-bin-path)"
work="$(mktemp -d "${TMPDIR:-/tmp}/evidence-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$bin/archive-daily" --export Examples/demo-export --mapping Examples/demo-export/mapping.csv --domain contoso.com \
    --maildir "$work/maildir" --from 2026-11-23T00:00:00Z --until 2026-11-24T00:00:00Z --report "$work/report.json" \
    >/dev/null
"$bin/archive-verify" --maildir "$work/maildir" --heads "$work/report.json"
python3 Documentation/verify_archive.py --maildir "$work/maildir" --heads "$work/report.json"

mailboxes=()
for mailbox in "$work"/maildir/*@*; do mailboxes+=(--mailbox "$(basename "$mailbox")"); done
"$bin/archive-export" --maildir "$work/maildir" "${mailboxes[@]}" --from 2026-11-23T00:00:00Z \
    --until 2026-11-24T00:00:00Z --out "$work/production" >/dev/null
python3 Scripts/check-rsmf.py --out "$work/production" --maildir "$work/maildir" \
    --schema ../shared/rsmf/rsmf_schema_2_0_0.json --items Examples/demo-export/items.jsonl
# The same production twice gives the same bytes: the load file's digests are reproducible.
"$bin/archive-export" --maildir "$work/maildir" "${mailboxes[@]}" --from 2026-11-23T00:00:00Z \
    --until 2026-11-24T00:00:00Z --out "$work/again" >/dev/null
cmp "$work/production/loadfile.csv" "$work/again/loadfile.csv"

# Tampering: one flipped byte; both verifiers must print the same lines and exit 1.
file="$(find "$work/maildir" -path '*/new/*' -type f | sort | head -1)"
printf 'X' | dd of="$file" bs=1 seek=200 conv=notrunc status=none
set +e
"$bin/archive-verify" --maildir "$work/maildir" --heads "$work/report.json" >"$work/swift.txt" 2>/dev/null
swift_status=$?
python3 Documentation/verify_archive.py --maildir "$work/maildir" --heads "$work/report.json" >"$work/python.txt"
python_status=$?
set -e
[ "$swift_status" -eq 1 ] && [ "$python_status" -eq 1 ] || { echo "a flipped byte went unnoticed" >&2; exit 1; }
diff "$work/swift.txt" "$work/python.txt"
grep -q '^altered ' "$work/swift.txt"
# The benchmark's archive generator writes logs in the format both verifiers read.
bash -n Benchmarks/evidence.sh
python3 Benchmarks/Scripts/generate-evidence-archive.py --messages 300 --mailboxes 3 --out "$work/generated" >/dev/null
"$bin/archive-verify" --maildir "$work/generated" 2>/dev/null
python3 Documentation/verify_archive.py --maildir "$work/generated"
echo "evidence: both verifiers agree ($(wc -l <"$work/swift.txt") discrepancies after one flipped byte)"
