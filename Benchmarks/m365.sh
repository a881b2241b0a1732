#!/usr/bin/env bash
# The Microsoft 365 benchmark (issue 13): archive-daily, built in release mode, into the fake Graph with 50 ms of
# latency per request and 20 mailboxes; messages/s against the ceiling of the concurrency limit (and the fake's own,
# measured with a trivial client in the same run), Graph requests per imported message and per duplicate, peak RSS
# with a 100 MiB attachment. Not a test; prints figures. Arguments go to Benchmarks/Scripts/m365-benchmark.py.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
swift build -c release --product archive-daily 2>&1 | grep -E 'error|warning' || true
python3 Benchmarks/Scripts/m365-benchmark.py --binary "$(swift build -c release --show-bin-path)/archive-daily" "$@"
