#!/usr/bin/env python3
"""A FAKE Microsoft identity platform and Microsoft Graph (Exchange Online mail) for tests. Not Microsoft's code,
not a complete Graph: it serves only the calls the Microsoft365 module makes, and it is strict about them, so that
passing it means something. Python 3 standard library only; loopback addresses only.

It follows these Microsoft documents (learn.microsoft.com):
  - identity platform, OAuth 2.0 client credentials flow (v2.0 token endpoint, .default scope, AADSTS errors)
  - graph/api/mailfolder-importmime (beta): POST .../mailFolders/{id}/importMime, Content-Type text/plain, body the
    base64 of the MIME, 201 + message with isDraft false
  - graph/api/user-post-mailfolders, graph/api/user-list-mailfolders ($filter=displayName eq '...'),
    ErrorFolderExists (409) for a second folder of the same name
  - graph/api/user-post-messages: a created message is a draft unless PR_MESSAGE_FLAGS ("Integer 0x0E07") is set
    without MSGFLAG_UNSENT (8) at creation
  - graph/api/message-post-attachments (file attachments under 3 MB),
    graph/api/attachment-createuploadsession and graph/outlook-large-attachments (3 MB to 150 MB; PUT byte ranges in
    order, Content-Range "bytes a-b/total", at most 4 MB per PUT (60 MiB on the service, the client keeps 4), no
    Authorization header on the pre-authenticated upload URL, 200 + nextExpectedRanges, 201 + Location at the end)
  - graph/query-parameters ($filter on internetMessageId, $select, $top up to 1000), graph/paging (@odata.nextLink)
  - graph/throttling and graph/throttling-limits (429 with Retry-After; Outlook: 4 concurrent requests per app per
    mailbox -> 429 ApplicationThrottled), 503 with Retry-After, 401 InvalidAuthenticationToken for an expired
    token, 403 ErrorAccessDenied, 404 for a user that does not exist
  - a request body over 4 MB is refused with 413 (the contract's request limit)

    python3 Scripts/fake-graph.py --mailbox alice@contoso.com [--mailbox ...] [options]

Prints "PORT <n>" on stdout once it listens. Stops when stdin closes, after --idle-timeout seconds without a
request, or on SIGTERM. GET /_fake/state returns every mailbox's folders and messages as JSON; GET /_fake/stats the
counters. Fault switches count Graph requests from 1 ("every N": requests N, 2N, ...).
"""

import argparse
import base64
import binascii
import hashlib
import json
import re
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MIB = 1 << 20
REQUEST_LIMIT = 4 * MIB
# The documents' "under 3 MB" / "between 3 MB and 150 MB", read the strict way: 3 MB = 3,000,000 bytes.
SMALL_ATTACHMENT_LIMIT = 3000000
SESSION_MINIMUM = 3000000
SESSION_MAXIMUM = 150 * MIB
CHUNK_UNIT = 320 * 1024
FLAGS_PROPERTY = "integer 0x0e07"


def graph_error(code, message):
    return {"error": {"code": code, "message": message, "innerError": {"request-id": secrets.token_hex(8)}}}


class Mailbox:
    def __init__(self, address):
        self.address = address
        self.folders = {}  # id -> {"id", "displayName", "parentFolderId"}
        self.messages = {}  # id -> message dict
        self.in_flight = 0
        self.max_in_flight = 0


class State:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.mailboxes = {address.lower(): Mailbox(address.lower()) for address in options.mailbox}
        self.denied = {address.lower() for address in options.denied}
        self.tokens = {}  # token -> expiry (monotonic)
        self.sessions = {}  # session id -> upload session
        self.requests = 0
        self.counter = 0
        self.stats = {"requests": 0, "tokens": 0, "rejectedTokens": 0, "expiredTokens": 0, "throttled": 0,
                      "concurrencyThrottled": 0, "unavailable": 0, "droppedAnswers": 0, "importMime": 0,
                      "createMessage": 0, "attachments": 0, "uploadSessions": 0, "uploadChunks": 0,
                      "folderLookups": 0, "folderCreates": 0, "messageLookups": 0, "messageListings": 0,
                      "deletes": 0, "patches": 0, "rejected": 0, "maxInFlightPerMailbox": 0, "maxInFlight": 0}
        self.in_flight = 0
        self.last_activity = time.monotonic()

    def new_id(self, prefix):
        self.counter += 1
        return "%s%06d%s" % (prefix, self.counter, secrets.token_hex(4))


