#!/usr/bin/env bash
# The DocC catalogs of the core module, ChatExport, ArchiveEvidence and Microsoft365 must build without a warning:
# every symbol link resolves and every documented parameter is named. Uses the toolchain's own docc; no plugin, no
# package dependency.
set -euo pipefail
graphs="$(mktemp -d)"
output="$(mktemp -d)"
mkdir -p "$graphs/symbols"
trap 'rm -rf "$graphs" "$output"' EXIT

# One scratch build per module with a catalog emits the symbol graphs of that module and of what it depends on.
for target in ChatExport ArchiveEvidence Microsoft365; do
    swift build --scratch-path "$graphs/build" --target "$target" -Xswiftc -emit-symbol-graph \
        -Xswiftc -emit-symbol-graph-dir -Xswiftc "$graphs/symbols" >/dev/null
done

# Each catalog gets its own module's graphs (a module's MODULE@OTHER graph holds its extensions of OTHER's types).
for module in WhatsAppArchiver ChatExport ArchiveEvidence Microsoft365; do
    mkdir -p "$graphs/$module"
    cp "$graphs/symbols/$module.symbols.json" "$graphs/$module/"
    find "$graphs/symbols" -name "$module@*.symbols.json" -exec cp {} "$graphs/$module/" \;
    docc convert "Sources/$module/Documentation.docc" --additional-symbol-graph-dir "$graphs/$module" \
        --fallback-display-name "$module" --fallback-bundle-identifier "org.whatsapparchiver.$module" \
        --output-path "$output/$module" --warnings-as-errors
    echo "DocC catalog of $module builds without warnings."
done
