"""A small stdlib HTTP server honouring the bench-agent contract of docs/bench-agent.md.

Run as a script (the tests start and kill it as a separate process):

    python contract_server.py --store readings.sqlite3 --token T [--port 0] [--die-after-store N]

It prints ``LISTENING <port>`` once ready.  Readings are stored in SQLite keyed by idempotency key, so a
restarted server still recognises duplicates.  ``--die-after-store N`` makes the process exit abruptly on the
N-th request *after* committing the readings but *before* replying: the worst moment for the client.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

PATH_RE = re.compile(r"/api/v1/jobs/(?P<job>[^/]+)/points/(?P<point>[^/]+)/readings")
REQUIRED = ("idempotency_key", "value", "unit", "stable", "seq", "time", "raw", "instrument")
KNOWN_JOBS = {"J-2026-0042": {"P1", "P2"}}


class Store:
    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS reading (idempotency_key TEXT PRIMARY KEY, job TEXT, "
            "point TEXT, body TEXT)"
        )

    def add(self, job: str, point: str, readings: list[dict]) -> tuple[list[str], list[str]]:
        accepted, duplicates = [], []
        self.db.execute("BEGIN IMMEDIATE")
        for reading in readings:
            key = reading["idempotency_key"]
            cursor = self.db.execute(
                "INSERT OR IGNORE INTO reading VALUES (?, ?, ?, ?)",
                (key, job, point, json.dumps(reading, sort_keys=True)),
            )
            (accepted if cursor.rowcount else duplicates).append(key)
        self.db.execute("COMMIT")
        return accepted, duplicates


def make_handler(store: Store, token: str, die_after: int | None) -> type[BaseHTTPRequestHandler]:
    state = {"requests": 0}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
            return

        def reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            match = PATH_RE.fullmatch(self.path)
            if match is None:
                return self.reply(404, {"error": "no such endpoint"})
            if self.headers.get("Authorization") != f"Bearer {token}":
                return self.reply(401, {"error": "invalid bench token"})
            job, point = unquote(match["job"]), unquote(match["point"])
            if point not in KNOWN_JOBS.get(job, set()):
                return self.reply(404, {"error": f"job {job} has no test point {point}"})
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                readings = body["readings"]
            except (ValueError, KeyError, TypeError):
                return self.reply(400, {"error": 'body must be {"readings": [...]}'})
            good, rejected = [], []
            for reading in readings:
                missing = [k for k in REQUIRED if k not in reading]
                if missing:
                    rejected.append(
                        {
                            "idempotency_key": reading.get("idempotency_key"),
                            "error": f"missing {', '.join(missing)}",
                        }
                    )
                else:
                    good.append(reading)
            accepted, duplicates = store.add(job, point, good)
            state["requests"] += 1
            if die_after is not None and state["requests"] >= die_after:
                os._exit(17)  # committed, but the client never hears about it
            return self.reply(200, {"accepted": accepted, "duplicates": duplicates, "rejected": rejected})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--die-after-store", type=int)
    args = parser.parse_args()
    server = ThreadingHTTPServer(
        ("127.0.0.1", args.port), make_handler(Store(args.store), args.token, args.die_after_store)
    )
    print(f"LISTENING {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
