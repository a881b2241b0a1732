#!/usr/bin/env python3
"""Sums a callgrind profile's self cost (instructions) by source file, and lists the costliest functions.

    callgrind-by-file.py CALLGRIND_OUT [--functions N]

Asynchronous Swift code makes callgrind's inclusive costs meaningless (task switches look like recursion), so the
self cost grouped by file is what points at the hot spots. Runs callgrind_annotate and demangles with
`swift demangle --simplified` when it is on the PATH.
"""
import argparse, collections, re, shutil, subprocess

parser = argparse.ArgumentParser()
parser.add_argument("profile")
parser.add_argument("--functions", type=int, default=25)
args = parser.parse_args()

output = subprocess.run(["callgrind_annotate", "--inclusive=no", "--auto=no", "--threshold=100", args.profile],
                        capture_output=True, text=True, check=True).stdout
line_pattern = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*?):(\S+)")
total, by_file, functions = 0, collections.Counter(), []
for line in output.splitlines():
    if "PROGRAM TOTALS" in line:
        total = int(line.split()[0].replace(",", ""))
        continue
    match = line_pattern.match(line)
    if not match:
        continue
    cost = int(match.group(1).replace(",", ""))
    path = match.group(2)
    by_file[re.sub(r"^.*/(Sources|Benchmarks)/", r"\1/", path)] += cost
    functions.append((cost, match.group(3)))

if shutil.which("swift"):
    names = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(name for _, name in functions),
                           capture_output=True, text=True).stdout.splitlines()
    if len(names) == len(functions):
        functions = [(cost, name) for (cost, _), name in zip(functions, names)]

print(f"total {total:,} instructions")
print("\nby file (self cost)")
for path, cost in by_file.most_common(30):
    print(f"{cost:>15,} {100 * cost / max(total, 1):5.1f}%  {path}")
print(f"\ntop {args.functions} functions (self cost)")
for cost, name in sorted(functions, reverse=True)[:args.functions]:
    print(f"{cost:>15,} {100 * cost / max(total, 1):5.1f}%  {name[:160]}")
