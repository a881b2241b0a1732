#!/usr/bin/env python3
"""The chat-export benchmark's peer: chat-miner's WhatsAppParser on the same file. Prints one JSON object with the
seconds its parse_file() took, the messages it found, and its peak resident memory."""
import contextlib
import io
import json
import logging
import resource
import sys
import time

logging.disable(logging.CRITICAL)
from chatminer.chatparsers import WhatsAppParser  # noqa: E402

path = sys.argv[1]
start = time.perf_counter()
cpu_start = time.process_time()
parser = WhatsAppParser(path)
parser._logger.disabled = True
with contextlib.redirect_stderr(io.StringIO()):
    parser.parse_file()
seconds = time.perf_counter() - start
cpu_seconds = time.process_time() - cpu_start
messages = len(parser.parsed_messages.get_df(as_pandas=True))
with open(path, encoding="utf-8") as f:
    lines = sum(1 for _ in f)
print(json.dumps({
    "mode": "chat-miner", "seconds": seconds, "cpuSeconds": cpu_seconds, "lines": lines, "items": messages,
    "linesPerSecond": lines / seconds, "peakResidentMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
