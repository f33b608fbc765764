"""A visitor checks a certificate on the public page; a lab user downloads the issued PDF.

The demo data may hold no issued certificate (issuing is another module), so each test adds one to the
live server's database with the test factory: a real PDF and DCC stored through the storage service.
"""

from __future__ import annotations

import hashlib
import itertools
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lims.models import Job, User
from lims.services.common.storage import DatabaseStorage
from lims.services.records.audit import Actor, set_actor
from tests.browser.conftest import log_in
from tests.factories import make_certificate

pytestmark = pytest.mark.browser

_numbers = itertools.count(1)


def _issue(live_database: Any) -> dict[str, Any]:
    """A certificate KĐ-2026-9xxxx of a demo job, signed by the demo signatory, committed."""
    number = f"KĐ-2026-{97000 + next(_numbers):05d}"
    with live_database.session() as session:
        set_actor(session, Actor(None, "browser test"))
        job = session.scalar(select(Job).order_by(Job.id).limit(1))
        signatory = session.scalar(select(User).where(User.username == "ky.thu"))
        assert job is not None and signatory is not None, "the demo data has jobs and the signatory ky.thu"
        certificate = make_certificate(
            session, job, storage=DatabaseStorage(session), number=number, issued_by_id=signatory.id
        )
        facts = {
            "number": number,
            "pdf": DatabaseStorage(session).get(certificate.pdf_key),
            "pdf_sha256": certificate.pdf_sha256,
            "enterprise": job.enterprise.name,
            "serial": job.instrument.serial_number,
        }
        session.commit()
    return facts


def _code(live_instance: Path, number: str) -> str:
    """The code printed beside the QR code: derived from the live server's signing key."""
    from lims.services.certificates.verification_code import verification_code
    from lims.services.records.signing import load_or_create_key

    return verification_code(load_or_create_key(live_instance), number)


def test_visitor_verifies_a_certificate_and_its_pdf_without_login(
    page: Any, live_server: str, live_database: Any, live_instance: Path, tmp_path: Path
) -> None:
    issued = _issue(live_database)
    code = _code(live_instance, issued["number"])
    # The number alone: the status, nothing of the instrument (issue 21, finding 8).
    page.goto(f"{live_server}/verify")
    page.fill("#number", issued["number"])
    page.press("#number", "Enter")
    page.wait_for_selector(".verify-result")
    assert "/verify/K%C4%90-2026-" in page.url and "c=" not in page.url
    assert page.locator(".verify-verdict").inner_text() == "Hợp lệ và đang có hiệu lực"
    assert page.locator(".verify-number").inner_text() == issued["number"]
    assert issued["serial"] not in page.content()
    assert page.locator(".verify-code-needed").is_visible()

    # The number and the code typed as printed (lower case and a hyphen are accepted).
    page.fill("#number", issued["number"])
    page.fill("#c", f"{code[:4]}-{code[4:]}".lower())
    page.press("#c", "Enter")
    page.wait_for_selector(".verify-result")
    assert page.url.endswith(f"?c={code}")
    assert page.locator(".verify-number").inner_text() == issued["number"]
    assert issued["serial"] in page.content()
    assert issued["enterprise"] not in page.content()

    original = tmp_path / "giay-chung-nhan.pdf"
    original.write_bytes(issued["pdf"])
    page.set_input_files("input[type=file]", str(original))
    page.click("button:has-text('Kiểm tra tệp')")
    assert "giống hệt giấy chứng nhận" in page.locator(".verify-file").inner_text()

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(b"<html>not a certificate</html>")
    page.set_input_files("input[type=file]", str(forged))
    page.click("button:has-text('Kiểm tra tệp')")
    assert "không phải là tài liệu PDF" in page.locator(".verify-file").inner_text()

    page.select_option("#language-select", "en")  # the switch works without an account
    page.wait_for_selector("text=Genuine and current")
    assert page.locator("html").get_attribute("lang") == "en"


def test_lab_user_downloads_the_stored_pdf(page: Any, live_server: str, live_database: Any) -> None:
    issued = _issue(live_database)
    log_in(page, live_server, "dg.mai")
    page.click("nav >> text=Giấy chứng nhận")
    page.fill("#q", issued["number"])
    page.press("#q", "Enter")
    page.click(f"a:has-text('{issued['number']}')")
    assert page.locator("h1").inner_text() == issued["number"]
    with page.expect_download() as download_info:
        page.click("text=Tải tệp PDF")
    download = download_info.value
    data = Path(download.path()).read_bytes()
    assert data.startswith(b"%PDF-")
    assert hashlib.sha256(data).hexdigest() == issued["pdf_sha256"]
    assert data == issued["pdf"]
    assert download.suggested_filename == f"{issued['number']}.pdf"
