#!/usr/bin/env python3
"""The Microsoft 365 benchmark (issue 13): archive-daily into the fake Graph (Scripts/fake-graph.py) with 50 ms of
latency per request and 20 mailboxes. Not a test: it prints figures and says which targets they meet.

    Benchmarks/Scripts/m365-benchmark.py --binary PATH [--items N] [--latency-ms 50] [--big-bytes BYTES]

1. The ceiling: 4 requests in flight per mailbox x 20 mailboxes over 50 ms = 1600 requests/s. The fake is Python
   on a shared machine and may not serve that, so a trivial client (80 threads, keep-alive, each posting importMime
   bodies like archive-daily's into its mailbox, 4 per mailbox) measures what the fake serves, in the same run.
2. First run: messages/s (importMime answers per second of the run, from the first Graph request to the last),
   against both ceilings; Graph requests per imported message (target <= 1.1).
3. Rerun with the state directory: Graph requests per skipped duplicate (target <= 0.05).
4. One item with a BYTES attachment (default 100 MiB): archive-daily's peak resident memory (target < 64 MiB).
"""
import argparse
import base64
import http.client
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("--binary", required=True)
parser.add_argument("--items", type=int, default=6000)
parser.add_argument("--users", type=int, default=20)
parser.add_argument("--latency-ms", type=float, default=50)
parser.add_argument("--big-bytes", type=int, default=100 << 20)
parser.add_argument("--probe-seconds", type=float, default=8)
options = parser.parse_args()
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()
work = tempfile.mkdtemp(prefix="m365-bench.", dir=base)
SECRET = "benchmark secret"
environment = dict(os.environ, FAKE_GRAPH_SECRET=SECRET, M365_CLIENT_SECRET=SECRET)
mailboxes = ["user%d@contoso.com" % index for index in range(options.users)]


