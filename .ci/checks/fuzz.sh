#!/usr/bin/env bash
# A short libFuzzer run of each fuzz target (Fuzz/README.md): the item decoder, the CSV reader, the EML writer and
# the chat-export line parser and ZIP reader,
# each built with -sanitize=fuzzer,address and run from its committed seed corpus. Fails when any target crashes,
# trips AddressSanitizer or breaks one of its invariants, and prints the input that did it.
set -euo pipefail
seconds="${FUZZ_SECONDS:-50}"
status=0
for target in ItemDecoder CSVReader EMLWriter ChatExport; do
    log="$(mktemp)"
    if Fuzz/run.sh "$target" "$seconds" >"$log" 2>&1; then
        grep -E '^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units' "$log" | sed "s/^/$target: /"
    else
        status=1
        echo "$target: libFuzzer found a failing input" >&2
        grep -E 'INVARIANT BROKEN|ERROR: |SUMMARY|Test unit written' "$log" >&2 || tail -40 "$log" >&2
        for finding in Fuzz/Findings/"$target"/*; do
            [ -f "$finding" ] || continue
            echo "$finding, base64 (turn it into a regression test):" >&2
            base64 -w 0 "$finding" >&2
            echo >&2
        done
    fi
    rm -f "$log"
done
exit "$status"