def every(n, number):
    return n > 0 and number % n == 0


def message_id_of(mime):
    """The Message-ID header of a MIME message (unfolded), with its angle brackets, or None."""
    head = mime.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    for line in unfolded.splitlines():
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"message-id":
            return value.strip().decode("ascii", "replace")
    return None


def header_of(mime, wanted):
    head = mime.split(b"\r\n\r\n", 1)[0]
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    for line in unfolded.splitlines():
        name, _, value = line.partition(b":")
        if name.strip().lower() == wanted:
            return value.strip().decode("utf-8", "replace")
    return None


FILTER_EQ = re.compile(r"^\s*(displayName|internetMessageId)\s+eq\s+'((?:[^']|'')*)'\s*$")


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeGraph/1"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        if self.server.state.options.verbose:
            sys.stderr.write("fake-graph: " + (format % args) + "\n")

    # --- plumbing ---------------------------------------------------------------------------------------------

    def send_json(self, status, value, headers=None):
        body = json.dumps(value).encode() if value is not None else b""
        # An answer given before the request's body was read (a 429, a 401, a 404...) ends the connection: the
        # unread body would otherwise be parsed as the next request (a long base64 line came back as 414).
        unread = int(self.headers.get("Content-Length") or 0) > 0 and not self.body_was_read
        if unread:
            self.close_connection = True
        self.send_response(status)
        if unread:
            self.send_header("Connection", "close")
        if value is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, header in (headers or {}).items():
            self.send_header(name, header)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, code, message, headers=None):
        self.send_json(status, graph_error(code, message), headers)

    body_was_read = False

    def read_body(self, limit):
        """The request body, or None after answering 413 when it is longer than `limit`."""
        self.body_was_read = True
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            # Drain what the client sends so that it reads the answer, then close.
            remaining = length
            while remaining > 0:
                chunk = self.rfile.read(min(remaining, MIB))
                if not chunk:
                    break
                remaining -= len(chunk)
            self.close_connection = True
            self.error(413, "RequestEntityTooLarge", "The request body is %d bytes; the limit is %d." % (length, limit))
            return None
        return self.rfile.read(length) if length else b""

    def drop(self, status=201):
        """The write happened, its answer is lost: the status line and headers go out, then the connection is
        reset before the body (an answer cut short, as a proxy or a failing front end does)."""
        self.server.state.stats["droppedAnswers"] += 1
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "4096")
        self.end_headers()
        self.wfile.write(b'{"id": "')
        self.wfile.flush()
        try:
            self.connection.shutdown(2)
        except OSError:
            pass

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def dispatch(self, method):
        # One handler serves every request of a kept-alive connection: the flag is this request's.
        self.body_was_read = False
        state = self.server.state
        options = state.options
        url = urllib.parse.urlsplit(self.path)
        path = urllib.parse.unquote(url.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        with state.lock:
            state.last_activity = time.monotonic()
        if path == "/_fake/state":
            with state.lock:
                return self.send_json(200, self.dump())
        if path == "/_fake/stats":
            with state.lock:
                return self.send_json(200, dict(state.stats))
        if path == "/_fake/options" and method == "POST":
            # Changes fault switches while the fake runs: {"unavailable_every": 0, "fail_chunks_after": 2, ...}.
            changes = json.loads(self.read_body(REQUEST_LIMIT) or b"{}")
            with state.lock:
                for name, value in changes.items():
                    if not hasattr(options, name):
                        return self.error(400, "BadRequest", "no option %s" % name)
                    setattr(options, name, value)
            return self.send_json(200, changes)
        parts = [part for part in path.split("/") if part]
        if parts and parts[0] == "upload" and options.latency_ms > 0:
            time.sleep(options.latency_ms / 1000.0)
        if len(parts) == 4 and parts[1:] == ["oauth2", "v2.0", "token"] and method == "POST":
            return self.token(parts[0])
        if parts and parts[0] == "upload" and method == "PUT":
            return self.upload_chunk(parts, query)
        if len(parts) < 3 or parts[0] not in ("v1.0", "beta") or parts[1] != "users":
            return self.error(400, "BadRequest", "Unsupported path %s" % path)
        with state.lock:
            state.requests += 1
            number = state.requests
            state.stats["requests"] += 1
        if not self.authorized():
            return
        if every(options.throttle_every, number):
            state.stats["throttled"] += 1
            return self.error(429, "TooManyRequests", "Throttled (fault injection).",
                              {"Retry-After": str(options.retry_after)})
        if every(options.unavailable_every, number):
            state.stats["unavailable"] += 1
            return self.error(503, "ServiceUnavailable", "Unavailable (fault injection).",
                              {"Retry-After": str(options.retry_after)})
        user = parts[2].lower()
        if user in (address.lower() for address in options.redirect):
            host, port = self.server.server_address[:2]
            return self.send_json(307, None, {"Location": "http://127.0.0.2:%d%s" % (port, self.path)})
        if user in state.denied:
            return self.error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        mailbox = state.mailboxes.get(user)
        if mailbox is None:
            return self.error(404, "ErrorInvalidUser", "The requested user '%s' is invalid." % parts[2])
        with state.lock:
            if mailbox.in_flight >= options.max_in_flight:
                state.stats["concurrencyThrottled"] += 1
                throttled = True
            else:
                throttled = False
                mailbox.in_flight += 1
                state.in_flight += 1
                state.stats["maxInFlight"] = max(state.stats["maxInFlight"], state.in_flight)
                mailbox.max_in_flight = max(mailbox.max_in_flight, mailbox.in_flight)
                state.stats["maxInFlightPerMailbox"] = max(state.stats["maxInFlightPerMailbox"], mailbox.in_flight)
        if throttled:
            return self.error(429, "ApplicationThrottled", "Application is over its MailboxConcurrency limit.",
                              {"Retry-After": "1"})
        try:
            if options.latency_ms > 0:  # the service works on the request while it counts against the limit
                time.sleep(options.latency_ms / 1000.0)
            self.route(method, parts[0], parts[3:], mailbox, query, number)
        finally:
            with state.lock:
                mailbox.in_flight -= 1
                state.in_flight -= 1

    def authorized(self):
        state = self.server.state
        header = self.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            self.error(401, "InvalidAuthenticationToken", "Access token is empty.")
            return False
        with state.lock:
            expiry = state.tokens.get(header[7:])
            if expiry is not None and expiry < time.monotonic():
                state.stats["expiredTokens"] += 1
                del state.tokens[header[7:]]
                expiry = -1
        if expiry is None:
            self.error(401, "InvalidAuthenticationToken", "Access token validation failure.")
            return False
        if expiry == -1:
            self.error(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
            return False
        return True

    # --- identity platform ------------------------------------------------------------------------------------

    def token(self, tenant):
        state = self.server.state
        options = state.options
        body = self.read_body(64 * 1024)
        if body is None:
            return
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/x-www-form-urlencoded":
            return self.send_json(400, {"error": "invalid_request", "error_description": "AADSTS900144: form body"})
        form = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        if tenant != options.tenant:
            return self.send_json(400, {"error": "invalid_request",
                                        "error_description": "AADSTS90002: Tenant '%s' not found." % tenant})
        if form.get("grant_type") != "client_credentials":
            return self.send_json(400, {"error": "unsupported_grant_type", "error_description": "AADSTS70003"})
        expected_scope = "http://%s:%d/.default" % self.server.server_address[:2]
        if form.get("scope") not in (expected_scope, "https://graph.microsoft.com/.default"):
            return self.send_json(400, {"error": "invalid_scope",
                                        "error_description": "AADSTS1002012: scope %r is not valid." % form.get("scope")})
        if form.get("client_id") != options.client_id:
            state.stats["rejectedTokens"] += 1
            return self.send_json(400, {"error": "unauthorized_client",
                                        "error_description": "AADSTS700016: Application not found in the directory."})
        if form.get("client_secret") != options.secret:
            state.stats["rejectedTokens"] += 1
            return self.send_json(401, {"error": "invalid_client",
                                        "error_description": "AADSTS7000215: Invalid client secret provided."})
        payload = {"aud": "https://graph.microsoft.com", "tid": tenant, "appid": options.client_id,
                   "roles": [role for role in options.roles.split(",") if role], "exp": int(time.time()) + options.token_lifetime}
        encode = lambda value: base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()
        token = "%s.%s.%s" % (encode({"typ": "JWT", "alg": "none"}), encode(payload), secrets.token_urlsafe(16))
        with state.lock:
            state.tokens[token] = time.monotonic() + options.token_lifetime
            state.stats["tokens"] += 1
        self.send_json(200, {"token_type": "Bearer", "expires_in": options.token_lifetime,
                             "ext_expires_in": options.token_lifetime, "access_token": token})

    # --- Graph ------------------------------------------------------------------------------------------------

    def route(self, method, version, rest, mailbox, query, number):
        # rest: path after /users/{u}
        if rest == ["mailFolders"] and method == "GET" and version == "v1.0":
            return self.list_folders(mailbox, query)
        if rest == ["mailFolders"] and method == "POST" and version == "v1.0":
            return self.create_folder(mailbox)
        if len(rest) == 3 and rest[0] == "mailFolders" and rest[2] == "importMime" and method == "POST":
            if version != "beta":
                return self.error(400, "BadRequest", "Resource not found for the segment 'importMime' in v1.0.")
            return self.import_mime(mailbox, rest[1], number)
        if len(rest) == 3 and rest[0] == "mailFolders" and rest[2] == "messages":
            if method == "GET":
                return self.list_messages(mailbox, rest[1], query)
            if method == "POST":
                return self.create_message(mailbox, rest[1], number)
        if len(rest) == 2 and rest[0] == "messages" and method == "DELETE":
            return self.delete_message(mailbox, rest[1])
        if len(rest) == 2 and rest[0] == "messages" and method == "PATCH":
            return self.patch_message(mailbox, rest[1])
        if len(rest) == 3 and rest[0] == "messages" and rest[2] == "attachments":
            if method == "POST":
                return self.add_attachment(mailbox, rest[1], number)
            if method == "GET":
                return self.list_attachments(mailbox, rest[1])
        if len(rest) == 4 and rest[0] == "messages" and rest[2:] == ["attachments", "createUploadSession"]:
            return self.create_session(mailbox, rest[1])
        return self.error(400, "BadRequest", "Unsupported request %s %s" % (method, "/".join(rest)))

    def parse_filter(self, query, allowed):
        text = query.get("$filter")
        if text is None:
            return None, None
        match = FILTER_EQ.match(text)
        if not match or match.group(1) != allowed:
            self.error(400, "ErrorInvalidUrlQueryFilter", "The $filter %r is not supported." % text)
            return False, None
        return match.group(1), match.group(2).replace("''", "'")

    def list_folders(self, mailbox, query):
        self.server.state.stats["folderLookups"] += 1
        field, value = self.parse_filter(query, "displayName")
        if field is False:
            return
        with self.server.state.lock:
            folders = [folder for folder in mailbox.folders.values()
                       if field is None or folder["displayName"].lower() == value.lower()]
        self.send_json(200, {"value": folders})

    def create_folder(self, mailbox):
        state = self.server.state
        body = self.read_body(REQUEST_LIMIT)
        if body is None:
            return
        try:
            request = json.loads(body)
            name = request["displayName"]
            assert isinstance(name, str) and name
        except (ValueError, KeyError, AssertionError, TypeError):
            return self.error(400, "ErrorInvalidRequest", "displayName is required.")
        state.stats["folderCreates"] += 1
        with state.lock:
            if any(folder["displayName"].lower() == name.lower() for folder in mailbox.folders.values()):
                exists = True
            else:
                exists = False
                folder = {"id": state.new_id("AAMkFolder"), "displayName": name, "parentFolderId": "msgfolderroot",
                          "childFolderCount": 0, "totalItemCount": 0, "unreadItemCount": 0}
                mailbox.folders[folder["id"]] = folder
        if exists:
            return self.error(409, "ErrorFolderExists", "A folder with the specified name already exists.")
        self.send_json(201, folder)

    def folder_or_error(self, mailbox, folder_id):
        if folder_id not in mailbox.folders:
            self.error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
            return None
        return mailbox.folders[folder_id]

    def public(self, message, select=None):
        fields = {key: value for key, value in message.items() if not key.startswith("_")}
        if select:
            wanted = set(select.split(",")) | {"id"}
            fields = {key: value for key, value in fields.items() if key in wanted}
        return fields

    def import_mime(self, mailbox, folder_id, number):
        state = self.server.state
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "text/plain":
            self.read_body(REQUEST_LIMIT)
            return self.error(415, "UnsupportedMediaType", "importMime takes Content-Type text/plain.")
        body = self.read_body(REQUEST_LIMIT)
        if body is None:
            return
        try:
            mime = base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            return self.error(400, "ErrorMimeContentInvalidBase64String", "The MIME content is not valid base64.")
        internet_id = message_id_of(mime)
        if not internet_id or b"\r\n\r\n" not in mime:
            return self.error(400, "ErrorMimeContentInvalid", "The MIME content is not a valid message.")
        if state.options.reject_containing and state.options.reject_containing.encode() in mime:
            state.stats["rejected"] += 1
            return self.error(400, "ErrorMimeContentConversionFailed", "The MIME content could not be converted.")
        with state.lock:
            if self.folder_or_error(mailbox, folder_id) is None:
                return
            message = {"id": state.new_id("AAMkMsg"), "parentFolderId": folder_id, "internetMessageId": internet_id,
                       "subject": header_of(mime, b"subject") or "", "isDraft": False, "hasAttachments": b"Content-Disposition: attachment" in mime,
                       "_source": "importMime", "_size": len(mime), "_itemId": header_of(mime, b"x-telemessage-item-id"), "_sha256": hashlib.sha256(mime).hexdigest(),
                       "_attachments": [], "_properties": {}}
            mailbox.messages[message["id"]] = message
            state.stats["importMime"] += 1
        if every(state.options.drop_every, number):
            return self.drop()
        self.send_json(201, self.public(message))

    def create_message(self, mailbox, folder_id, number):
        state = self.server.state
        body = self.read_body(REQUEST_LIMIT)
        if body is None:
            return
        try:
            request = json.loads(body)
            assert isinstance(request, dict)
        except (ValueError, AssertionError):
            return self.error(400, "ErrorInvalidRequest", "The body is not a JSON object.")
        properties = {}
        for entry in request.get("singleValueExtendedProperties") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                return self.error(400, "ErrorInvalidExtendedProperty", "An extended property value must be a string.")
            properties[str(entry.get("id")).lower()] = entry["value"]
        flags = properties.get(FLAGS_PROPERTY)
        if flags is not None and not flags.isdigit():
            return self.error(400, "ErrorInvalidExtendedPropertyValue", "Integer 0x0E07 takes an integer.")
        is_draft = flags is None or (int(flags) & 8) != 0
        headers = request.get("internetMessageHeaders") or []
        if not isinstance(headers, list) or len(headers) > 5 or not all(
                isinstance(h, dict) and str(h.get("name", "")).lower().startswith("x-") for h in headers):
            return self.error(400, "InvalidInternetMessageHeader", "At most 5 custom headers, each named x-...")
        item_id = next((h.get("value") for h in headers if str(h.get("name")).lower() == "x-telemessage-item-id"), None)
        internet_id = request.get("internetMessageId")
        if internet_id is not None and not (isinstance(internet_id, str) and internet_id.startswith("<")
                                            and internet_id.endswith(">")):
            return self.error(400, "ErrorInvalidInternetMessageId", "internetMessageId must be <...>.")
        with state.lock:
            if self.folder_or_error(mailbox, folder_id) is None:
                return
            message = {"id": state.new_id("AAMkMsg"), "parentFolderId": folder_id, "internetMessageId": internet_id,
                       "subject": request.get("subject", ""), "isDraft": is_draft, "hasAttachments": False,
                       "_source": "messages", "_size": len(body), "_itemId": item_id, "_sha256": hashlib.sha256(body).hexdigest(),
                       "_body": (request.get("body") or {}).get("content", ""), "_attachments": [],
                       "_properties": properties}
            mailbox.messages[message["id"]] = message
            state.stats["createMessage"] += 1
        if every(state.options.drop_every, number):
            return self.drop()
        self.send_json(201, self.public(message))

    def message_or_error(self, mailbox, message_id):
        message = mailbox.messages.get(message_id)
        if message is None:
            self.error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return message

    def delete_message(self, mailbox, message_id):
        state = self.server.state
        with state.lock:
            if self.message_or_error(mailbox, message_id) is None:
                return
            del mailbox.messages[message_id]
            state.stats["deletes"] += 1
        self.send_json(204, None)

    def patch_message(self, mailbox, message_id):
        state = self.server.state
        body = self.read_body(REQUEST_LIMIT)
        if body is None:
            return
        try:
            request = json.loads(body)
            entries = request.get("singleValueExtendedProperties") or []
        except (ValueError, AttributeError):
            return self.error(400, "ErrorInvalidRequest", "The body is not a JSON object.")
        with state.lock:
            message = self.message_or_error(mailbox, message_id)
            if message is None:
                return
            for entry in entries:
                key = str(entry.get("id")).lower()
                if key == FLAGS_PROPERTY:
                    return self.error(400, "ErrorInvalidPropertyUpdateSentMessage",
                                      "PR_MESSAGE_FLAGS can be set at creation only.")
                message["_properties"][key] = str(entry.get("value"))
            state.stats["patches"] += 1
        self.send_json(200, self.public(message))

    def add_attachment(self, mailbox, message_id, number):
        state = self.server.state
        body = self.read_body(REQUEST_LIMIT)
        if body is None:
            return
        try:
            request = json.loads(body)
            assert request.get("@odata.type") == "#microsoft.graph.fileAttachment"
            content = base64.b64decode(request["contentBytes"], validate=True)
            name = request["name"]
        except (ValueError, AssertionError, KeyError, binascii.Error, AttributeError):
            return self.error(400, "ErrorInvalidRequest", "A fileAttachment with name and contentBytes is required.")
        if len(content) >= SMALL_ATTACHMENT_LIMIT:
            return self.error(400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
                              "Use an upload session for attachments of 3 MB or more.")
        with state.lock:
            message = self.message_or_error(mailbox, message_id)
            if message is None:
                return
            attachment = {"id": state.new_id("AAMkAtt"), "name": name, "size": len(content),
                          "contentType": request.get("contentType"), "sha256": hashlib.sha256(content).hexdigest()}
            message["_attachments"].append(attachment)
            message["hasAttachments"] = True
            state.stats["attachments"] += 1
        if every(state.options.drop_every, number):
            return self.drop()
        self.send_json(201, attachment)

    def list_attachments(self, mailbox, message_id):
        with self.server.state.lock:
            message = self.message_or_error(mailbox, message_id)
            if message is None:
                return
            value = [{"id": att["id"], "name": att["name"], "size": att["size"]} for att in message["_attachments"]]
        self.send_json(200, {"value": value})

    def create_session(self, mailbox, message_id):
        state = self.server.state
        body = self.read_body(REQUEST_LIMIT)
        if body is None:
            return
        try:
            item = json.loads(body)["AttachmentItem"]
            size = item["size"]
            assert item.get("attachmentType") == "file" and isinstance(item.get("name"), str)
            assert isinstance(size, int) and size >= 0
        except (ValueError, KeyError, AssertionError, TypeError):
            return self.error(400, "ErrorInvalidRequest", "AttachmentItem with attachmentType, name, size required.")
        if size > SESSION_MAXIMUM:
            return self.error(400, "ErrorAttachmentSizeTooLarge", "The attachment is over 150 MB.")
        if size < SESSION_MINIMUM:
            return self.error(400, "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
                              "Attachments under 3 MB are posted directly.")
        with state.lock:
            if self.message_or_error(mailbox, message_id) is None:
                return
            session = state.new_id("S")
            token = secrets.token_urlsafe(12)
            state.sessions[session] = {"mailbox": mailbox, "message": message_id, "name": item["name"],
                                       "contentType": item.get("contentType"), "size": size, "next": 0,
                                       "token": token, "hash": hashlib.sha256()}
            state.stats["uploadSessions"] += 1
        host, port = self.server.server_address[:2]
        self.send_json(201, {"uploadUrl": "http://%s:%d/upload/%s?authtoken=%s" % (host, port, session, token),
                             "expirationDateTime": "2099-01-01T00:00:00Z", "nextExpectedRanges": ["0-"]})

    def upload_chunk(self, parts, query):
        state = self.server.state
        session_id = parts[1] if len(parts) == 2 else None
        with state.lock:
            session = state.sessions.get(session_id)
        if self.headers.get("Authorization"):
            self.read_body(REQUEST_LIMIT)
            return self.error(401, "InvalidAuthenticationToken",
                              "Do not send an Authorization header to a pre-authenticated upload URL.")
        if session is None or query.get("authtoken") != session["token"]:
            self.read_body(REQUEST_LIMIT)
            return self.error(404, "ErrorItemNotFound", "The upload session does not exist.")
        match = re.match(r"^bytes (\d+)-(\d+)/(\d+)$", self.headers.get("Content-Range") or "")
        length = int(self.headers.get("Content-Length") or -1)
        if not match:
            self.read_body(REQUEST_LIMIT)
            return self.error(400, "InvalidContentRange", "Content-Range bytes a-b/total is required.")
        start, end, total = (int(value) for value in match.groups())
        if (total != session["size"] or start != session["next"] or end < start or end >= total
                or length != end - start + 1):
            self.read_body(REQUEST_LIMIT)
            return self.error(416, "InvalidRange", "Expected bytes %d- of %d." % (session["next"], session["size"]))
        if end + 1 < total and length % CHUNK_UNIT != 0:
            self.read_body(REQUEST_LIMIT)
            return self.error(400, "InvalidChunkSize", "A chunk but the last must be a multiple of 320 KiB.")
        if state.options.fail_chunks_after >= 0 and state.stats["uploadChunks"] >= state.options.fail_chunks_after:
            self.read_body(REQUEST_LIMIT)
            return self.error(500, "InternalServerError", "Upload failed (fault injection).",
                              {"Retry-After": str(state.options.retry_after)})
        body = self.read_body(REQUEST_LIMIT)
        if body is None:
            return
        if len(body) != length:
            return self.error(400, "IncompleteBody", "The body is shorter than Content-Length.")
        with state.lock:
            session["hash"].update(body)
            session["next"] = end + 1
            state.stats["uploadChunks"] += 1
            if session["next"] < total:
                return self.send_json(200, {"expirationDateTime": "2099-01-01T00:00:00Z",
                                            "nextExpectedRanges": ["%d-" % session["next"]]})
            del state.sessions[session_id]
            message = session["mailbox"].messages.get(session["message"])
            if message is None:
                return self.error(404, "ErrorItemNotFound", "The message is gone.")
            attachment = {"id": state.new_id("AAMkAtt"), "name": session["name"], "size": total,
                          "contentType": session["contentType"], "sha256": session["hash"].hexdigest()}
            message["_attachments"].append(attachment)
            message["hasAttachments"] = True
        host, port = self.server.server_address[:2]
        self.send_json(201, None, {"Location": "http://%s:%d/attachments/%s" % (host, port, attachment["id"])})

    def list_messages(self, mailbox, folder_id, query):
        state = self.server.state
        field, value = self.parse_filter(query, "internetMessageId")
        if field is False:
            return
        try:
            top = min(int(query.get("$top", "10")), state.options.page_size)
            skip = int(query.get("$skiptoken", "0"))
        except ValueError:
            return self.error(400, "ErrorInvalidUrlQuery", "$top and $skiptoken are numbers.")
        if not 1 <= int(query.get("$top", "10")) <= 1000:
            return self.error(400, "ErrorInvalidUrlQuery", "$top must be between 1 and 1000.")
        expand = query.get("$expand")
        with state.lock:
            if self.folder_or_error(mailbox, folder_id) is None:
                return
            matching = [message for message in mailbox.messages.values() if message["parentFolderId"] == folder_id
                        and (field is None or message["internetMessageId"] == value)]
            page = matching[skip:skip + top]
            values = []
            for message in page:
                entry = self.public(message, query.get("$select"))
                if expand:
                    wanted = re.findall(r"id eq '([^']*)'", expand)
                    entry["singleValueExtendedProperties"] = [
                        {"id": key, "value": message["_properties"][key.lower()]}
                        for key in wanted if key.lower() in message["_properties"]]
                values.append(entry)
            state.stats["messageLookups" if field else "messageListings"] += 1
        result = {"value": values}
        if skip + top < len(matching):
            next_query = dict(query)
            next_query["$skiptoken"] = str(skip + top)
            host, port = self.server.server_address[:2]
            result["@odata.nextLink"] = "http://%s:%d%s?%s" % (
                host, port, urllib.parse.urlsplit(self.path).path, urllib.parse.urlencode(next_query))
        self.send_json(200, result)

    def dump(self):
        state = self.server.state
        mailboxes = {}
        for address, mailbox in state.mailboxes.items():
            mailboxes[address] = {
                "folders": list(mailbox.folders.values()),
                "maxInFlight": mailbox.max_in_flight,
                "messages": [dict(self.public(message), source=message["_source"], size=message["_size"],
                                  sha256=message["_sha256"], attachments=message["_attachments"],
                                  properties=message["_properties"], body=message.get("_body"),
                                  itemId=message.get("_itemId"))
                             for message in mailbox.messages.values()],
            }
        return {"mailboxes": mailboxes, "stats": dict(state.stats), "openSessions": len(state.sessions)}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        # A client killed mid-request (the crash loop does it on purpose) is no error of the fake's.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)) and not self.state.options.verbose:
            return
        super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed on stdout)")
    parser.add_argument("--tenant", default="contoso.onmicrosoft.com")
    parser.add_argument("--client-id", default="11111111-2222-3333-4444-555555555555")
    parser.add_argument("--secret-env", default="FAKE_GRAPH_SECRET", help="the variable holding the client secret")
    parser.add_argument("--roles", default="Mail.ReadWrite,Mail-Advanced.ReadWrite.All",
                        help="the roles claim of the tokens issued, comma-separated")
    parser.add_argument("--mailbox", action="append", default=[], help="a mailbox that exists (repeatable)")
    parser.add_argument("--denied", action="append", default=[], help="a mailbox the app may not open (403)")
    parser.add_argument("--redirect", action="append", default=[],
                        help="a mailbox whose every request is redirected (307) to another address")
    parser.add_argument("--token-lifetime", type=int, default=3599, help="seconds a token is valid")
    parser.add_argument("--max-in-flight", type=int, default=4, help="concurrent requests per mailbox before 429")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay every request by this long")
    parser.add_argument("--throttle-every", type=int, default=0, help="answer every Nth Graph request with 429")
    parser.add_argument("--unavailable-every", type=int, default=0, help="answer every Nth Graph request with 503")
    parser.add_argument("--retry-after", type=int, default=1, help="the Retry-After of injected 429 and 503")
    parser.add_argument("--drop-every", type=int, default=0,
                        help="store every Nth write, then close the connection without an answer")
    parser.add_argument("--page-size", type=int, default=1000, help="the most messages on one page of a listing")
    parser.add_argument("--fail-chunks-after", type=int, default=-1,
                        help="answer 500 to every upload PUT once this many chunks were taken (-1: never)")
    parser.add_argument("--reject-containing", help="answer 400 to importMime of a MIME containing this text")
    parser.add_argument("--idle-timeout", type=float, default=120.0, help="stop after this long without requests")
    parser.add_argument("--verbose", action="store_true")
    options = parser.parse_args()
    import os
    options.secret = os.environ.get(options.secret_env, "")
    if not options.secret:
        parser.error("set the client secret in %s" % options.secret_env)
    if options.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the fake listens on a loopback address only")

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
