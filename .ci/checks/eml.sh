#!/usr/bin/env bash
# The EML converter's independent oracle: Python's `email` package parses every message the EML tests generate
# (the golden files in Tests/Golden/EML and the seeded hostile corpus of EMLFuzzTests), and Scripts/check-eml.py
# checks the byte rules of the issue. Fails on any defect.
set -euo pipefail
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
python3 Scripts/check-eml.py --self-test
python3 Scripts/check-eml.py Tests/Golden/EML

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
EML_CORPUS_DIR="$corpus" swift test --filter EMLFuzzTests >"$corpus.log" 2>&1 || { cat "$corpus.log"; rm -f "$corpus.log"; exit 1; }
rm -f "$corpus.log"
python3 Scripts/check-eml.py "$corpus"
