#!/usr/bin/env bash
# The EML converter's independent oracle: Python's `email` package parses every golden message (Tests/Golden/EML)
# and Scripts/check-eml.py checks the byte rules of the issue. Fails on any defect.
set -euo pipefail
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
python3 Scripts/check-eml.py --self-test
python3 Scripts/check-eml.py Tests/Golden/EML
