#!/usr/bin/env bash
# The fake TeleMessage server (Scripts/fake-telemessage.py) speaks the HTTP binding of telemessage-export.md:
# checked here with Python's own HTTP client, independently of the Swift transport that the tests run against it.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v python3 >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq python3 >/dev/null
fi
python3 -m py_compile Scripts/fake-telemessage.py

FAKE_TELEMESSAGE_PASSWORD=ci-secret python3 - <<'PY'
import hashlib, json, os, subprocess, sys, urllib.error, urllib.request

export = "Tests/Fixtures/TeleMessage/export"
server = subprocess.Popen(
    [sys.executable, "Scripts/fake-telemessage.py", "--export", export, "--username", "ci", "--idle-timeout", "30"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE)
try:
    port = int(server.stdout.readline().decode().split()[1])
    base = "http://127.0.0.1:%d" % port

    def call(path, body=None, token=None, headers=None):
        request = urllib.request.Request(base + path, data=None if body is None else json.dumps(body).encode())
        if body is not None:
            request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request) as response:
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers

    status, body, _ = call("/api/v1/auth/token", {"username": "ci", "password": "wrong"})
    assert status == 401 and json.loads(body)["error"] == "invalid_credentials", (status, body)
    status, body, _ = call("/api/v1/auth/token", {"username": "ci", "password": "ci-secret"})
    assert status == 200, status
    answer = json.loads(body)
    assert answer["tokenType"] == "Bearer" and answer["expiresIn"] > 0
    token = answer["accessToken"]

    status, _, _ = call("/api/v1/archive/items?from=2026-11-23T00:00:00Z&until=2026-11-24T00:00:00Z&limit=5")
    assert status == 401, "a request without a token is refused"
    status, _, _ = call("/api/v1/archive/items?from=x&until=2026-11-24T00:00:00Z&limit=5", token=token)
    assert status == 400

    ids, cursor = [], None
    while True:
        query = "from=2026-11-23T00:00:00Z&until=2026-11-24T00:00:00Z&limit=5" + ("&cursor=" + cursor if cursor else "")
        status, body, _ = call("/api/v1/archive/items?" + query, token=token)
        assert status == 200, status
        page = json.loads(body)
        ids += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
    assert "wa-before" not in ids and "wa-after" not in ids and ids[0] == "wa-001", ids

    with open(os.path.join(export, "attachments", "att-offer.pdf"), "rb") as handle:
        offer = handle.read()
    status, body, headers = call("/api/v1/archive/attachments/att-offer.pdf", token=token)
    assert status == 200 and hashlib.sha256(body).digest() == hashlib.sha256(offer).digest()
    assert int(headers["Content-Length"]) == len(offer)
    status, body, headers = call("/api/v1/archive/attachments/att-offer.pdf", token=token, headers={"Range": "bytes=100-"})
    assert status == 206 and body == offer[100:], status
    assert headers["Content-Range"] == "bytes 100-%d/%d" % (len(offer) - 1, len(offer))
    status, _, _ = call("/api/v1/archive/attachments/att-gone", token=token)
    assert status == 404
    print("fake TeleMessage server: sign-in, paging, window, attachments, Range and 404 behave as specified")
finally:
    server.stdin.close()
    server.wait(timeout=10)
PY
