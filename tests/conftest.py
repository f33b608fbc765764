"""Fixtures: every database test runs on SQLite and, when LIMS_TEST_POSTGRES_URL is set, on PostgreSQL.

Each test runs inside an outer transaction that is rolled back at the end; the code under test
commits savepoints only (SQLAlchemy's ``join_transaction_mode="create_savepoint"``).

What is expensive is built once per run and per backend, never per test:

- the migrated database (``db_url``/``engine``);
- the demo data set (``data_sets``), in a database of its own: a test marked ``@pytest.mark.demo`` runs on it,
  inside the same rolled-back outer transaction, so it reads the demo and its writes vanish at the end
  (``@pytest.mark.demo(scale=N, seed=S, today=D)`` for the demo grown by ``lims demo --scale``);
- the Flask application (``shared_app``): the ``app`` fixture hands each test that one application bound to
  the test's own :class:`~lims.db.Database` and instance folder, and restores the configuration afterwards.
  A test that adds routes (Flask refuses setup after the first request) takes ``fresh_app`` instead.

Passwords are hashed with argon2id at minimal cost (``tests/passwords.py``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from lims.config import Settings
from lims.db import Database, make_engine
from lims.migrate import upgrade
from lims.services.access import accounts
from lims.services.records import audit
from tests import builtonce
from tests.passwords import cheap_hasher

# CI runs the property tests derandomised so that a landing is never decided by luck; developers get fresh
# examples on every run (HYPOTHESIS_PROFILE=dev, the default). Hypothesis keeps its files (example database,
# caches) in ./.hypothesis unless told otherwise: they go to the user's cache folder, never into the source tree,
# and CI keeps no example database at all (derandomised, every run draws the same examples).
os.environ.setdefault(
    "HYPOTHESIS_STORAGE_DIRECTORY",
    str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lims-hypothesis"),
)
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True, database=None)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The run's end (the controller, once every pytest-xdist worker has finished): drop the PostgreSQL
    templates the run built once (tests/builtonce.py)."""
    if not hasattr(session.config, "workerinput"):
        builtonce.drop_templates(session.config._tmp_path_factory)  # type: ignore[attr-defined]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Tests never write into the source tree: stale message catalogues are compiled by ``make``, not here."""
    from lims.web.catalogues import stale_catalogues

    stale = stale_catalogues()
    if stale:
        raise pytest.UsageError(
            f"compiled message catalogues are missing or older than {', '.join(map(str, stale))}: "
            "run `make translations` (`make test` does)"
        )


