"""Save a screenshot of every main page to docs/screenshots/ (headless Debian Chromium via Playwright).

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

It migrates a throw-away SQLite database, loads the demo data, serves the app on a free local port and
logs in as the demo user each page is meant for.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from lims.services.demo import DEMO_PASSWORD as PASSWORD

CHROMIUM = "/usr/bin/chromium"
PAGES = [  # (file name, user or None, path)
    ("01-login", None, "/login"),
    ("02-dashboard-admin", "admin", "/"),
    ("03-standards", "ktv.lan", "/standards/"),
    ("04-standard-mass", "ktv.lan", "/standards/3"),
    ("05-standard-expired-link", "dg.mai", "/standards/5"),
    ("06-traceability", "dg.mai", "/traceability/?id=CDL-KL-003"),
    ("07-due-standards", "ktv.lan", "/standards/due"),
    ("08-enterprises", "kt.hung", "/enterprises/"),
    ("09-audit-trail", "dg.mai", "/audit/"),
    ("10-dashboard-customer", "kh.annam", "/"),
    ("11-users", "admin", "/admin/users"),
    ("12-jobs", "kt.hung", "/jobs/"),
    ("13-bench-page", "ktv.lan", "/jobs/{in_progress}/bench"),
    ("14-job-approved", "ky.thu", "/jobs/{approved}"),
    ("15-workload", "kt.hung", "/jobs/workload"),
    ("16-instruments", "ktv.lan", "/instruments/"),
    ("17-programme", "admin", "/programme/"),
    ("18-reverse-traceability-form", "kt.hung", "/standards/1"),
]


def _job_ids(database: Path) -> dict[str, int]:
    import sqlite3

    with sqlite3.connect(database) as db:
        return {state: db.execute("SELECT min(id) FROM job WHERE state = ?", (state,)).fetchone()[0]
                for state in ("in_progress", "approved")}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--lang", default="vi")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    from lims.web.catalogues import compile_catalogues

    compile_catalogues()

    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "LIMS_INSTANCE_PATH": instance}
        env.pop("LIMS_DATABASE_URL", None)
        lims = [sys.executable, "-c", "from lims.cli import main; main()"]
        subprocess.run([*lims, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*lims, "demo"], env=env, check=True, capture_output=True)
        ids = _job_ids(Path(instance) / "lims.db")
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi:app", "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1)  # noqa: S310 - local URL
                    break
                except OSError:
                    time.sleep(0.1)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                    ],
                )
                for name, user, path in PAGES:
                    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
                    page = context.new_page()
                    if user:
                        page.goto(base + "/login")
                        page.fill("#username", user)
                        page.fill("#password", PASSWORD)
                        page.click("button[type=submit]")
                        page.wait_for_load_state()
                    page.goto(base + path.format(**ids))
                    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
                    context.close()
                    print(f"{out / name}.png")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    main()
