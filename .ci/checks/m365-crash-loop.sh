#!/usr/bin/env bash
# The Microsoft 365 crash loop, bounded for CI: archive-daily into one fake tenant (Scripts/fake-graph.py, 20
# mailboxes, lost answers and throttling on) killed with SIGKILL at least 12 times, spread over the work left as a
# reference run into a second tenant timed it, the state directory deleted once on the way, then run to completion;
# Python's proof that every (item, mailbox) pair is stored exactly once, complete and non-draft, one folder per
# mailbox, the checkpoint at the window's end. About half a minute on two cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
swift build --product archive-daily 2>&1 | grep -E 'error|warning' || true
binary="$(swift build --show-bin-path)/archive-daily"
python3 Scripts/m365-crash-loop.py --binary "$binary" --items 1500 --kills 12
