"""Load test: 20 concurrent users against gunicorn on PostgreSQL, on the ``lims demo --scale N`` data set.

    .venv/bin/python bench/load.py --instruments 10000 [--url postgresql+psycopg://postgres@127.0.0.1:5432/lims_load]
                                   [--workers 4] [--users 20] [--seconds 60] [--keep]

1. (Re)creates the database named in ``--url`` (default ``lims_load``), upgrades it and runs
   ``lims demo --scale N`` in it (``--keep`` reuses a database already generated with the same N).
2. Starts ``gunicorn -w WORKERS wsgi:app`` on 127.0.0.1 with that database.
3. Runs the driver in a second process (``bench/load.py drive``): USERS threads, each with its own session
   cookie, logged in through ``/login`` with the CSRF token. A quarter are customers of generated
   enterprises, one is the administrator, the rest are lab technicians (``ktv.lan``/``ktv.minh``), each
   owning one in-progress job. For SECONDS they loop over their pages without think time:

   technician: dashboard ``/``, instrument search ``/instruments/?q=…`` (a maker or model, then one exact
   serial number: a search that matches one row among all), job list ``/jobs/``, bench save
   (POST point 0 of its own job, as ``bench.js`` does: form + CSRF + job version + ``X-Requested-With``),
   certificate download, public verification ``/verify/<number>``, API read;
   customer: dashboard, portal list ``/portal/``, portal search, due list ``/portal/due/90``, API read;
   administrator: dashboard (its tiles: requests waiting, unassigned and overdue jobs, certificates of the last
   30 days, enterprises, audit entries), instrument search.

   Certificate download, verification and API routes are given as templates (``--certificate-url``,
   ``--verify-url``, ``--api-url``) because they are built on other branches; a 404 on those is reported
   as "route missing", not timed.
4. Prints throughput and p50/p95/p99 per endpoint and the error count, as a Markdown table.

The driver runs on the same two-core machine as the server, so the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import http.cookiejar
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PASSWORD = "Demo@Lims2026!"
OPTIONAL = ("certificate", "verify", "api")


class _PointForm(HTMLParser):
    """The fields of the bench page's form for one point (what bench.js posts)."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "") == self.action
        elif tag == "input" and self.inside and a.get("name") and a.get("type") != "checkbox":
            self.fields[a["name"] or ""] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


class _From(urllib.request.HTTPHandler):
    """Connections from one loopback address per user (127.0.0.0/8 is all loopback on Linux): twenty users
    are twenty machines, so the public pages' per-address rate limits count each user, as in real use."""

    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        connect = functools.partial(http.client.HTTPConnection, source_address=(self.address, 0))
        return self.do_open(connect, req)


