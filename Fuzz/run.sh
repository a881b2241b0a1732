#!/usr/bin/env bash
# Builds a libFuzzer target (Fuzz/build.sh) and fuzzes it for SECONDS, starting from its committed seed corpus.
#
#   Fuzz/run.sh TARGET SECONDS [libFuzzer options...]      TARGET: ItemDecoder, CSVReader, EMLWriter or ChatExport
#
# The corpus grows in Fuzz/.build/corpus/TARGET (the committed seeds in Fuzz/Corpus/TARGET are only read), and
# an input that crashes the target or breaks an invariant is saved in Fuzz/Findings/TARGET/. Exits non-zero when
# libFuzzer found one; turn it into a regression test in the Swift test suite, then fix the component.
set -euo pipefail
target="${1:?usage: Fuzz/run.sh TARGET SECONDS}"
seconds="${2:?usage: Fuzz/run.sh TARGET SECONDS}"
shift 2
root="$(cd "$(dirname "$0")/.." && pwd)"
binary="$("$root/Fuzz/build.sh" "$target")"
corpus="$root/Fuzz/.build/corpus/$target"
findings="$root/Fuzz/Findings/$target"
mkdir -p "$corpus" "$findings"
options=(
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1
    -artifact_prefix="$findings/"
)
dictionary="$root/Fuzz/Dictionaries/$target.dict"
[ -f "$dictionary" ] && options+=(-dict="$dictionary")
# Swift's runtime keeps metadata caches for the life of the process; LeakSanitizer would report them at exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
# libFuzzer and AddressSanitizer report crashes; Swift's own backtracer would only hold the process up.
export SWIFT_BACKTRACE=enable=no
cd "$findings"
exec "$binary" "${options[@]}" "$@" "$corpus" "$root/Fuzz/Corpus/$target"
