"""Browser journeys: the real app served on a local port, driven by Playwright in Debian's Chromium.

Playwright's own browser download does not work here; ``.ci/run`` installs the ``chromium`` package. On a
machine without it these tests are skipped with the command that installs it.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("LIMS_CHROMIUM", "/usr/bin/chromium")
# The live server's database by its base URL, for tests that add records the demo does not hold.
LIVE_DATABASES: dict[str, Any] = {}

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def live_instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's instance folder; its database is ``sqlite:///<folder>/lims.db`` (see live_database_url)."""
    return tmp_path_factory.mktemp("browser-instance")


@pytest.fixture(scope="session")
def live_database_url(live_instance: Path) -> str:
    """The URL of the live server's database, for journeys that run a second process on it (a bench station)."""
    return f"sqlite:///{live_instance / 'lims.db'}"


def _load_demo(url: str) -> None:
    """The demo data set as of today, as ``lims demo`` loads it, into the empty database at ``url``."""
    from lims.migrate import upgrade
    from lims.services.demo.seed import load_demo
    from lims.services.records.audit import Actor, set_actor
    from lims.services.records.database import open_database

    upgrade(url)
    database = open_database(url)
    try:
        with database.session() as session:
            set_actor(session, Actor(None, "demo"))
            load_demo(session)
            session.commit()
    finally:
        database.engine.dispose()


@pytest.fixture(scope="session")
def live_server(
    live_instance: Path, live_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The app over a migrated SQLite database holding the demo data, on a free local port. The demo is
    loaded once per run (tests/builtonce.py); each test process serves its own copy."""
    from datetime import date

    from lims.app import create_app
    from lims.config import Settings
    from lims.services.records.database import open_database
    from tests import builtonce

    instance = live_instance
    url = live_database_url
    demo = builtonce.sqlite_built_once(tmp_path_factory, f"browser-demo-{date.today().isoformat()}", _load_demo)
    builtonce.copy_sqlite(demo, instance / "lims.db")
    database = open_database(url)
    # TESTING keeps the app from installing its stderr log handlers on the process-wide loggers.
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-tests-" + "k" * 40,
            "DATABASE": database,
            # A demonstration deployment (it serves the demo): loopback QR address, test signing keys.
            "SETTINGS": Settings(instance_path=instance, database_url=url, demo=True),
        }
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    LIVE_DATABASES[base] = database
    yield base
    server.shutdown()
    database.engine.dispose()


@pytest.fixture(scope="session")
def live_database(live_server: str) -> Any:
    """The live server's :class:`lims.db.Database` (commit what a test adds; the server reads it)."""
    return LIVE_DATABASES[live_server]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip(
            "Chromium is not installed: run `apt-get install chromium` (as .ci/run does) to run the "
            "browser journeys"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        locale="vi-VN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    tab = context.new_page()
    tab.set_default_timeout(30000)  # a loaded 2-core CI machine runs two test workers beside the browser
    yield tab
    context.close()


def log_in(page: Any, base: str, username: str) -> None:
    from lims.services.demo.seed import DEMO_PASSWORD

    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(base + "/")