class Client:
    def __init__(self, base: str, username: str, token: str = "", address: str = "127.0.0.1") -> None:
        self.base, self.username, self.token = base, username, token
        self.handler = _From(address)
        self.opener = urllib.request.build_opener(
            self.handler, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except OSError as exc:  # timeout, connection refused or reset: counted as an error, the user goes on
            return 0, str(exc)

    def api(self, path: str) -> tuple[int, str]:
        """A JSON API read with this user's own bearer token (no cookie: the API does not take sessions)."""
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.build_opener(self.handler).open(request, timeout=60) as response:
                return response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            return exc.code, ""
        except OSError as exc:
            return 0, str(exc)

    def post(self, path: str, form: dict[str, str], headers: dict[str, str] | None = None) -> tuple[int, Any]:
        request = urllib.request.Request(
            self.base + path, urllib.parse.urlencode(form).encode(), headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                response.read()
                return response.status, response.headers
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers
        except OSError:
            return 0, None

    def login(self) -> None:
        status, page = self.get("/login")
        token = TOKEN.search(page)
        assert status == 200 and token, f"no login form ({status})"
        status, _ = self.post(
            "/login", {"csrf_token": token.group(1), "username": self.username, "password": PASSWORD}
        )
        status, page = self.get("/")
        assert status == 200 and "/logout" in page, f"login of {self.username} failed"


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.missing: dict[str, int] = defaultdict(int)
        self.timed_from = float("inf")
        self.think = 0.0

    def timed(self, name: str, call: Any, *args: Any, ok: tuple[int, ...] = (200,)) -> Any:
        started = time.perf_counter()
        status, body = call(*args)
        ms = (time.perf_counter() - started) * 1000
        if self.think:  # a person reads the page before the next click: exponential, mean THINK seconds
            time.sleep(random.expovariate(1 / self.think))
        if started < self.timed_from:
            return status, body
        with self.lock:
            if status in ok:
                self.times[name].append(ms)
            elif status == 404 and name in OPTIONAL:
                self.missing[name] += 1
            else:
                self.errors[f"{name} {status}"] += 1
        return status, body


def drive(args: argparse.Namespace) -> None:
    """The client process: log every user in, then loop until the time is up; print JSON."""
    setup = json.loads(Path(args.setup).read_text())
    stats = Stats()
    stats.think = args.think
    deadline = [0.0, 0.0]  # end, start: set once every user is logged in, before any is released

    def go() -> None:
        # The first WARMUP seconds are not timed: each gunicorn worker pays once for its imports, unit
        # registry and template compilation (a worker's first point save takes seconds).
        deadline[1] = stats.timed_from = time.perf_counter() + args.warmup
        deadline[0] = deadline[1] + args.seconds

    start_barrier = threading.Barrier(args.users + 1, action=go)

    def technician(n: int) -> None:
        job = setup["jobs"][n % len(setup["jobs"])]
        client = Client(args.base, job["technician"], setup["tokens"][n], f"127.0.0.{n + 2}")
        client.login()
        rng = random.Random(n)
        action = f"/jobs/{job['id']}/points/0"
        _status, page = client.get(f"/jobs/{job['id']}/bench")
        form = _PointForm(action)
        form.feed(page)
        fields = form.fields
        assert "version" in fields, f"no bench form for job {job['id']}"
        start_barrier.wait()
        while time.perf_counter() < deadline[0]:
            stats.timed("dashboard", client.get, "/")
            term = rng.choice(setup["search_terms"])
            stats.timed("instrument search", client.get, f"/instruments/?q={urllib.parse.quote(term)}")
            serial = rng.choice(setup["serials"])
            stats.timed(
                "instrument search (serial)", client.get, f"/instruments/?q={urllib.parse.quote(serial)}"
            )
            stats.timed("job list", client.get, "/jobs/")
            _status, headers = stats.timed(
                "bench save", client.post, action, fields, {"X-Requested-With": "fetch"}
            )
            if headers is not None and headers.get("X-Job-Version"):
                fields["version"] = headers["X-Job-Version"]
            cert = rng.choice(setup["certificates"])
            stats.timed("certificate", client.get, args.certificate_url.format(**cert))
            stats.timed("verify", client.get, args.verify_url.format(**cert))
            stats.timed("api", client.api, args.api_url)

    def customer(n: int) -> None:
        client = Client(
            args.base, setup["customers"][n % len(setup["customers"])], setup["tokens"][n], f"127.0.0.{n + 2}"
        )
        client.login()
        rng = random.Random(1000 + n)
        start_barrier.wait()
        while time.perf_counter() < deadline[0]:
            stats.timed("dashboard (customer)", client.get, "/")
            stats.timed("portal list", client.get, "/portal/")
            term = rng.choice(setup["search_terms"])
            stats.timed("portal search", client.get, f"/portal/?q={urllib.parse.quote(term)}")
            stats.timed("due list", client.get, "/portal/due/90")
            stats.timed("api", client.api, args.api_url)

    def admin(n: int) -> None:
        client = Client(args.base, "admin", setup["tokens"][n], f"127.0.0.{n + 2}")
        client.login()
        rng = random.Random(2000 + n)
        start_barrier.wait()
        while time.perf_counter() < deadline[0]:
            stats.timed("dashboard (admin)", client.get, "/")
            term = rng.choice(setup["search_terms"])
            stats.timed("instrument search", client.get, f"/instruments/?q={urllib.parse.quote(term)}")
            stats.timed("api", client.api, args.api_url)

    customers = args.users // 4
    roles = [customer] * customers + [admin] + [technician] * (args.users - customers - 1)
    threads = [threading.Thread(target=role, args=(n,), daemon=True) for n, role in enumerate(roles)]
    for t in threads:
        t.start()
    start_barrier.wait()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - deadline[1]
    print(
        json.dumps(
            {"elapsed": elapsed, "times": stats.times, "errors": stats.errors, "missing": stats.missing}
        )
    )


def _url_with_db(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def prepare(args: argparse.Namespace, env: dict[str, str]) -> None:
    from sqlalchemy import create_engine, text

    name = urllib.parse.urlsplit(args.url).path.lstrip("/")
    admin = create_engine(_url_with_db(args.url, "postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    lims = str(Path(sys.executable).with_name("lims"))
    subprocess.run([lims, "db", "upgrade"], env=env, check=True, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    subprocess.run([lims, "demo", "--scale", str(args.instruments), "--json"], env=env, check=True)
    print(
        f"generated {args.instruments} instruments in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )


def setup_file(args: argparse.Namespace, path: Path) -> None:
    """What the users work on: in-progress jobs and their technicians, customers, certificates, search terms."""
    from sqlalchemy import create_engine, text

    engine = create_engine(args.url)
    with engine.connect() as conn:
        jobs = [
            {"id": r.id, "technician": r.username}
            for r in conn.execute(
                text(
                    "SELECT j.id, u.username FROM job j JOIN user_account u ON u.id = j.technician_id "
                    # Calibrations: a verification is saved only by an officer whose card covers the
                    # instrument type (legal verification), which the generated jobs do not check.
                    "WHERE j.state = 'in_progress' AND j.kind = 'calibration' "
                    "AND u.username IN ('ktv.lan', 'ktv.minh') "
                    "AND EXISTS (SELECT 1 FROM measurement m WHERE m.job_id = j.id AND m.point_index = 0) "
                    "ORDER BY j.id DESC LIMIT :n"
                ),
                {"n": args.users},
            )
        ]
        customers = [
            r[0]
            for r in conn.execute(
                text("SELECT username FROM user_account WHERE username LIKE 'kh.dn%' ORDER BY id LIMIT 50")
            )
        ]
        serials = [
            r[0]
            for r in conn.execute(
                text("SELECT serial_number FROM customer_instrument ORDER BY md5(id::text) LIMIT 20")
            )
        ]
        certificates = [
            {"id": r.id, "number": urllib.parse.quote(r.number), "job_id": r.job_id}
            for r in conn.execute(
                text("SELECT id, number, job_id FROM certificate ORDER BY id DESC LIMIT 200")
            )
        ]
    engine.dispose()
    terms = ["Defender", "Wika", "8846", "Fluke", "SN", "0000", "Ohaus", "213"]
    path.write_text(
        json.dumps(
            {
                "jobs": jobs,
                "customers": customers,
                "tokens": _tokens(
                    args, [_username(args.users, n, jobs, customers) for n in range(args.users)]
                ),
                "certificates": certificates or [{"id": 0, "number": "none", "job_id": 0}],
                "search_terms": terms,
                "serials": serials,
            }
        )
    )


def _username(users: int, n: int, jobs: list[dict[str, Any]], customers: list[str]) -> str:
    """Who driver thread ``n`` logs in as (the same order as ``drive`` starts them)."""
    if n < users // 4:
        return customers[n % len(customers)]
    if n == users // 4:
        return "admin"
    return str(jobs[n % len(jobs)]["technician"])


def _tokens(args: argparse.Namespace, usernames: list[str]) -> list[str]:
    """One API token per driver thread (the API's rate limit counts per token), made as a user would."""
    from sqlalchemy import select

    from lims.models import User
    from lims.services.access.api_tokens import (
        NewToken,
        active_tokens,
        create_token,
        revoke_token,
        scopes_for,
    )
    from lims.services.records.audit import Actor, set_actor
    from lims.services.records.database import open_database

    database = open_database(args.url)
    secrets = []
    with database.session() as session:
        for username in sorted(set(usernames)):  # an earlier run's tokens (a user may hold 20 at most)
            user = session.scalars(select(User).where(User.username == username)).one()
            set_actor(session, Actor(user.id, f"{username} (load test)"))
            for old in active_tokens(session, user):
                if old.name.startswith("load test"):
                    revoke_token(session, user, old.id)
        for n, username in enumerate(usernames):
            user = session.scalars(select(User).where(User.username == username)).one()
            set_actor(session, Actor(user.id, f"{username} (load test)"))
            made = create_token(session, user, NewToken(f"load test {n}", 1, tuple(scopes_for(user.role))))
            secrets.append(made.secret)
        session.commit()
    database.engine.dispose()
    return secrets


def _percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, max(0, round(q * len(sorted_ms)) - 1))]


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    elapsed = result["elapsed"]
    total = sum(len(v) for v in result["times"].values())
    missing = sum(result["missing"].values())
    lines = [
        f"{args.instruments:,} instruments, {args.users} users, {args.workers} gunicorn workers, "
        f"{elapsed:.0f} s: {total} timed requests, {total / elapsed:.0f} req/s "
        f"({(total + missing) / elapsed:.0f} req/s with the 404s); errors: "
        f"{dict(result['errors']) or 'none'}; route missing (404): {dict(result['missing']) or 'none'}",
        "",
        "| endpoint | requests | req/s | p50 | p95 | p99 |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for name, times in sorted(result["times"].items()):
        ms = sorted(times)
        lines.append(
            f"| {name} | {len(ms)} | {len(ms) / elapsed:.1f} | {statistics.median(ms):.0f} ms | "
            f"{_percentile(ms, 0.95):.0f} ms | {_percentile(ms, 0.99):.0f} ms |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("mode", nargs="?", default="run", choices=("run", "drive"))
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/lims_load")
    parser.add_argument("--instruments", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean think time between a user's requests, seconds (0: none)",
    )
    parser.add_argument("--warmup", type=float, default=15, help="seconds of load before timing starts")
    parser.add_argument("--port", type=int, default=5093)
    parser.add_argument("--keep", action="store_true", help="reuse the generated database")
    parser.add_argument("--certificate-url", default="/certificates/{number}/pdf")
    parser.add_argument("--verify-url", default="/verify/{number}")
    parser.add_argument("--api-url", default="/api/v1/instruments")
    parser.add_argument("--base", default="")
    parser.add_argument("--setup", default="")
    args = parser.parse_args()
    if args.mode == "drive":
        drive(args)
        return
    instance = Path("/tmp/lims-load-instance")
    instance.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "LIMS_DATABASE_URL": args.url,
        "LIMS_SECRET_KEY": "load-" + "k" * 40,
        "LIMS_INSTANCE_PATH": str(instance),
    }
    if not args.keep:
        prepare(args, env)
    setup = instance / "setup.json"
    setup_file(args, setup)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [str(gunicorn), "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}", "wsgi:app"],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/health", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        command = [
            sys.executable,
            __file__,
            "drive",
            "--base",
            base,
            "--setup",
            str(setup),
            "--users",
            str(args.users),
            "--seconds",
            str(args.seconds),
            "--warmup",
            str(args.warmup),
            "--think",
            str(args.think),
            "--certificate-url",
            args.certificate_url,
            "--verify-url",
            args.verify_url,
            "--api-url",
            args.api_url,
        ]
        out = subprocess.run(command, capture_output=True, text=True, check=False)
        if out.returncode:
            sys.exit(f"driver failed:\n{out.stderr[-3000:]}")
        if out.stderr:
            print(out.stderr[-3000:], file=sys.stderr)
        print(report(json.loads(out.stdout), args))
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
