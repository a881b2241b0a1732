#!/usr/bin/env python3
"""A fake TeleMessage server: serves a saved export (items.jsonl + attachments/) over the HTTP binding of
telemessage-export.md, on a loopback address, with fault injection. Python 3 standard library only.

    python3 Scripts/fake-telemessage.py --export DIR [--port 0] [faults...]

Prints "PORT <n>" on stdout once it listens. Stops when stdin closes, after --idle-timeout seconds without a
request, or on SIGTERM. GET /_stats returns the request and fault counters as JSON (for tests).

Faults count requests from 1, over every endpoint but /_stats; "every N" means requests N, 2N, 3N, ...
"""

import argparse
import datetime
import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TIMESTAMP = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_timestamp(text):
    if not isinstance(text, str) or not TIMESTAMP.match(text):
        return None
    try:
        return datetime.datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
    except ValueError:
        return None


class State:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.requests = 0
        self.tokens = {}  # token -> remaining authorized requests
        self.stats = {"requests": 0, "signIns": 0, "rejectedSignIns": 0, "expiredTokens": 0, "status5xx": 0,
                      "status429": 0, "truncated": 0, "slow": 0, "brokenDownloads": 0, "rangeRequests": 0,
                      "pages": 0, "attachments": 0}
        self.last_activity = time.monotonic()

    def count(self):
        with self.lock:
            self.requests += 1
            self.stats["requests"] += 1
            self.last_activity = time.monotonic()
            self.save()
            return self.requests

    def bump(self, key):
        with self.lock:
            self.stats[key] += 1
            self.save()

    def save(self):
        """Writes the counters to --stats-file (under the lock), replacing it atomically."""
        if self.options.stats_file:
            temporary = self.options.stats_file + ".tmp"
            with open(temporary, "w") as handle:
                json.dump(self.stats, handle)
            os.replace(temporary, self.options.stats_file)


def every(n, number):
    return n > 0 and number % n == 0