@pytest.fixture(scope="session", autouse=True)
def _instance_outside_the_source_tree(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """`make test` exports LIMS_INSTANCE_PATH=<checkout>/instance (for `make run`); a test that builds the
    application or runs a command with the default settings would write there (the signing key, the audit
    anchor). Every test gets a throw-away instance folder instead: no test writes into the source tree."""
    folder = tmp_path_factory.mktemp("default-instance")
    shutil.copytree(builtonce.built_once(tmp_path_factory, "test-pki", _test_pki) / "signing", folder / "signing")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIMS_INSTANCE_PATH", str(folder))
        yield


def _test_pki(folder: Path) -> None:
    """The demo's test certificate authority and laboratory key, made once per run and copied into every test
    process's default instance folder: the demo signs with the keys it finds there (``ensure_test_pki`` keeps
    them), and a data set built by one pytest-xdist worker is read by the others (tests/builtonce.py), so
    its signatures must verify against the same test root in every process."""
    from lims.services.certificates.signing_keys import ensure_test_pki

    folder.mkdir()
    ensure_test_pki(folder)


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", cheap_hasher())
        accounts._dummy_hash.cache_clear()
        yield
    accounts._dummy_hash.cache_clear()


POSTGRES_URL = os.environ.get("LIMS_TEST_POSTGRES_URL", "")
NO_POSTGRES = (
    "PostgreSQL not configured: set LIMS_TEST_POSTGRES_URL (.ci/run does when 127.0.0.1:5432 answers)"
)


def _with_search_path(url: str, schema: str) -> str:
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


@contextlib.contextmanager
def _empty_database(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new database of a kind, without tables: a SQLite file, or a PostgreSQL schema dropped at the end."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"lims_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield _with_search_path(POSTGRES_URL, schema)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _kind(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A freshly migrated database of each kind, shared by the session's tests."""
    with _empty_database(request.param, tmp_path_factory) as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


# The date the shared demo data set is loaded as of (its due dates, history and certificates follow from it).
DEMO_TODAY = date(2026, 3, 2)


def _data_set_name(spec: dict[str, Any]) -> str:
    """``demo-2026-03-02``, ``demo-2026-11-20-scale-400-seed-7``: what the data set holds."""
    name = f"demo-{spec.get('today', DEMO_TODAY).isoformat()}"
    if spec.get("scale") is not None:
        name += f"-scale-{spec['scale']}" + (f"-seed-{spec['seed']}" if spec.get("seed") is not None else "")
    return name


@contextlib.contextmanager
def _data_set_session(url: str) -> Iterator[Session]:
    """A session on ``url`` as the application opens one (audit trail installed), its engine disposed after."""
    engine = make_engine(url)
    try:
        database = Database(engine)
        audit.install(database.sessionmaker)
        with database.session() as session:
            yield session
    finally:
        engine.dispose()


def _load_demo_into(url: str, *, today: date) -> None:
    """``load_demo(today=today)`` into the empty database at ``url``, migrated here, committed."""
    from lims.services.demo.seed import load_demo

    upgrade(url)
    with _data_set_session(url) as session:
        load_demo(session, today=today)
        session.commit()


def _grow_demo(url: str, *, scale: int, seed: int | None, today: date) -> None:
    """``load_scale(scale, seed, today)`` into the database at ``url``, which holds a copy of the demo as of
    ``today`` already: load_scale loads exactly that demo first, so its own load (and the emptiness check
    before it) is skipped. ``lims demo --scale`` from an empty database runs whole in
    tests/commands/test_demo_scale_command.py, the refusal in tests/services/test_demo_scale.py."""
    from lims.services.demo import scale as demo_scale

    with pytest.MonkeyPatch.context() as patch, _data_set_session(url) as session:
        patch.setattr(demo_scale, "load_demo", lambda session, today: None)
        patch.setattr(demo_scale, "database_is_empty", lambda session: True)
        if seed is None:
            demo_scale.load_scale(session, scale, today=today)
        else:
            demo_scale.load_scale(session, scale, seed=seed, today=today)
        session.commit()


def built_data_set(kind: str, factory: pytest.TempPathFactory, **spec: Any) -> str:
    """The data set ``@pytest.mark.demo(**spec)`` names, built once per run and kind (tests/builtonce.py): the
    path of its SQLite file, or the name of its PostgreSQL template. Copy it, never use it in place.

    ``spec`` is empty (the demo as of DEMO_TODAY), or ``today=D`` (the demo as of D), or ``scale=N`` with
    ``seed=S`` and ``today=D`` (the demo as of D grown to N instruments, as ``lims demo --scale``; grown from
    a copy of the demo as of D, itself built once)."""
    today = spec.get("today", DEMO_TODAY)
    scale, seed = spec.get("scale"), spec.get("seed")
    name = _data_set_name(spec)
    if kind == "sqlite":
        if scale is None:
            return str(builtonce.sqlite_built_once(factory, name, lambda url: _load_demo_into(url, today=today)))
        demo = Path(built_data_set(kind, factory, today=today))

        def grow(url: str) -> None:
            path = make_url(url).database
            assert path is not None
            builtonce.copy_sqlite(demo, Path(path))
            _grow_demo(url, scale=scale, seed=seed, today=today)

        return str(builtonce.sqlite_built_once(factory, name, grow))
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    if scale is None:
        return builtonce.postgres_template(factory, name, lambda url: _load_demo_into(url, today=today))
    return builtonce.postgres_template(
        factory,
        name,
        lambda url: _grow_demo(url, scale=scale, seed=seed, today=today),
        template=built_data_set(kind, factory, today=today),
    )


class DataSets:
    """Databases of one kind holding a data set, each copied on first use from the run's build (see
    ``built_data_set``) and kept for the session."""

    def __init__(self, kind: str, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.kind, self.tmp_path_factory = kind, tmp_path_factory
        self.stack = contextlib.ExitStack()
        self.built: dict[tuple[tuple[str, Any], ...], tuple[str, Engine]] = {}

    def get(self, **spec: Any) -> tuple[str, Engine]:
        """The URL and engine of this session's database holding ``@pytest.mark.demo(**spec)``'s data set."""
        key = tuple(sorted(spec.items()))
        if key not in self.built:
            source = built_data_set(self.kind, self.tmp_path_factory, **spec)
            if self.kind == "sqlite":
                path = self.tmp_path_factory.mktemp("data-set") / "data.db"
                builtonce.copy_sqlite(Path(source), path)
                url = f"sqlite:///{path}"
            else:
                url = builtonce.copy_postgres(source)
                self.stack.callback(builtonce.drop_postgres, url)
            engine = make_engine(url)
            self.stack.callback(engine.dispose)
            self.built[key] = (url, engine)
        return self.built[key]

    def close(self) -> None:
        self.stack.close()


@pytest.fixture(scope="session")
def data_sets(
    db_url: str, tmp_path_factory: pytest.TempPathFactory, _cheap_password_hashing: None
) -> Iterator[DataSets]:
    """The data sets of ``db_url``'s kind; tests reach them through ``@pytest.mark.demo`` (see ``connection``)."""
    sets = DataSets(_kind(db_url), tmp_path_factory)
    try:
        yield sets
    finally:
        sets.close()


def _data_set(request: pytest.FixtureRequest) -> tuple[str, Engine] | None:
    """The (url, engine) of the data set the test's ``demo`` marker names, or None when unmarked."""
    marker = request.node.get_closest_marker("demo")
    if marker is None:
        return None
    sets: DataSets = request.getfixturevalue("data_sets")
    return sets.get(**marker.kwargs)


@pytest.fixture
def test_db_url(request: pytest.FixtureRequest, db_url: str) -> str:
    """The URL of the database this test runs on: the data set's when the test is marked ``demo``."""
    data_set = _data_set(request)
    return db_url if data_set is None else data_set[0]


@pytest.fixture
def connection(request: pytest.FixtureRequest, engine: Engine) -> Iterator[Connection]:
    """The test's connection, inside an outer transaction that is rolled back at the end.

    A test marked ``@pytest.mark.demo`` (or ``demo(scale=..., seed=..., today=...)``) is connected to the
    database holding that data set instead of the empty one; the rollback keeps it as built for the next test.
    """
    data_set = _data_set(request)
    if data_set is not None:
        engine = data_set[1]
    conn = engine.connect()
    outer = conn.begin()  # never committed: every test is rolled back
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture
def database(connection: Connection) -> Database:
    """A Database whose sessions join the test's outer transaction through savepoints."""
    db = Database(connection.engine)
    db.sessionmaker = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    audit.install(db.sessionmaker)
    return db


@pytest.fixture
def session(database: Database) -> Iterator[Session]:
    s = database.session()
    yield s
    s.close()


TEST_SECRET_KEY = "test-secret-key-" + "x" * 32


def make_test_app(database: Database, settings: Settings) -> Flask:
    """A new application in testing mode over ``database``."""
    from lims.app import create_app

    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": TEST_SECRET_KEY,
        "DATABASE": database,
        "SETTINGS": settings,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def shared_app(engine: Engine, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The one application of a backend; tests take it through ``app``, which binds their own database."""
    settings = Settings(instance_path=tmp_path_factory.mktemp("instance"), database_url=db_url, demo=True)
    app = make_test_app(Database(engine), settings)
    # Flask refuses setup methods (add_url_rule, before_request, ...) once an app has served a request; mark the
    # shared app so from the start, so that a test adding a route fails at once instead of changing the app the
    # tests after it see. Such a test takes ``fresh_app``.
    app._got_first_request = True
    return app


@pytest.fixture
def app(shared_app: Flask, database: Database, tmp_path: Path, test_db_url: str) -> Iterator[Flask]:
    """The backend's application, bound for this test to its rolled-back ``database`` and its own instance
    folder; whatever the test changes in ``app.config`` is put back afterwards."""
    from lims.app import attach_database

    saved = dict(shared_app.config)
    idle = shared_app.extensions["lims_db"]
    settings = Settings(instance_path=tmp_path / "instance", database_url=test_db_url, demo=True)
    shared_app.config.update(DATABASE=database, SETTINGS=settings)
    attach_database(shared_app, database, settings)  # as create_app does: the audit anchor included
    try:
        yield shared_app
    finally:
        shared_app.extensions["lims_db"] = idle
        shared_app.config.clear()
        shared_app.config.update(saved)


@pytest.fixture
def fresh_app(database: Database, tmp_path: Path, test_db_url: str) -> Flask:
    """A new application of its own, for a test that adds routes or hooks."""
    return make_test_app(
        database, Settings(instance_path=tmp_path / "instance", database_url=test_db_url, demo=True)
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def frozen_rate_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """Stop the clock the rate limiter reads at the start of an hour, so a test's burst of requests never
    straddles two fixed windows (on a loaded machine a burst can take seconds)."""
    import types

    from lims.services.common import ratelimit

    now = 1_800_000_000.0 + 1  # a whole number of hours since the epoch, plus one second
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: now))
    return now
