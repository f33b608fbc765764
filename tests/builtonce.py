"""What the test processes of one run need, nobody changes in place, and is costly to make: built once per run.

``make test`` runs the suite in several pytest-xdist workers, each with its own session fixtures, so a data set
that tests on every worker need (the demo loaded as of a date: about 16 s of CPU) was built once per worker and
per module that needed it. Here the first process of the run that asks for a thing builds it, under a file
lock in the run's shared temporary folder (the controller's basetemp, the parent of every worker's); the others
wait for it, then copy it. Nothing built here is used in place:

- a SQLite file is copied by SQLite's backup API (:func:`copy_sqlite`);
- a PostgreSQL database is a template, copied by ``CREATE DATABASE … TEMPLATE`` (:func:`copy_postgres`); the
  templates are dropped at the end of the run by the controller (:func:`drop_templates`, tests/conftest.py);
- a folder (an instance folder) is copied file by file.

A thing is named by what it holds (the builder, its date, its scale…), never by the code version: it lives in
the run's temporary folder and is gone with it, so a change of code is never served an old build.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("LIMS_TEST_POSTGRES_URL", "")
_TEMPLATE_SUFFIX = ".postgres"


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The folder every process of this run shares (pytest-xdist gives each worker ``<basetemp>/<worker>``)."""
    base = factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "built-once"
    folder.mkdir(exist_ok=True)
    return folder


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """The path that ``build(path)`` filled (a file or a folder), built by the first process of the run that
    asks for ``name``; the others wait for it. A build that failed leaves nothing: the next one tries again."""
    folder = run_folder(factory)
    target = folder / name
    with _locked(folder / f"{name}.lock"):
        if not target.exists():
            partial = folder / f"{name}.partial"
            _remove(partial)
            try:
                build(partial)
            except BaseException:
                _remove(partial)
                raise
            partial.rename(target)
    return target


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` (committed, WAL included) into the file ``target``."""
    with contextlib.closing(sqlite3.connect(source)) as src, contextlib.closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def sqlite_built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[str], None]) -> Path:
    """A SQLite file that ``build(url)`` filled, once per run (copy it with :func:`copy_sqlite`)."""

    def make(path: Path) -> None:
        build(f"sqlite:///{path}")
        with contextlib.closing(sqlite3.connect(path)) as db:  # one file, no WAL beside it
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    return built_once(factory, f"{name}.db", make)


def postgres_url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


def _admin() -> Engine:
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")  # CREATE DATABASE runs outside a transaction


def postgres_template(
    factory: pytest.TempPathFactory, name: str, build: Callable[[str], None], *, template: str | None = None
) -> str:
    """The name of a PostgreSQL database that ``build(url)`` filled (made empty, or as a copy of ``template``),
    once per run; copy it with :func:`copy_postgres`, never connect to it (a template takes no connection)."""

    def make(path: Path) -> None:
        database = f"lims_tpl_{uuid.uuid4().hex[:12]}"
        path.write_text(database)  # recorded before it exists: the end of the run drops it whatever happens
        admin = _admin()
        try:
            with admin.connect() as conn:
                copy = f' TEMPLATE "{template}"' if template else ""
                conn.exec_driver_sql(f'CREATE DATABASE "{database}"{copy}')
        finally:
            admin.dispose()
        try:
            build(postgres_url(database))  # the builder disposes its engines: a template has no connection
        except BaseException:
            drop_postgres(postgres_url(database))
            raise

    return built_once(factory, f"{name}{_TEMPLATE_SUFFIX}", make).read_text()


def copy_postgres(template: str, database: str | None = None) -> str:
    """A new database (``database``, dropped first if it exists) holding a copy of ``template``; its URL."""
    database = database or f"lims_copy_{uuid.uuid4().hex[:12]}"
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{database}" TEMPLATE "{template}"')
    finally:
        admin.dispose()
    return postgres_url(database)


def drop_postgres(url: str) -> None:
    database = make_url(url).database
    admin = _admin()
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    finally:
        admin.dispose()


def drop_templates(factory: pytest.TempPathFactory) -> None:
    """At the end of the run (the controller, after every worker): drop the templates the run built."""
    folder = run_folder(factory)
    names = [
        path.read_text()
        for path in folder.iterdir()
        if path.name.endswith((_TEMPLATE_SUFFIX, _TEMPLATE_SUFFIX + ".partial")) and path.read_text()
    ]
    if not names or not POSTGRES_URL:
        return
    admin = _admin()
    try:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()
