"""Finding 1 of the outside probe (issue 21): a download whose name has a Vietnamese letter got no response.

gunicorn refuses a header value that is not latin-1 and closes the connection; every download now takes its
``Content-Disposition`` from :mod:`lims.web.downloads` (RFC 6266 with an RFC 5987 ``filename*``), whose value
is pure ASCII and parses back to the exact Vietnamese name.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.http import parse_options_header

from lims.models import JobState, Role
from lims.services.common.storage import open_storage
from lims.web.downloads import content_disposition
from tests.factories import make_calibration, make_enterprise, make_job, make_standard, make_user
from tests.web.api.conftest import bearer, token_for
from tests.web.portalutil import make_certificate
from tests.webutil import login

ROOT = Path(__file__).resolve().parents[2]
NUMBER = "KĐ-2026-00001"
STANDARD = "ĐL-KL-004"


def parsed_filename(header: str) -> str:
    """The file name a client that reads RFC 5987 ``filename*`` sees (werkzeug's RFC 2231 parser)."""
    _kind, params = parse_options_header(header)
    return params["filename"]


def assert_safe(header: str, expected: str) -> None:
    header.encode("latin-1")  # what gunicorn and every WSGI server accept
    assert header.isascii(), header
    assert parsed_filename(header) == expected
    fallback = re.search(r'filename="([^"]*)"', header)
    assert fallback and fallback.group(1).isascii()


def test_the_helper_writes_an_ascii_header_that_parses_back_to_the_vietnamese_name() -> None:
    assert_safe(content_disposition("KĐ-2026-00001.pdf"), "KĐ-2026-00001.pdf")
    assert_safe(content_disposition("Báo cáo năm 2026 (Đà Nẵng).xlsx"), "Báo cáo năm 2026 (Đà Nẵng).xlsx")
    header = content_disposition('a"b\\c/d\r\n.pdf', inline=True)
    assert header.startswith("inline; ") and "\r" not in header and "\n" not in header
    assert parsed_filename(header) == 'a"b_c_d.pdf'


def test_every_download_route_sends_an_ascii_header_with_the_exact_name(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    enterprise = make_enterprise(session)
    job = make_job(session, enterprise=enterprise, state=JobState.ISSUED)
    certificate, _files = make_certificate(app, session, job, NUMBER)
    standard = make_standard(session, asset_number=STANDARD)
    storage = open_storage(app.config["SETTINGS"], session)
    stored = storage.put("standards/cert.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    calibration = make_calibration(
        session, standard, certificate_number="VMI/ĐL-2025/17", file_key=stored.key, file_sha256=stored.sha256
    )
    lab_user = make_user(session, Role.AUDITOR)
    session.commit()
    token = token_for(session, make_user(session, Role.TECHNICIAN))

    login(client, lab_user.username)
    lab_routes = {
        f"/certificates/{NUMBER}/pdf": f"{NUMBER}.pdf",
        f"/certificates/{NUMBER}/dcc": f"{NUMBER}.xml",
        f"/traceability/{STANDARD}.json": f"traceability-{STANDARD}.json",
        f"/traceability/{STANDARD}.pdf": f"traceability-{STANDARD}.pdf",
        f"/standards/calibrations/{calibration.id}/certificate.pdf": "VMI_ĐL-2025_17.pdf",
    }
    for url, expected in lab_routes.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_safe(response.headers["Content-Disposition"], expected)
    for kind, extension in (("pdf", "pdf"), ("dcc", "xml")):
        response = client.get(f"/api/v1/certificates/{NUMBER}/{kind}", headers=bearer(token))
        assert response.status_code == 200, kind
        assert_safe(response.headers["Content-Disposition"], f"{NUMBER}.{extension}")

    customer = app.test_client()
    login(customer, make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id).username)
    for kind, extension in (("pdf", "pdf"), ("dcc", "xml")):
        response = customer.get(f"/portal/certificates/{certificate.id}/{kind}")
        assert response.status_code == 200, kind
        assert_safe(response.headers["Content-Disposition"], f"{NUMBER}.{extension}")


def test_no_view_writes_content_disposition_by_hand() -> None:
    """One owner: only lims/web/downloads.py spells the header (the OpenAPI document only names it)."""
    writers = [
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "lims").rglob("*.py")
        if "Content-Disposition" in path.read_text(encoding="utf-8")
    ]
    assert sorted(writers) == ["lims/web/api/openapi/common.py", "lims/web/downloads.py"]


GUNICORN_APP = """
from lims.web.downloads import file_response
from flask import Flask

app = Flask(__name__)


@app.get("/helper")
def helper():
    return file_response(b"%PDF-", filename="KĐ-2026-00001.pdf", mimetype="application/pdf")


@app.get("/by-hand")
def by_hand():  # what the views wrote before issue 21
    return file_response(b"%PDF-", filename="x.pdf", mimetype="application/pdf", headers={
        "Content-Disposition": 'attachment; filename="KĐ-2026-00001.pdf"'})
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_through_gunicorn_the_vietnamese_name_arrives(tmp_path: Path) -> None:
    (tmp_path / "dlapp.py").write_text(GUNICORN_APP, encoding="utf-8")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind", f"127.0.0.1:{port}", "dlapp:app"],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{ROOT}", "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        with urlopen(f"http://127.0.0.1:{port}/helper", timeout=10) as response:
            assert response.status == 200
            assert_safe(response.headers["Content-Disposition"], "KĐ-2026-00001.pdf")
        # The probe's finding, reproduced: the old header never reaches the client.
        with (
            pytest.raises(Exception),  # noqa: B017 - the connection is closed or a 500 is sent
            urlopen(f"http://127.0.0.1:{port}/by-hand", timeout=10) as response,
        ):
            assert "KĐ" in response.headers.get("Content-Disposition", "")
    finally:
        server.terminate()
        server.wait(timeout=10)
