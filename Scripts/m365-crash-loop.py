#!/usr/bin/env python3
"""The Microsoft 365 crash loop: archive-daily into one fake tenant (Scripts/fake-graph.py, 20 mailboxes, a few
lost answers), killed with SIGKILL at random instants at least --kills times (spread over the work left, as timed by a
reference run into a tenant of its own; the state directory deleted once on the way), then run to completion; then the proof, from the export and the mapping alone, that every (item, mailbox) pair
is in the tenant exactly once, complete and non-draft, with one folder per mailbox, and that the checkpoint is at the
window's end. Python 3 standard library only.

    Scripts/m365-crash-loop.py --binary PATH [--items N] [--kills K] [--big-size BYTES] [--seed S] [--work DIR]
"""
import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--items", type=int, default=1500)
parser.add_argument("--kills", type=int, default=12)
parser.add_argument("--users", type=int, default=20)
parser.add_argument("--big-size", type=int, default=6 << 20, help="one item gets an attachment this large")
parser.add_argument("--seed", type=int, default=random.randrange(1 << 30))
parser.add_argument("--work")
parser.add_argument("--keep", action="store_true")
options = parser.parse_args()
rng = random.Random(options.seed)
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
work = options.work or tempfile.mkdtemp(prefix="m365-crash-loop.", dir=base)
export = os.path.join(work, "export")
state = os.path.join(work, "state")
UNTIL = "2026-11-24T00:00:00Z"
FROM = "2026-11-23T00:00:00Z"
failures = []
print("m365 crash loop: seed %d, %d items, %d kills, work %s" % (options.seed, options.items, options.kills, work))


def fail(message):
    failures.append(message)
    print("FAIL: " + message)


subprocess.run([sys.executable, os.path.join(root, "Benchmarks/Scripts/generate-export.py"), "--items",
                str(options.items), "--out", export, "--seed", str(options.seed), "--users", str(options.users),
                "--big-attachment", str(options.big_size)], check=True, stdout=subprocess.DEVNULL)
records = [json.loads(line) for line in open(os.path.join(export, "items.jsonl"), encoding="utf-8") if line.strip()]

# --- The oracle: which mailboxes each item must reach, from the export and the mapping file alone. ---
by_phone = {}
for row in open(os.path.join(export, "mapping.csv"), encoding="utf-8").read().splitlines()[1:]:
    number, address = row.split(",")
    by_phone[number] = address.lower()


def mailbox_of(party):
    address = by_phone.get(party["phone"].lstrip("+"))
    if address and address.endswith("@contoso.com"):
        return address
    address = (party.get("email") or "").lower()
    return address if address.endswith("@contoso.com") else None


expected = set()
for record in records:
    for party in [record["from"]] + record["to"]:
        mailbox = mailbox_of(party)
        if mailbox:
            expected.add((record["id"], mailbox))
mailboxes = sorted({mailbox for _, mailbox in expected})
print("oracle: %d items, %d (item, mailbox) pairs, %d mailboxes" % (len(records), len(expected), len(mailboxes)))

# --- One fake tenant for every run (and another for the reference run). ---
environment = dict(os.environ, FAKE_GRAPH_SECRET="crash loop secret", M365_CLIENT_SECRET="crash loop secret")


