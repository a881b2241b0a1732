#!/usr/bin/env bash
# The crash loop, bounded for CI: archive-daily over a generated export of a few thousand items (three with 8 MiB
# attachments) killed with SIGKILL 20 times and resumed, then over the fake TeleMessage server killed 8 more times
# (downloads included); each ends with Python's proof that every (item, mailbox) is stored exactly once, tmp/ is
# empty and the checkpoint is at the window's end. About two minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
swift build --product archive-daily 2>&1 | grep -E "error|warning" || true
swift build --product archive-verify 2>&1 | grep -E "error|warning" || true
binary="$(swift build --show-bin-path)/archive-daily"
Scripts/crash-loop.sh --items 4000 --kills 20 --big-attachments 3 --big-size $((8 << 20)) --binary "$binary"
Scripts/crash-loop.sh --binding http --items 1500 --kills 8 --big-attachments 2 --big-size $((4 << 20)) \
    --binary "$binary"
