"""A real PostgreSQL restart under load (issue #10 item 4): clear errors in flight, automatic recovery after.

gunicorn with two workers serves the app from a private, throw-away cluster (``private_postgres``; the shared
server is never touched). Logged-in technicians read pages, ask for JSON and register measurement standards
(a POST writing the standard, its first status change and their audit entries in one transaction) in a loop
while the cluster is restarted: ``pg_ctl restart -m fast``, a fast stop held down for a while, and an
immediate stop (every server process killed, as in a crash; the next start replays the WAL).

Every answer must be a normal one or the clear 503 (``Retry-After``, the Vietnamese message, no traceback or
driver name), never a 500 or a dropped connection; no request may hang; once the server accepts connections
again, every client must succeed within seconds without restarting gunicorn; and every POST left all of its
rows or none of them, with the audit chain intact.
"""

from __future__ import annotations

import http.cookiejar
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lims.models import AuditEntry, MeasurementStandard, Role, StandardStatusChange
from lims.services.records import audit
from lims.services.records.database import open_database
from tests.factories import PASSWORD, make_lab, make_user
from tests.faults.conftest import PrivatePostgres, free_port, unclear_503

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4
WORKERS = 2
REQUEST_TIMEOUT_S = 20  # the client gives up after this (counted as a hang)
HANG_BOUND_S = 10  # no answer, not even a 503, may take longer than this
OUTAGE_S = 2.0  # how long the stopped variants keep the server down
RECOVERY_S = 1.0  # every request started this long after the server accepts connections again must succeed
AFTER_S = 3.0  # load kept up once recovered
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 302 is the answer we want to see (a saved form), not something to follow


@dataclass
class Outcome:
    kind: str  # "page", "json" or "post"
    started: float
    elapsed_s: float
    status: int  # 0: no HTTP answer at all (reset, refused, timed out)
    headers: Any
    body: str
    asset_number: str = ""


@dataclass
class Client:
    base: str
    username: str
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )
        self.token = ""
        self.error = ""

    def call(self, path: str, *, form: dict[str, str] | None = None, accept: str = "text/html") -> Outcome:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data, headers={"Accept": accept})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=REQUEST_TIMEOUT_S) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            status, headers, body = exc.code, exc.headers, exc.read()
        except OSError as exc:
            status, headers, body = 0, {}, str(exc).encode()
        kind = "post" if form is not None else ("json" if accept == "application/json" else "page")
        return Outcome(
            kind, started, time.monotonic() - started, status, headers, body.decode("utf-8", "replace")
        )

    def log_in(self) -> None:
        page = self.call("/login")
        token = TOKEN.search(page.body)
        assert page.status == 200 and token, page.body[:300]
        answer = self.call(
            "/login", form={"csrf_token": token.group(1), "username": self.username, "password": PASSWORD}
        )
        assert answer.status == 302, answer.body[:300]
        form = self.call("/standards/new")
        token = TOKEN.search(form.body)
        assert form.status == 200 and token, form.body[:300]
        self.token = token.group(1)

    def work(self, stop: threading.Event, tag: str) -> None:
        try:
            self.log_in()
        except AssertionError as exc:
            self.error = f"{self.username} could not log in: {exc}"
            return
        n = 0
        while not stop.is_set():
            self.outcomes.append(self.call("/standards/"))
            self.outcomes.append(self.call("/standards/", accept="application/json"))
            n += 1
            asset = f"{tag}-{self.username}-{n}"
            posted = self.call(
                "/standards/new",
                form={
                    "csrf_token": self.token,
                    "asset_number": asset,
                    "name": "Quả cân chuẩn F1 1 kg",
                    "quantity": "mass",
                    "level": "working",
                    "unit": "kg",
                    "range_min": "0",
                    "range_max": "1",
                },
            )
            posted.asset_number = asset
            self.outcomes.append(posted)


@dataclass
class Served:
    base: str
    usernames: list[str]
    log: Path