def start_fake():
    process = subprocess.Popen([sys.executable, os.path.join(root, "Scripts/fake-graph.py"), "--latency-ms", "3",
                                "--drop-every", "211", "--throttle-every", "157", "--retry-after", "0",
                                "--idle-timeout", "600"]
                               + [argument for mailbox in mailboxes for argument in ("--mailbox", mailbox)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment)
    return process, "http://127.0.0.1:%d" % int(process.stdout.readline().split()[1])


def stop_fake(process):
    process.stdin.close()
    process.terminate()
    process.wait()


def command(report, tenant_url, state_directory):
    return [options.binary, "--export", export, "--mapping", os.path.join(export, "mapping.csv"), "--domain",
            "contoso.com", "--state", state_directory, "--from", FROM, "--until", UNTIL, "--report", report,
            "--m365-tenant", "contoso.onmicrosoft.com", "--m365-client-id", "11111111-2222-3333-4444-555555555555",
            "--m365-login-url", tenant_url, "--m365-graph-url", tenant_url, "--commit-every", "50"]


# A reference run without kills, into a tenant of its own: how long the whole window takes, so that the kills can be
# spread over the work left on a machine of any speed.
reference_fake, reference_url = start_fake()
try:
    started = time.monotonic()
    reference = subprocess.run(command(os.path.join(work, "reference.json"), reference_url,
                                       os.path.join(work, "reference-state")),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    full_run = time.monotonic() - started
finally:
    stop_fake(reference_fake)
if reference.returncode != 0:
    sys.exit("the reference run failed: " + reference.stderr.decode(errors="replace")[-800:])
print("reference run: %.1f s" % full_run)

fake, url = start_fake()


def fetch(path):
    with urllib.request.urlopen(url + path) as answer:
        return json.load(answer)


def stored_so_far():
    stats = fetch("/_fake/stats")
    return stats["importMime"] + stats["createMessage"]


try:
    started = time.monotonic()
    landed, attempts, during_large = 0, 0, 0
    deleted_state, scale = False, 1.5
    while landed < options.kills and attempts < 4 * options.kills:
        attempts += 1
        if landed == options.kills // 2 and not deleted_state:
            shutil.rmtree(state, ignore_errors=True)  # the mailbox is the truth: nothing may be stored twice
            deleted_state = True
            print("state directory deleted")
        # Spread the kills over the work that is left, so that they land from the first item to the last and a fast
        # machine does not finish the window before they have all landed.
        remaining = full_run * max(0.0, 1.0 - stored_so_far() / len(expected)) + 0.3
        delay = rng.uniform(0.05, max(0.1, scale * remaining / (options.kills - landed)))
        process = subprocess.Popen(command(os.path.join(work, "killed.json"), url, state), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, env=environment)
        try:
            _, error = process.communicate(timeout=delay)
            if process.returncode != 0:
                fail("run %d exited with %d before its kill: %s" % (attempts, process.returncode, error.decode()[-400:]))
            print("run %2d: finished within %.2f s, before its kill" % (attempts, delay))
            scale /= 2  # the work left was less than it seemed: aim earlier
            continue
        except subprocess.TimeoutExpired:
            pass
        stats = fetch("/_fake/stats")
        process.send_signal(signal.SIGKILL)
        process.wait()
        landed += 1
        large = fetch("/_fake/state")["openSessions"] > 0
        during_large += large
        print("kill %2d after %.2f s: %d stored so far%s" % (landed, delay, stats["importMime"] + stats["createMessage"],
                                                            ", during an upload session" if large else ""))
    if landed < options.kills:
        fail("only %d of %d kills landed: give more --items" % (landed, options.kills))

    final = subprocess.run(command(os.path.join(work, "final.json"), url, state), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env=environment)
    if final.returncode != 0:
        fail("the final run exited with %d: %s" % (final.returncode, final.stderr.decode()[-800:]))

    # --- The proof. ---
    tenant = fetch("/_fake/state")
    stored = collections.Counter()
    for mailbox, contents in tenant["mailboxes"].items():
        if len(contents["folders"]) != 1:
            fail("%s has %d folders" % (mailbox, len(contents["folders"])))
        if contents["maxInFlight"] > 4:
            fail("%s had %d requests in flight" % (mailbox, contents["maxInFlight"]))
        for message in contents["messages"]:
            stored[(message.get("itemId"), mailbox)] += 1
            if message["isDraft"]:
                fail("%s: %s is a draft" % (mailbox, message["internetMessageId"]))
            if "incomplete" in message["properties"].values():
                fail("%s: %s is unfinished" % (mailbox, message["internetMessageId"]))
    missing = expected - set(stored)
    duplicated = [pair for pair, count in stored.items() if count > 1]
    unexpected = set(stored) - expected
    checkpoint = json.load(open(os.path.join(state, "checkpoint.json")))["position"]
    large = [message for contents in tenant["mailboxes"].values() for message in contents["messages"]
             if message["source"] == "messages"]
    print("%d kills in %d runs (%d during an upload session), %.0f s; stats %s"
          % (landed, attempts + 1, during_large, time.monotonic() - started, json.dumps(tenant["stats"])))
    print("%d (item, mailbox) pairs stored, %d expected: %d missing, %d duplicated, %d unexpected; %d large; "
          "checkpoint %s" % (sum(stored.values()), len(expected), len(missing), len(duplicated), len(unexpected),
                             len(large), checkpoint))
    for pair in sorted(missing)[:10]:
        fail("missing %s in %s" % pair)
    for pair in sorted(duplicated)[:10]:
        fail("duplicated %s in %s (%d copies)" % (pair[0], pair[1], stored[pair]))
    for pair in sorted(unexpected, key=str)[:10]:
        fail("unexpected %s in %s" % pair)
    if not large:
        fail("no large message was stored: the large-message path was not exercised")
    for message in large:
        sizes = [attachment["size"] for attachment in message["attachments"]]
        if options.big_size not in sizes:
            fail("large message %s has attachments %s, not one of %d bytes" % (message["itemId"], sizes,
                                                                              options.big_size))
    if checkpoint != UNTIL:
        fail("the checkpoint is %s, not the end of the window %s" % (checkpoint, UNTIL))
finally:
    stop_fake(fake)
    if not options.keep and not failures:
        shutil.rmtree(work, ignore_errors=True)

if failures:
    print("m365 crash loop FAILED (%d problems; work kept in %s)" % (len(failures), work))
    sys.exit(1)
print("m365 crash loop passed: every (item, mailbox) exactly once, 0 lost, 0 duplicated, one folder per mailbox")
