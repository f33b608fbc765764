"""Save a screenshot of every main page to docs/screenshots/ (headless Debian Chromium via Playwright).

    .venv/bin/python tools/screenshots.py [--out docs/screenshots] [--lang vi|en|both] [26 61 …]

For each language it migrates a throw-away SQLite database, loads the demo data, serves the app on a free
local port and logs in as the demo user each page is meant for, in that language (the header's language
switch, as a user would choose it). Vietnamese pages go to ``docs/screenshots/``, English ones to
``docs/screenshots/en/`` under the same file names. Screenshots are 1280 px wide, cut at MAX_HEIGHT and
saved with a 256-colour palette so the repository stays small. tests/web/test_screenshot_pages.py fails
when a page that a role can open is missing from PAGES, or its picture from either folder. Chromium draws
date inputs and file pickers in the user's locale (vi, en-GB: dd/mm/yyyy in both) only with Debian's
chromium-l10n package installed; without it they fall back to the US mm/dd/yyyy.
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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lims.services.demo.seed import DEMO_PASSWORD as PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
PAGES = [  # (file name, user or None, path); {…} are demo record ids found by _ids()
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
    # Certificates: the register, a revision chain, the public verification page.
    ("19-certificates", "ky.thu", "/certificates/"),
    ("20-certificate-amended", "ky.thu", "/certificates/{amended}"),
    ("21-certificate-superseded", "dg.mai", "/certificates/{superseded}"),
    ("22-job-issued", "ky.thu", "/jobs/{issued}"),
    ("23-verify", None, "/verify/"),
    ("24-verify-certificate", None, "/verify/{valid}"),
    ("25-verify-superseded", None, "/verify/{superseded}"),
    ("26-verify-file-check", None, "/verify/{amended}"),  # the superseded PDF uploaded: another revision
    # The lab's day: dashboards by role, requests from customers, notifications, account.
    ("27-dashboard-technician", "ktv.lan", "/"),
    ("28-dashboard-signatory", "ky.thu", "/"),
    ("29-requests", "kt.hung", "/requests/"),
    ("30-request-submitted", "kt.hung", "/requests/{submitted}"),
    ("31-request-accepted", "admin", "/requests/{accepted}"),
    ("32-authorisations", "admin", "/jobs/authorisations"),
    ("33-notifications", "kt.hung", "/notifications/"),
    ("34-account", "ktv.lan", "/account"),
    ("35-api-tokens", "ktv.lan", "/account/tokens"),
    # Standards, reference materials and capabilities.
    ("36-cmc", "kt.hung", "/standards/cmc"),
    ("37-cmc-new", "admin", "/standards/cmc/new"),
    ("38-cmc-edit", "admin", "/standards/cmc/{cmc}/edit"),
    ("39-materials", "ktv.lan", "/standards/materials"),
    ("40-material-new", "ktv.lan", "/standards/materials/new"),
    ("41-material-edit", "ktv.lan", "/standards/materials/{material}/edit"),
    ("42-standard-new", "ktv.lan", "/standards/new"),
    ("43-standard-edit", "ktv.lan", "/standards/3/edit"),
    ("44-standard-calibration-new", "ktv.lan", "/standards/3/calibrations/new"),
    ("45-standard-dcc-import", "ktv.lan", "/standards/3/calibrations/import"),
    ("46-standard-check-new", "ktv.lan", "/standards/3/checks/new"),
    # Customers' records at the lab, the audit trail, users, the city programme.
    ("47-enterprise", "kt.hung", "/enterprises/{enterprise}"),
    ("48-enterprise-new", "admin", "/enterprises/new"),
    ("49-enterprise-edit", "admin", "/enterprises/{enterprise}/edit"),
    ("50-instrument", "ktv.lan", "/instruments/{instrument}"),
    ("51-audit-record", "dg.mai", "/audit/enterprise/{enterprise}"),
    ("52-audit-verify", "dg.mai", "/audit/verify"),
    ("53-user-new", "admin", "/admin/users/new"),
    ("54-programme-indicator", "dg.mai", "/programme/indicator/training_participations"),
    ("55-programme-applications", "admin", "/programme/applications"),
    ("56-programme-application-new", "admin", "/programme/applications/new"),
    ("57-programme-courses", "admin", "/programme/courses"),
    ("58-programme-course", "admin", "/programme/courses/{course}"),
    ("59-programme-course-new", "admin", "/programme/courses/new"),
    # The customer portal.
    ("60-portal-requests", "kh.annam", "/portal/requests/"),
    ("61-portal-request-new", "kh.annam", "/portal/requests/new"),
    ("62-portal-request", "kh.annam", "/portal/requests/{portal_request}"),
    ("63-portal-jobs", "kh.annam", "/portal/jobs/"),
    ("64-portal-job", "kh.annam", "/portal/jobs/{portal_job}"),
    ("65-portal-certificates", "kh.annam", "/portal/certificates/"),
    ("66-portal-due", "kh.annam", "/portal/due/90"),
    ("67-portal-instrument", "kh.annam", "/portal/instruments/{portal_instrument}"),
    ("68-portal-instrument-new", "kh.annam", "/portal/instruments/new"),
    ("69-portal-instrument-edit", "kh.annam", "/portal/instruments/{portal_instrument}/edit"),
    ("70-portal-import", "kh.annam", "/portal/import"),
    ("71-portal-colleagues", "kh.annam", "/portal/colleagues"),
    ("72-portal-notifications", "kh.annam", "/notifications/"),
    ("73-portal-other-enterprise", "kh.sonha", "/portal/"),
    # Nonconforming work, complaints, corrective action (issue 22).
    ("74-nonconforming-work", "kt.hung", "/nc/"),
    ("75-nonconforming-record", "kt.hung", "/nc/{nc}"),
    ("76-complaints", "kt.hung", "/nc/complaints"),
    ("77-complaint", "kt.hung", "/nc/complaints/{complaint}"),
    ("78-portal-notices", "kh.annam", "/portal/notices"),
    ("79-portal-complaints", "kh.annam", "/portal/complaints"),
    # The city programme's records (issue 20).
    ("80-programme-records-developments", "admin", "/programme/records/developments"),
    ("81-programme-records-assessments", "admin", "/programme/records/assessments"),
    ("82-programme-record-edit", "admin", "/programme/records/assessments/{lab_assessment}/edit"),
    ("83-programme-sectors", "admin", "/programme/sectors"),
    # Legal verification (issue 17): the catalogue with its citations, officer cards, the stamp stock.
    ("84-legal-catalogue", "admin", "/legal/"),
    ("85-legal-cards", "admin", "/legal/cards"),
    ("86-legal-stamps", "ky.thu", "/legal/stamps"),
    # Correcting a training participant (issue 20: participants are edited and withdrawn like other records).
    (
        "87-programme-participant-edit",
        "admin",
        "/programme/courses/{course}/participants/{participation}/edit",
    ),
    # The rooms and their logged conditions: the demo's electrical lab P-DIEN on the day of its excursion
    # (the reviewed DC voltage job's 3 V point measured during it), its limits and logger.
    ("88-rooms", "kt.hung", "/rooms/"),
    ("89-room-conditions", "kt.hung", "/rooms/{room}?day={room_day}"),
    ("90-room-new", "admin", "/rooms/new"),
    ("91-room-edit", "admin", "/rooms/{room}/edit"),
    # Correcting or withdrawing a training course (issue 20).
    ("92-programme-course-edit", "admin", "/programme/courses/{course}/edit"),
]


# Not pages (file downloads, JSON, the API, health checks, form posts that answer with a redirect) and pages
# that need records the demo does not hold:
# tests/web/test_screenshot_pages.py checks every other page a role can open is in PAGES.
NOT_PAGES = frozenset(
    {
        "static",
        "main.health",
        "api.openapi",
        "portal.export",
        "portal.import_template",
        "portal.certificate_file",
        "programme.report",
        "programme.submitted_report",
        "programme.evidence_file",
        "programme.records_add",  # GET leads to the list page (the form is there)
        "programme.records_import",
        "programme.import_participants",  # GET leads to the course form (the import is there)
        "programme.confirm_sector",
        "programme.add_priority_sector",
        "certificates.pdf",
        "certificates.dcc",
        "standards.certificate",
        "traceability.export_json",
        "traceability.export_pdf",
        "jobs.point_readings",
        "jobs.certificate_labels",
        "jobs.failure_notice_pdf",
        "legal.stamp_register",
        "legal.record_designation",  # the form posts below answer a GET with their page (a redirect)
        "legal.add_card",
        "legal.revoke_card",
        "legal.receive_batch",
        "legal.spoil_stamp",
        "admin.login_throttles",  # the demo has no failed logins; no Chromium here to draw the page (issue 21)
        "portal.failure_notice",  # the stored PDF of a notice of failed verification (a download)
        "certificates.dcc_signature",  # the detached signature of a DCC (a download)
        "jobs.sequence_status",  # JSON polled by the job's automated-sequence page
    }
)
STATION = [
    "--name",
    "can-1",
    "--driver",
    "mt-sics",
    "--port",
    "loop://",
    "--description",
    "Cân phòng khối lượng",
]
QUERIES = {  # the demo records the pages show, found by state rather than by a fixed id
    "in_progress": "SELECT min(id) FROM job WHERE state = 'in_progress'",
    "approved": "SELECT min(id) FROM job WHERE state = 'approved'",
    "issued": "SELECT job_id FROM certificate WHERE replaces_id IS NOT NULL",
    "amended": "SELECT number FROM certificate WHERE replaces_id IS NOT NULL",
    "superseded": "SELECT number FROM certificate WHERE status = 'superseded'",
    "superseded_pdf": "SELECT f.data FROM certificate c JOIN stored_file f ON f.key = c.pdf_key"
    " WHERE c.status = 'superseded'",
    "valid": "SELECT number FROM certificate WHERE status = 'valid' AND replaces_id IS NULL ORDER BY id",
    "submitted": "SELECT min(id) FROM service_request WHERE state = 'submitted'",
    "accepted": "SELECT min(id) FROM service_request WHERE state = 'accepted'",
    "cmc": "SELECT min(id) FROM cmc_entry",
    "material": "SELECT min(id) FROM reference_material",
    "enterprise": "SELECT enterprise_id FROM user_account WHERE username = 'kh.annam'",
    "instrument": "SELECT min(j.instrument_id) FROM job j WHERE j.state = 'issued'",
    "course": "SELECT min(id) FROM training_course",
    "participation": "SELECT min(id) FROM training_participation"
    " WHERE course_id = (SELECT min(id) FROM training_course)",
    "nc": "SELECT min(id) FROM nonconforming_work",
    "complaint": "SELECT min(id) FROM complaint",
    "lab_assessment": "SELECT min(id) FROM lab_assessment",
    "room": "SELECT id FROM room WHERE code = 'P-DIEN'",
    # the day the demo room's temperature left its limits (date() is SQLite's and PostgreSQL's)
    "room_day": "SELECT date(min(c.measured_at)) FROM room_condition c JOIN room r ON r.id = c.room_id"
    " WHERE r.code = 'P-DIEN' AND c.quantity = 'temperature' AND CAST(c.value AS NUMERIC) > r.temperature_max",
    "portal_request": "SELECT min(r.id) FROM service_request r JOIN user_account u ON u.enterprise_id = r.enterprise_id"
    " WHERE u.username = 'kh.annam' AND r.state = 'scheduled'",
    "portal_job": "SELECT min(j.id) FROM job j JOIN customer_instrument i ON i.id = j.instrument_id"
    " JOIN user_account u ON u.enterprise_id = i.enterprise_id WHERE u.username = 'kh.annam' AND j.state = 'issued'",
    "portal_instrument": "SELECT min(j.instrument_id) FROM job j JOIN customer_instrument i ON i.id = j.instrument_id"
    " JOIN user_account u ON u.enterprise_id = i.enterprise_id WHERE u.username = 'kh.annam' AND j.state = 'issued'",
}
MAX_HEIGHT = 4000  # px: long registers are cut, the top of the page tells the story


def _ids(database: Path) -> dict[str, Any]:
    import sqlite3

    with sqlite3.connect(database) as db:
        found = {name: db.execute(sql).fetchone()[0] for name, sql in QUERIES.items()}
    missing = sorted(name for name, value in found.items() if value is None)
    if missing:
        sys.exit(f"the demo data holds no record for: {', '.join(missing)}")
    return found


def _check_file(page: Page, ids: dict[str, Any], folder: Path) -> None:
    """Upload the superseded revision's PDF on the current revision's public page."""
    pdf = folder / "certificate.pdf"
    pdf.write_bytes(ids["superseded_pdf"])
    page.set_input_files("form.verify-upload input[type=file]", str(pdf))
    page.click("form.verify-upload button[type=submit]")
    page.wait_for_load_state()


TOKEN_NAMES = {"vi": "Máy tính bàn đo khối lượng", "en": "Mass laboratory bench PC"}
LANGUAGES = {"vi": ("vi-VN", "vi_VN.UTF-8"), "en": ("en-GB", "en_GB.UTF-8")}  # browser locale, LANG


def _folder(out: Path, language: str) -> Path:
    """Where one language's pictures go: Vietnamese (the default UI) at the top, English in ``en/``."""
    return out if language == "vi" else out / language


