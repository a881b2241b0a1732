#!/usr/bin/env bash
# The DocC catalog of the core module must build without a warning: every symbol link resolves and every
# documented parameter is named. Uses the toolchain's own docc; no plugin, no package dependency.
set -euo pipefail
graphs="$(mktemp -d)"
output="$(mktemp -d)"
mkdir -p "$graphs/symbols"
trap 'rm -rf "$graphs" "$output"' EXIT
swift build --scratch-path "$graphs/build" --target WhatsAppArchiver -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs/symbols" \
    >/dev/null
docc convert Sources/WhatsAppArchiver/Documentation.docc --additional-symbol-graph-dir "$graphs/symbols" \
    --fallback-display-name WhatsAppArchiver --fallback-bundle-identifier org.whatsapparchiver.WhatsAppArchiver \
    --output-path "$output" --warnings-as-errors
echo "DocC catalog of WhatsAppArchiver builds without warnings."

# The evidence module's catalog, on its own symbol graph.
rm -rf "$graphs/symbols"/* "$output"/*
swift build --scratch-path "$graphs/build" --target ArchiveEvidence -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs/symbols" \
    >/dev/null
find "$graphs/symbols" -type f ! -name 'ArchiveEvidence*' -delete
docc convert Sources/ArchiveEvidence/Documentation.docc --additional-symbol-graph-dir "$graphs/symbols" \
    --fallback-display-name ArchiveEvidence --fallback-bundle-identifier org.whatsapparchiver.ArchiveEvidence \
    --output-path "$output" --warnings-as-errors
echo "DocC catalog of ArchiveEvidence builds without warnings."
