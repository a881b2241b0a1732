#!/usr/bin/env bash
# The CSV reader's golden files must be what Python's csv module (the independent oracle) reads from the fixtures.
set -euo pipefail
if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
python3 Scripts/csv-oracle.py --check
echo "CSV fixtures agree with Python's csv module."