def _new_token(page: Page, ids: dict[str, Any], folder: Path) -> None:
    """Create an API token: the page lists it and shows its secret once."""
    page.fill("#name", TOKEN_NAMES[ids["language"]])
    page.click("form button.primary")
    page.wait_for_load_state()


ACTIONS: dict[str, Callable[[Page, dict[str, Any], Path], None]] = {
    "26-verify-file-check": _check_file,
    "35-api-tokens": _new_token,
}


def _optimise(png: Path) -> None:
    """A 256-colour palette: screenshots of a form-and-table UI lose nothing visible and shrink threefold."""
    from PIL import Image

    with Image.open(png) as shot:
        image = shot.convert("RGB")
    if image.height > MAX_HEIGHT:
        image = image.crop((0, 0, image.width, MAX_HEIGHT))
    image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(png, optimize=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _choose_language(page: Page, language: str) -> None:
    """Switch the page to ``language`` with the header's selector (kept in the session and, once logged in,
    in the user's account), unless it already shows it."""
    if page.input_value("#language-select") != language:
        with page.expect_navigation():
            page.select_option("#language-select", language)
        page.wait_for_load_state()


def capture(pages: list[tuple[str, str | None, str]], out: Path, language: str) -> None:
    """Every page of ``pages`` in ``language``, against a fresh demo database of its own."""
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    locale, lang_env = LANGUAGES[language]
    with tempfile.TemporaryDirectory() as instance:
        env = {**os.environ, "LIMS_INSTANCE_PATH": instance}
        env.pop("LIMS_DATABASE_URL", None)
        lims = [sys.executable, "-c", "from lims.cli import main; main()"]
        subprocess.run([*lims, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([*lims, "demo"], env=env, check=True, capture_output=True)
        subprocess.run([*lims, "bench", "station-add", *STATION], env=env, check=True, capture_output=True)
        ids = {**_ids(Path(instance) / "lims.db"), "language": language}
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi:app", "run", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):  # a minute: a loaded machine starts Flask slowly
                try:
                    urllib.request.urlopen(base + "/health", timeout=1)  # noqa: S310 - local URL
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                sys.exit(f"the application did not answer on {base}")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(
                    executable_path=CHROMIUM,
                    # Date inputs and file pickers in the user's locale too (Debian package chromium-l10n): the
                    # context's locale= alone sets navigator.language and Intl, but Chromium lays out
                    # <input type=date> by its own UI locale, so "en" would draw the US mm/dd/yyyy.
                    env={**os.environ, "LANGUAGE": lang_env.split(".")[0], "LANG": lang_env},
                    args=[
                        "--no-sandbox",
                        f"--lang={locale}",
                        "--disable-gpu",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                    ],
                )
                for name, user, path in pages:
                    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=locale)
                    page = context.new_page()
                    if user:
                        page.goto(base + "/login")
                        page.fill("#username", user)
                        page.fill("#password", PASSWORD)
                        page.click("button[type=submit]")
                        page.wait_for_load_state()
                    else:
                        page.goto(base + "/login")
                    _choose_language(page, language)
                    page.goto(base + path.format(**ids))
                    if name in ACTIONS:
                        ACTIONS[name](page, ids, Path(instance))
                    png = out / f"{name}.png"
                    page.screenshot(path=str(png), full_page=True)
                    _optimise(png)
                    context.close()
                    print(png)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--lang", choices=("vi", "en", "both"), default="both")
    parser.add_argument("only", nargs="*", help="only the pages whose file names start so, e.g. 26 or 6")
    args = parser.parse_args()
    pages = [p for p in PAGES if not args.only or any(p[0].startswith(prefix) for prefix in args.only)]
    from lims.web.catalogues import compile_catalogues

    compile_catalogues()
    for language in ("vi", "en") if args.lang == "both" else (args.lang,):
        capture(pages, _folder(Path(args.out), language), language)


if __name__ == "__main__":
    main()
