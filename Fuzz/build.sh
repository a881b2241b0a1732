#!/usr/bin/env bash
# Builds one libFuzzer target: the SDK modules it needs, instrumented with `-sanitize=fuzzer,address`, then the
# target itself. Uses swiftc directly, since SwiftPM has no way to give one executable libFuzzer's main.
#
#   Fuzz/build.sh TARGET      prints the path of the built binary
#
# Modules are rebuilt only when one of their sources changed, so the three targets share one build of the SDK.
set -euo pipefail
target="${1:?usage: Fuzz/build.sh TARGET (ItemDecoder, CSVReader, EMLWriter or ChatExport)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/Fuzz/.build"
mkdir -p "$build"
flags=(-sanitize=fuzzer,address -O -g -swift-version 6 -parse-as-library -package-name WhatsAppArchiver -module-cache-path "$build/module-cache")

# Builds module $1 from the Swift files under $2 into a static library, if any source is newer than the library.
build_module() {
    local name="$1" directory="$2"
    shift 2
    local library="$build/lib$name.a" stamp="$build/$name.sources"
    local sources
    sources="$(find "$directory" -name '*.swift' | LC_ALL=C sort)"
    local current
    current="$(printf '%s\n' "$sources" | xargs cat | cksum) ${flags[*]}"
    if [ -f "$library" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$current" ]; then return; fi
    echo "building $name" >&2
    # shellcheck disable=SC2086
    (cd "$build" && swiftc "${flags[@]}" "$@" -I "$build" -enable-testing -whole-module-optimization \
        -module-name "$name" -emit-module -emit-module-path "$build/$name.swiftmodule" \
        -emit-library -static -o "$library" $sources)
    printf '%s' "$current" >"$stamp"
}

# Builds the CSHA256 C target (the SHA-256 block function on the x86 SHA extensions) into a static library with
# AddressSanitizer, and a module map beside it so that the core's `internal import CSHA256` resolves, as SwiftPM
# does for the package.
build_c_module() {
    local directory="$root/Sources/CSHA256" library="$build/libCSHA256.a" stamp="$build/CSHA256.sources"
    local current
    current="$(cat "$directory"/*.c "$directory"/include/*.h | cksum)"
    if [ -f "$library" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$current" ]; then return; fi
    echo "building CSHA256" >&2
    mkdir -p "$build/CSHA256"
    cp "$directory/include/CSHA256.h" "$build/CSHA256/CSHA256.h"
    printf 'module CSHA256 {\n    header "CSHA256.h"\n    export *\n}\n' >"$build/CSHA256/module.modulemap"
    clang -fsanitize=address -O2 -g -I "$directory/include" -c "$directory"/*.c -o "$build/CSHA256.o"
    rm -f "$library"
    ar rcs "$library" "$build/CSHA256.o"
    printf '%s' "$current" >"$stamp"
}

build_c_module
build_module WhatsAppArchiver "$root/Sources/WhatsAppArchiver" -I "$build/CSHA256"
libraries=(-L "$build" -lWhatsAppArchiver -lCSHA256)
case "$target" in
ItemDecoder)
    build_module TeleMessage "$root/Sources/TeleMessage" -I "$build/CSHA256"
    libraries=(-L "$build" -lTeleMessage -lWhatsAppArchiver -lCSHA256 -lFoundationNetworking)
    ;;
CSVReader | EMLWriter) ;;
ChatExport)
    build_module ChatExport "$root/Sources/ChatExport" -I "$build/CSHA256" -I "$root/Sources/CZlib"
    libraries=(-L "$build" -lChatExport -lWhatsAppArchiver -lCSHA256 -lz)
    ;;
*)
    echo "unknown target $target" >&2
    exit 2
    ;;
esac

directory="$root/Fuzz/Targets/$target"
binary="$build/fuzz-$target"
sources="$(find "$directory" "$root/Fuzz/Targets/Shared" -name '*.swift' | LC_ALL=C sort)"
newest="$(find "$directory" "$root/Fuzz/Targets/Shared" "$build" -maxdepth 1 \( -name '*.swift' -o -name '*.a' \) \
    -newer "$binary" 2>/dev/null | head -1 || true)"
if [ ! -x "$binary" ] || [ -n "$newest" ]; then
    echo "building fuzz-$target" >&2
    rm -f "$binary"
    # The harness (item builder, message checker) gets AddressSanitizer but no coverage instrumentation: its
    # branches are not the SDK's, and counting them would steer libFuzzer towards inputs that only exercise the
    # checker, and slow every run.
    harness_flags=("${flags[@]/-sanitize=fuzzer,address/-sanitize=address}")
    # shellcheck disable=SC2086
    (cd "$build" && swiftc "${harness_flags[@]}" -I "$build" -I "$build/CSHA256" -I "$root/Sources/CZlib" -module-name "Fuzz$target" -whole-module-optimization \
        -c $sources -o "$build/Fuzz$target.o")
    (cd "$build" && swiftc "${flags[@]}" "$build/Fuzz$target.o" "${libraries[@]}" -o "$binary" 2>&1 |
        grep -v "Cannot export local symbol" >&2 || true)
    [ -x "$binary" ] || { echo "fuzz-$target did not build" >&2; exit 1; }
fi
echo "$binary"