def start_fake(latency):
    fake = subprocess.Popen([sys.executable, os.path.join(root, "Scripts/fake-graph.py"), "--latency-ms", str(latency),
                             "--idle-timeout", "900"] + [a for m in mailboxes for a in ("--mailbox", m)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment)
    return fake, "http://127.0.0.1:%d" % int(fake.stdout.readline().split()[1])


def stop(fake):
    fake.stdin.close()
    fake.terminate()
    fake.wait()


def fetch(url):
    with urllib.request.urlopen(url) as answer:
        return json.load(answer)


def command(url, export, state, report, window=("2026-11-23T00:00:00Z", "2026-11-24T00:00:00Z")):
    return [options.binary, "--export", export, "--mapping", os.path.join(export, "mapping.csv"), "--domain",
            "contoso.com", "--state", state, "--from", window[0], "--until", window[1], "--report", report,
            "--m365-tenant", "contoso.onmicrosoft.com", "--m365-client-id", "11111111-2222-3333-4444-555555555555",
            "--m365-login-url", url, "--m365-graph-url", url]


def timed_run(arguments):
    """Runs archive-daily; returns (wall seconds, peak RSS in KiB, the report)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.monotonic()
    result = subprocess.run(["/usr/bin/time", "-f", "%M"] + arguments, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=environment)
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit("archive-daily failed: " + result.stderr.decode()[-1000:])
    peak = int(result.stderr.decode().strip().splitlines()[-1])
    del before
    return elapsed, peak, json.load(open(arguments[arguments.index("--report") + 1]))


def token(url):
    body = "grant_type=client_credentials&client_id=11111111-2222-3333-4444-555555555555&client_secret=%s&scope=%s" % (
        urllib.request.quote(SECRET), urllib.request.quote(url + "/.default"))
    request = urllib.request.Request(url + "/contoso.onmicrosoft.com/oauth2/v2.0/token", data=body.encode(),
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["access_token"]


def fake_ceiling(url, seconds, mix=None):
    """What the fake serves to a trivial client with the same limit: 4 keep-alive connections per mailbox posting
    importMime bodies of a typical message (3 KiB of MIME). Without `mix`, for `seconds`, every mailbox as busy as
    the others; with `mix` (messages per mailbox), until each mailbox's share is sent: the same traffic as the run."""
    bearer = "Bearer " + token(url)
    host, port = url.split("//")[1].split(":")
    folders = {}
    for mailbox in mailboxes:
        connection = http.client.HTTPConnection(host, int(port))
        connection.request("POST", "/v1.0/users/%s/mailFolders" % mailbox, json.dumps({"displayName": "Probe"}),
                           {"Authorization": bearer, "Content-Type": "application/json"})
        folders[mailbox] = json.loads(connection.getresponse().read())["id"]
    done = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    remaining = dict(mix or {})

    def worker(mailbox, number):
        connection = http.client.HTTPConnection(host, int(port))
        sequence = 0
        while True:
            if mix is None:
                if time.monotonic() >= deadline:
                    break
            else:
                with lock:
                    if remaining.get(mailbox, 0) <= 0:
                        break
                    remaining[mailbox] -= 1
            sequence += 1
            mime = ("Message-ID: <probe-%d-%d@%s>\r\nSubject: probe\r\n\r\n" % (number, sequence, mailbox)
                    + "x" * 3000 + "\r\n").encode()
            connection.request("POST", "/beta/users/%s/mailFolders/%s/importMime" % (mailbox, folders[mailbox]),
                               base64.b64encode(mime), {"Authorization": bearer, "Content-Type": "text/plain"})
            answer = connection.getresponse()
            answer.read()
            if answer.status == 201:
                with lock:
                    done[0] += 1

    threads = [threading.Thread(target=worker, args=(mailbox, index)) for mailbox in mailboxes for index in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done[0] / (time.monotonic() - started)


try:
    export = os.path.join(work, "export")
    subprocess.run([sys.executable, os.path.join(root, "Benchmarks/Scripts/generate-export.py"), "--items",
                    str(options.items), "--out", export, "--users", str(options.users), "--attachment-rate", "0.02"],
                   check=True, stdout=subprocess.DEVNULL)
    ceiling = 4 * len(mailboxes) / (options.latency_ms / 1000)

    fake, url = start_fake(options.latency_ms)
    served = fake_ceiling(url, options.probe_seconds)
    stop(fake)

    fake, url = start_fake(options.latency_ms)
    state = os.path.join(work, "state")
    elapsed, peak, report = timed_run(command(url, export, state, os.path.join(work, "first.json")))
    stats = fetch(url + "/_fake/stats")
    per_mailbox = {address: len(contents["messages"]) for address, contents in fetch(url + "/_fake/state")["mailboxes"].items()}
    busiest = max(per_mailbox.values()) / max(sum(per_mailbox.values()), 1)
    # With 4 in flight per mailbox, the busiest mailbox alone takes (its share) x (the run's time): the ceiling of
    # this mix of traffic is 80 requests per 50 ms over that share, or the limit's, whichever is lower.
    mix_ceiling = min(ceiling, 4 / (options.latency_ms / 1000) / busiest)
    imported = report["imported"] + report["partiallyImported"]
    messages_per_second = stats["importMime"] / elapsed
    first_requests = stats["requests"]
    _, _, rerun = timed_run(command(url, export, state, os.path.join(work, "rerun.json")))
    rerun_stats = fetch(url + "/_fake/stats")
    stop(fake)

    big_export = os.path.join(work, "big")
    subprocess.run([sys.executable, os.path.join(root, "Benchmarks/Scripts/generate-export.py"), "--items", "1",
                    "--out", big_export, "--users", str(options.users), "--attachment-rate", "0",
                    "--big-attachment", str(options.big_bytes)], check=True, stdout=subprocess.DEVNULL)
    fake, url = start_fake(0)
    big_elapsed, big_peak, big_report = timed_run(command(url, big_export, os.path.join(work, "big-state"),
                                                          os.path.join(work, "big.json")))
    big_stats = fetch(url + "/_fake/stats")
    stop(fake)

    # The fake's ceiling for this very mix: the trivial client sends a third of each mailbox's messages.
    fake, url = start_fake(options.latency_ms)
    served_mix = fake_ceiling(url, 0, {mailbox: count // 3 for mailbox, count in per_mailbox.items()})
    stop(fake)

    duplicates = rerun["skippedDuplicates"]
    per_duplicate = (rerun_stats["requests"] - first_requests) / max(duplicates, 1)
    per_import = first_requests / max(imported, 1)
    print("m365 benchmark: %d items, %d mailboxes, %.0f ms per request" % (options.items, len(mailboxes),
                                                                          options.latency_ms))
    print("  ceiling by the concurrency limit   %7.0f requests/s" % ceiling)
    print("  the fake's own ceiling (trivial)   %7.0f importMime/s" % served)
    print("  ceiling of this mix (busiest mailbox %.1f%% of the messages) %7.0f messages/s" % (100 * busiest, mix_ceiling))
    print("  first run: %d imported in %.1f s  %7.0f messages/s = %.2f of the limit's ceiling, %.2f of the fake's"
          % (imported, elapsed, messages_per_second, messages_per_second / ceiling, messages_per_second / served))
    print("             = %.2f of this mix's ceiling at 50 ms; the trivial client sends this mix at %.0f/s: %.2f of it"
          % (messages_per_second / mix_ceiling, served_mix, messages_per_second / served_mix))
    print("  Graph requests per imported message %6.3f (target <= 1.1): %d requests, %s"
          % (per_import, first_requests, {k: v for k, v in stats.items() if v and k not in ("requests", "tokens")}))
    print("  rerun: %d skipped duplicates, %d Graph requests = %.4f per duplicate (target <= 0.05)"
          % (duplicates, rerun_stats["requests"] - first_requests, per_duplicate))
    print("  first run peak RSS %d KiB" % peak)
    print("  %d MiB attachment: %.1f s, peak RSS %.1f MiB (target < 64), %d chunks, report %s"
          % (options.big_bytes >> 20, big_elapsed, big_peak / 1024, big_stats["uploadChunks"],
             {k: big_report[k] for k in ("imported", "partiallyImported", "failed")}))
finally:
    shutil.rmtree(work, ignore_errors=True)
