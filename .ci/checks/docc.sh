#!/usr/bin/env bash
# The DocC catalogs of the core module, ChatExport, ArchiveEvidence and Microsoft365 must build without a warning: every symbol link resolves and every
# documented parameter is named. Uses the toolchain's own docc; no plugin, no package dependency.
set -euo pipefail
graphs="$(mktemp -d)"
output="$(mktemp -d)"
mkdir -p "$graphs/symbols"
trap 'rm -rf "$graphs" "$output"' EXIT
swift build --scratch-path "$graphs/build" --target ChatExport -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs/symbols" \
    >/dev/null
# Each catalog gets its own module's graphs (ChatExport's include its extensions of the core's types).
mkdir -p "$graphs/chat-export"
mv "$graphs"/symbols/ChatExport*.symbols.json "$graphs/chat-export/"
docc convert Sources/ChatExport/Documentation.docc --additional-symbol-graph-dir "$graphs/chat-export" \
    --fallback-display-name ChatExport --fallback-bundle-identifier org.whatsapparchiver.ChatExport \
    --output-path "$output/chat-export" --warnings-as-errors
docc convert Sources/WhatsAppArchiver/Documentation.docc --additional-symbol-graph-dir "$graphs/symbols" \
    --fallback-display-name WhatsAppArchiver --fallback-bundle-identifier org.whatsapparchiver.WhatsAppArchiver \
    --output-path "$output" --warnings-as-errors
echo "DocC catalogs of WhatsAppArchiver and ChatExport build without warnings."

# The evidence module's catalog, on its own symbol graph.
rm -rf "$graphs/symbols"/* "$output"/*
swift build --scratch-path "$graphs/build" --target ArchiveEvidence -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs/symbols" \
    >/dev/null
find "$graphs/symbols" -type f ! -name 'ArchiveEvidence*' -delete
docc convert Sources/ArchiveEvidence/Documentation.docc --additional-symbol-graph-dir "$graphs/symbols" \
    --fallback-display-name ArchiveEvidence --fallback-bundle-identifier org.whatsapparchiver.ArchiveEvidence \
    --output-path "$output" --warnings-as-errors
echo "DocC catalog of ArchiveEvidence builds without warnings."

# The Microsoft 365 destination's catalog, on its own symbol graph.
rm -rf "$graphs/symbols"/* "$output"/*
swift build --scratch-path "$graphs/build" --target Microsoft365 -Xswiftc -emit-symbol-graph -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs/symbols" \
    >/dev/null
find "$graphs/symbols" -type f ! -name 'Microsoft365*' -delete
docc convert Sources/Microsoft365/Documentation.docc --additional-symbol-graph-dir "$graphs/symbols" \
    --fallback-display-name Microsoft365 --fallback-bundle-identifier org.whatsapparchiver.Microsoft365 \
    --output-path "$output" --warnings-as-errors
echo "DocC catalog of Microsoft365 builds without warnings."
