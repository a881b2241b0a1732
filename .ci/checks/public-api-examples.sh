#!/usr/bin/env bash
# archive-daily, archive-verify, archive-export and the CustomSink example are examples of embedding: they must compile against the public API
# alone. Inside this package they could also reach `package` symbols, so they are built here a second time as the
# targets of another package that depends on this one by path, exactly as an integrator's package would: any use of
# package-only API fails this build. Warnings fail it too.
set -euo pipefail
root="$(pwd)"
outside="$(mktemp -d)"
trap 'rm -rf "$outside"' EXIT
for example in ArchiveDaily CustomSink ArchiveVerify ArchiveExport; do
    mkdir -p "$outside/Sources/Outside$example"
    cp Examples/$example/*.swift "$outside/Sources/Outside$example/"
done
cat > "$outside/Package.swift" <<MANIFEST
// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "OutsideIntegrator",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "WhatsAppArchiver", path: "$root")],
    targets: [
        .executableTarget(
            name: "OutsideArchiveDaily",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "TeleMessage", package: "WhatsAppArchiver"),
                .product(name: "ChatExport", package: "WhatsAppArchiver"),
                .product(name: "Microsoft365", package: "WhatsAppArchiver"),
                .product(name: "ArchiveEvidence", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "OutsideArchiveVerify",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "ArchiveEvidence", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "OutsideArchiveExport",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "ArchiveEvidence", package: "WhatsAppArchiver"),
            ]
        ),
        .executableTarget(
            name: "OutsideCustomSink",
            dependencies: [
                .product(name: "WhatsAppArchiver", package: "WhatsAppArchiver"),
                .product(name: "WhatsAppArchiverTesting", package: "WhatsAppArchiver"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
MANIFEST
log="$outside/build.log"
# A scratch path inside this checkout's .build keeps a rerun incremental.
if ! swift build --package-path "$outside" --scratch-path "$root/.build/outside-integrator" > "$log" 2>&1; then
    grep -E "error:" "$log" | sort -u >&2 || cat "$log" >&2
    echo "public-api-examples: the examples use API an outside package cannot see" >&2
    exit 1
fi
if grep -q "warning:" "$log"; then
    grep "warning:" "$log" >&2
    echo "public-api-examples: warnings" >&2
    exit 1
fi
"$root/.build/outside-integrator/debug/OutsideCustomSink" | grep -q "imported 4, duplicates 0, failed 0"
echo "archive-daily, archive-verify, archive-export and CustomSink build from public API alone, as an outside package."
