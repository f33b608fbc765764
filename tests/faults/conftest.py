"""Fixtures for fault tests: an application on its own engine and, for PostgreSQL, its own schema.

The usual ``app`` fixture runs every request inside the test's outer transaction on one connection; a fault
test needs real pooled connections that it can break, so it gets an engine of its own. On PostgreSQL the
engine's connections carry a unique ``application_name``, so a test terminates only its own backends, never
those of other tests or other users of the shared server.

A test that restarts PostgreSQL itself gets a private, throw-away cluster (``private_postgres``): ``initdb``
into a temporary folder, a free port on 127.0.0.1, trust authentication. The shared server at
127.0.0.1:5432 is never stopped.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, create_engine

from lims.config import Settings
from lims.db import Database, make_engine
from lims.migrate import upgrade
from lims.services.records import audit
from tests.conftest import NO_POSTGRES, POSTGRES_URL, _with_search_path

# What a visitor reads when the database is lost (lims.web.errors, Vietnamese by default), and what must
# never show through from the driver.
MESSAGE_VI = "Hiện không kết nối được cơ sở dữ liệu. Chưa có gì được lưu; hãy thử lại sau một phút."
LEAKS = ("Traceback", "OperationalError", "psycopg", "sqlalchemy", "pg_terminate", "SELECT")


def unclear_503(status: int, headers: Any, body: str, *, json: bool = False) -> list[str]:
    """What is wrong with a response that should be the clear "database unavailable" answer (empty if
    nothing): 503, ``Retry-After`` of a sane length, the localised message as a page or as the JSON error
    object, ``nosniff``, and no traceback or driver name."""
    import json as json_module

    problems = [f"status {status}"] if status != 503 else []
    retry_after = headers.get("Retry-After") or ""
    if not (retry_after.isdigit() and 1 <= int(retry_after) <= 300):
        problems.append(f"Retry-After {retry_after!r}")
    problems += [f"leaks {leak!r}" for leak in LEAKS if leak in body]
    if json:
        try:
            answer = json_module.loads(body)
        except ValueError:
            answer = None
        if answer != {"error": {"status": 503, "message": MESSAGE_VI}}:
            problems.append(f"JSON {body[:200]!r}")
    elif MESSAGE_VI not in body:
        problems.append("no localised message")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    return problems


def app_on(database: Database, url: str, tmp_path: Path) -> Flask:
    from lims.app import create_app

    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "fault-test-secret-key-" + "y" * 32,
        "DATABASE": database,
        "SETTINGS": Settings(instance_path=tmp_path / "instance", database_url=url),
    }
    return create_app(config)


class PgServer:
    """A migrated throw-away schema, an admin engine, and the application name of the app's connections."""

    def __init__(self, url: str, admin: Engine, application_name: str) -> None:
        self.url = url
        self.admin = admin
        self.application_name = application_name

    def terminate_app_backends(self) -> int:
        """Terminate every backend of the app's engine (as a server restart or a network cut would)."""
        with self.admin.begin() as conn:
            return len(
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %(name)s",
                    {"name": self.application_name},
                ).all()
            )


@pytest.fixture
def pg_server() -> Iterator[PgServer]:
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"lims_fault_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = _with_search_path(POSTGRES_URL, schema)
    try:
        upgrade(url)
        yield PgServer(url, admin, f"lims-fault-{uuid.uuid4().hex[:8]}")
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def pg_database(pg_server: PgServer) -> Iterator[Database]:
    engine = make_engine(pg_server.url, connect_args={"application_name": pg_server.application_name})
    database = Database(engine)
    audit.install(database.sessionmaker)
    yield database
    engine.dispose()


NO_POSTGRES_SERVER = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found: apt-get install postgresql "
    "(or set LIMS_TEST_PG_BINDIR to their folder)"
)
NO_POSTGRES_USER = "initdb refuses to run as root and there is no 'postgres' user: apt-get install postgresql"


def postgres_bindir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: LIMS_TEST_PG_BINDIR, ``pg_config --bindir`` or the newest
    /usr/lib/postgresql/*/bin (Debian keeps the server binaries off the PATH)."""
    candidates: list[str] = []
    if os.environ.get("LIMS_TEST_PG_BINDIR"):
        candidates.append(os.environ["LIMS_TEST_PG_BINDIR"])
    if shutil.which("pg_config"):
        done = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=False)
        if done.returncode == 0:
            candidates.append(done.stdout.strip())
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name or 0), reverse=True
    )
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own: it may be stopped, crashed and restarted at will."""

    def __init__(self, bindir: Path, folder: Path, port: int, as_postgres: bool) -> None:
        self.bindir, self.folder, self.port = bindir, folder, port
        self.data = folder / "data"
        self.log = folder / "server.log"
        self._prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
        self.admin_url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/lims"

    def run(self, tool: str, *args: str, timeout_s: float = 60) -> None:
        done = subprocess.run(
            [*self._prefix, str(self.bindir / tool), *args],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {' '.join(args)} failed: {done.stderr.strip()}\n{self.server_log()}")

    def pg_ctl(self, action: str, *args: str) -> None:
        self.run("pg_ctl", action, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "30", *args)

    def start(self) -> None:
        self.pg_ctl("start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` rolls back open transactions and disconnects clients; ``immediate`` kills every server
        process without a checkpoint, as a crash does (the next start replays the WAL)."""
        self.pg_ctl("stop", "-m", mode)

    def restart(self, mode: str = "fast") -> None:
        self.pg_ctl("restart", "-m", mode)

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return ""


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    """A throw-away cluster with a migrated ``lims`` database, stopped (``-m immediate``) and deleted after the
    module, whatever happened."""
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip(NO_POSTGRES_SERVER)
    as_postgres = os.geteuid() == 0
    if as_postgres:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip(NO_POSTGRES_USER)
    # Not pytest's tmp_path: /tmp/pytest-of-root is private to root (the postgres user could not enter it),
    # and a Unix socket path must stay under ~107 bytes.
    folder = Path(tempfile.mkdtemp(prefix="lims-pg-"))
    if as_postgres:
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    server = PrivatePostgres(bindir, folder, free_port(), as_postgres)
    try:
        server.run(
            "initdb", "-D", str(server.data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale",
            "--no-sync",
        )  # fmt: skip
        with (server.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            # fsync off: only the server process is crashed here, never the machine, so the OS cache is
            # enough; synchronous_commit stays on, so an acknowledged COMMIT survives an immediate stop.
            conf.write(
                f"port = {server.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{folder}'\nfsync = off\nmax_connections = 40\n"
            )
        server.start()
        admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql("CREATE DATABASE lims")
        admin.dispose()
        upgrade(server.url)
        yield server
    finally:
        if (server.data / "postmaster.pid").exists():
            # the folder goes anyway; a stray postmaster shuts itself down once its lock file is gone
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                server.stop("immediate")
        shutil.rmtree(folder, ignore_errors=True)