def load_items(export):
    """The export's item records that are JSON objects with a readable capturedAt, in (capturedAt, id) order."""
    items = []
    with open(os.path.join(export, "items.jsonl"), "rb") as handle:
        for raw in handle:
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                continue  # a line that is not JSON cannot be embedded in a JSON page
            if not isinstance(record, dict):
                continue
            captured = parse_timestamp(record.get("capturedAt"))
            if captured is None:
                continue
            items.append((captured, str(record.get("id")), raw.strip()))
    items.sort(key=lambda entry: (entry[0], entry[1]))
    return items


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeTeleMessage/1"
    protocol_version = "HTTP/1.0"

    def log_message(self, format, *args):  # quiet: tests read stdout
        if self.server.state.options.verbose:
            sys.stderr.write("fake-telemessage: " + (format % args) + "\n")

    # --- plumbing -------------------------------------------------------------------------------------------

    def send_body(self, status, body, content_type="application/json", headers=None, truncate=False):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def send_json(self, status, value, headers=None, truncate=False):
        self.send_body(status, json.dumps(value).encode(), headers=headers, truncate=truncate)

    def inject_faults(self, number):
        """Applies the request-level faults; returns True when a fault answered the request."""
        options, state = self.server.state.options, self.server.state
        if every(options.slow_every, number):
            state.bump("slow")
            time.sleep(options.slow_seconds)
        if every(options.rate_limit_every, number):
            state.bump("status429")
            self.send_json(429, {"error": "rate_limited", "message": "slow down"},
                           headers={"Retry-After": str(options.retry_after)})
            return True
        if every(options.fail_every, number):
            state.bump("status5xx")
            status = options.fail_statuses[(number // options.fail_every) % len(options.fail_statuses)]
            self.send_json(status, {"error": "unavailable", "message": "try again"})
            return True
        return False

    def authorized(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            self.send_json(401, {"error": "invalid_token", "message": "missing token"})
            return False
        token = header[len("Bearer "):]
        state = self.server.state
        with state.lock:
            remaining = state.tokens.get(token)
            if remaining is None or remaining == 0:
                state.stats["expiredTokens"] += 1
                state.save()
                expired = True
            else:
                state.tokens[token] = remaining - 1
                expired = False
        if expired:
            self.send_json(401, {"error": "invalid_token", "message": "token expired"})
            return False
        return True

    # --- endpoints ------------------------------------------------------------------------------------------

    def do_POST(self):
        number = self.server.state.count()
        if self.inject_faults(number):
            return
        if self.path != "/api/v1/auth/token":
            self.send_json(404, {"error": "not_found", "message": self.path})
            return
        length = int(self.headers.get("Content-Length", "0"))
        try:
            body = json.loads(self.rfile.read(length))
        except ValueError:
            self.send_json(400, {"error": "invalid_request", "message": "body is not JSON"})
            return
        options, state = self.server.state.options, self.server.state
        if body.get("username") != options.username or body.get("password") != options.password:
            state.bump("rejectedSignIns")
            self.send_json(401, {"error": "invalid_credentials", "message": "wrong username or password"})
            return
        token = secrets.token_urlsafe(24)
        with state.lock:
            state.tokens[token] = options.token_requests if options.token_requests > 0 else -1
            state.stats["signIns"] += 1
            state.save()
        self.send_json(200, {"accessToken": token, "tokenType": "Bearer", "expiresIn": 3600})

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_stats":
            with self.server.state.lock:
                self.send_json(200, dict(self.server.state.stats))
            return
        number = self.server.state.count()
        if self.inject_faults(number):
            return
        if not self.authorized():
            return
        truncate = every(self.server.state.options.truncate_every, number)
        if truncate:
            self.server.state.bump("truncated")
        if url.path == "/api/v1/archive/items":
            self.serve_items(urllib.parse.parse_qs(url.query, keep_blank_values=True), truncate)
        elif url.path.startswith("/api/v1/archive/attachments/"):
            self.serve_attachment(url.path[len("/api/v1/archive/attachments/"):], number, truncate)
        else:
            self.send_json(404, {"error": "not_found", "message": url.path})

    def serve_items(self, query, truncate):
        def one(name):
            values = query.get(name)
            return values[0] if values else None

        start, end = parse_timestamp(one("from")), parse_timestamp(one("until"))
        try:
            limit = int(one("limit") or "100")
            offset = int(one("cursor") or "0")
        except ValueError:
            limit, offset = 0, -1
        if start is None or end is None or not 1 <= limit <= 1000 or offset < 0:
            self.send_json(400, {"error": "invalid_request", "message": "bad from, until, limit or cursor"})
            return
        selected = [raw for captured, _, raw in load_items(self.server.state.options.export)
                    if start <= captured < end]
        page = selected[offset:offset + limit]
        next_cursor = str(offset + limit) if offset + limit < len(selected) else None
        body = b'{"items": [' + b", ".join(page) + b'], "nextCursor": ' + json.dumps(next_cursor).encode() + b"}"
        self.server.state.bump("pages")
        self.send_body(200, body, truncate=truncate)

    def serve_attachment(self, identifier, number, truncate):
        options, state = self.server.state.options, self.server.state
        if not re.fullmatch(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}", identifier):
            self.send_json(404, {"error": "not_found", "message": "no such attachment"})
            return
        path = os.path.join(options.export, "attachments", identifier)
        if not os.path.isfile(path):
            self.send_json(404, {"error": "not_found", "message": "no such attachment"})
            return
        with open(path, "rb") as handle:
            data = handle.read()
        state.bump("attachments")
        ranged = self.headers.get("Range")
        if ranged and options.ranges:
            match = re.fullmatch(r"bytes=(\d+)-", ranged.strip())
            first = int(match.group(1)) if match else -1
            if first < 0 or first >= len(data):
                self.send_body(416, b"", content_type="application/octet-stream",
                               headers={"Content-Range": "bytes */%d" % len(data)})
                return
            state.bump("rangeRequests")
            self.send_body(206, data[first:], content_type="application/octet-stream",
                           headers={"Content-Range": "bytes %d-%d/%d" % (first, len(data) - 1, len(data))},
                           truncate=truncate)
            return
        broken = every(options.break_downloads_every, number) and len(data) > 1
        if broken:
            state.bump("brokenDownloads")
        headers = {"Accept-Ranges": "bytes"} if options.ranges else {}
        self.send_body(200, data, content_type="application/octet-stream", headers=headers,
                       truncate=truncate or broken)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A client that timed out on a slow response has gone: nothing to report.
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export", required=True, help="the saved export to serve")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--username", default="archiver@contoso.com")
    parser.add_argument("--password-env", default="FAKE_TELEMESSAGE_PASSWORD",
                        help="the environment variable holding the accepted password (default: %(default)s)")
    parser.add_argument("--token-requests", type=int, default=0,
                        help="a token expires after this many authorized requests (0: never)")
    parser.add_argument("--fail-every", type=int, default=0, help="answer every Nth request with a 5xx")
    parser.add_argument("--fail-statuses", default="503,500,502,504", help="the 5xx statuses used in turn")
    parser.add_argument("--rate-limit-every", type=int, default=0, help="answer every Nth request with 429")
    parser.add_argument("--retry-after", type=int, default=1, help="the Retry-After of a 429, in seconds")
    parser.add_argument("--truncate-every", type=int, default=0, help="cut every Nth body in half")
    parser.add_argument("--break-downloads-every", type=int, default=0,
                        help="cut an attachment download in half when the request number is a multiple of N")
    parser.add_argument("--slow-every", type=int, default=0, help="delay every Nth request")
    parser.add_argument("--slow-seconds", type=float, default=2.0)
    parser.add_argument("--no-ranges", dest="ranges", action="store_false", help="ignore Range requests")
    parser.add_argument("--idle-timeout", type=float, default=60.0, help="stop after this long without requests")
    parser.add_argument("--stats-file", help="keep the counters of /_stats in this JSON file too")
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args()
    options.password = os.environ.get(options.password_env, "")
    options.fail_statuses = [int(status) for status in options.fail_statuses.split(",")]
    if options.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the fake server listens on a loopback address only")

    server = Server((options.host, options.port), Handler)
    server.state = State(options)
    print("PORT %d" % server.server_address[1], flush=True)

    def stop_when_idle():
        while True:
            time.sleep(0.2)
            if time.monotonic() - server.state.last_activity > options.idle_timeout:
                server.shutdown()
                return

    def stop_when_stdin_closes():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        server.shutdown()

    threading.Thread(target=stop_when_idle, daemon=True).start()
    if not sys.stdin.isatty():
        threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