@pytest.fixture(scope="module")
def served(private_postgres: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """gunicorn with two sync workers on the private cluster, as in production (``gunicorn wsgi:app``)."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn is not installed in this environment: pip install -e '.[test]'")
    database = open_database(private_postgres.url)
    usernames = [f"ktv.restart{n}" for n in range(CLIENTS)]
    with database.session() as session:
        make_lab(session)
        for username in usernames:
            make_user(session, Role.TECHNICIAN, username=username)
        session.commit()
    database.engine.dispose()
    instance = tmp_path_factory.mktemp("restart-instance")
    log = instance / "gunicorn.log"
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "LIMS_DATABASE_URL": private_postgres.url,
        "LIMS_SECRET_KEY": "restart-test-" + "k" * 40,
        "LIMS_INSTANCE_PATH": str(instance),
        "PYTHONDONTWRITEBYTECODE": "1",  # the server runs in the source tree; it must not write into it
    }
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [str(gunicorn), "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--timeout", "30", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        yield Served(base, usernames, log)
    finally:
        server.send_signal(signal.SIGQUIT)  # gunicorn's quick shutdown: the workers are idle by now
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _bad(outcome: Outcome) -> str | None:
    """Why an answer given while PostgreSQL restarts is not acceptable (None when it is)."""
    if outcome.elapsed_s > HANG_BOUND_S:
        return f"took {outcome.elapsed_s:.1f} s"
    if outcome.status == 503:
        problems = unclear_503(outcome.status, outcome.headers, outcome.body, json=outcome.kind == "json")
        return ", ".join(problems) or None
    ok = (302,) if outcome.kind == "post" else (200,)
    return None if outcome.status in ok else f"status {outcome.status}"


def _server_errors(served: Served) -> str:
    """gunicorn's log for a failure message: from its first unhandled error if there is one (the bare 500s),
    else its end, without the one-line request records."""
    text = served.log.read_text(errors="replace")
    start = max(text.find("Error handling request"), 0)
    lines = text[start:].splitlines()
    return "\n".join(line for line in lines if '"logger": "lims.request"' not in line)[:6000]


RESTARTS = {
    # what an operator's `systemctl restart postgresql` does: open transactions are rolled back, clients are
    # disconnected, the server is back within a fraction of a second
    "restart-fast": lambda pg: pg.restart("fast"),
    # a crash: every server process killed mid-statement without a checkpoint, down long enough for clients
    # to meet a closed port, then started again (it replays the WAL first)
    "crash-and-start": lambda pg: (pg.stop("immediate"), time.sleep(OUTAGE_S), pg.start()),
}


@pytest.mark.parametrize("how", list(RESTARTS))
def test_postgres_restart_under_load(how: str, served: Served, private_postgres: PrivatePostgres) -> None:
    clients = [Client(served.base, username) for username in served.usernames]
    stop = threading.Event()
    tag = "".join(word[0] for word in how.split("-")).upper()  # asset numbers per variant: RF, CAS
    threads = [threading.Thread(target=c.work, args=(stop, tag), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    try:
        # Load first: every client has saved once, so both workers hold pooled connections to lose.
        deadline = time.monotonic() + 30
        while not all(any(o.status == 302 for o in c.outcomes) for c in clients):
            assert not any(c.error for c in clients), [c.error for c in clients]
            assert time.monotonic() < deadline, [
                (o.status, o.body[:300]) for c in clients for o in c.outcomes
            ][:3]
            time.sleep(0.1)
        down_at = time.monotonic()
        RESTARTS[how](private_postgres)
        up_at = time.monotonic()  # pg_ctl -w returned: the server accepts connections
        time.sleep(RECOVERY_S + AFTER_S)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT_S * 3 + 5)
    assert not any(thread.is_alive() for thread in threads), "a client is stuck"

    outcomes = [o for c in clients for o in c.outcomes]
    bad = [
        f"{o.kind} at {o.started - down_at:+.2f} s: {why}: {o.body[:200]!r}"
        for o in outcomes
        if (why := _bad(o)) is not None
    ]
    assert not bad, (
        f"{len(bad)} unacceptable answers:\n" + "\n".join(bad[:10]) + "\n" + _server_errors(served)
    )
    refused = [o for o in outcomes if o.status == 503]
    if how == "crash-and-start":  # a sub-second restart may fall between two requests; a held outage cannot
        assert refused, "no request met the outage: the test proved nothing"
        assert {o.kind for o in refused} >= {"page", "json", "post"}, {o.kind for o in refused}
    # Automatic recovery: from a second after the server is back, every client succeeds every time ...
    for client in clients:
        late = [o for o in client.outcomes if o.started >= up_at + RECOVERY_S]
        assert late and all(o.status in (200, 302) for o in late), [
            (o.kind, o.status) for o in late if o.status not in (200, 302)
        ]
        assert {o.kind for o in late} == {"page", "json", "post"}
    # ... and without restarting the application: no worker died, timed out or was replaced
    assert served.log.read_text(errors="replace").count("Booting worker") == WORKERS, _server_errors(served)

    # Nothing half-saved: a saved form left the standard, its status history and both audit entries; a
    # refused one left all of them or (as the 503 page says) none.
    database = open_database(private_postgres.url)
    try:
        with database.session() as session:
            for posted in (o for o in outcomes if o.kind == "post"):
                standard_id = session.scalar(
                    select(MeasurementStandard.id).where(
                        MeasurementStandard.asset_number == posted.asset_number
                    )
                )
                if standard_id is None:
                    assert posted.status == 503, posted.asset_number
                    continue
                change_ids = session.scalars(
                    select(StandardStatusChange.id).where(StandardStatusChange.standard_id == standard_id)
                ).all()
                entries = session.execute(
                    select(AuditEntry.table_name, AuditEntry.record_id).where(
                        AuditEntry.table_name.in_(
                            [MeasurementStandard.__tablename__, StandardStatusChange.__tablename__]
                        ),
                        AuditEntry.record_id.in_([str(standard_id), *(str(i) for i in change_ids)]),
                    )
                ).all()
                expected = {
                    (MeasurementStandard.__tablename__, str(standard_id)),
                    *((StandardStatusChange.__tablename__, str(i)) for i in change_ids),
                }
                assert len(change_ids) == 1 and expected <= set(entries), (posted.asset_number, posted.status)
            report = audit.verify_chain(session)
            assert report.problem is None, report
    finally:
        database.engine.dispose()
