#!/usr/bin/env bash
# The chat-export source against two independent oracles from PyPI, chat-miner and whatstk: they parse the same
# exports (the fixtures, and chats whatstk generates in its header formats) and must agree with the source's items
# on message counts, authors, times and texts; each known disagreement is explained in the script as an oracle
# bug or limit (Scripts/chat-export-oracles.py). The oracles live in a virtual environment kept between runs.
set -euo pipefail
command -v python3 >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null; }
venv="${XDG_CACHE_HOME:-$HOME/.cache}/whatsapp-archiver/chat-oracles-venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import chatminer, whatstk, scipy, lorem" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "chat-miner" "whatstk[generate]"
fi
# The source's items come from a Swift test; the build is incremental (CI has just built the tests).
swift build --build-tests >/dev/null
"$venv/bin/python" Scripts/chat-export-oracles.py
