"""The lab's and the customer's job pages name the indication column as the certificate does.

The demo's OIML R 76 verification (KĐ-2026-00001, a class III scale, e = d = 0,005 kg) states P = I + ½e − ΔL − E₀,
free of rounding and corrected for zero (R 76-1 A.4.4.3, A.4.2.3.2), which the scale cannot display: its column
is not "Mean" but "Indication free of rounding error P", with the formula under the table. A calibration keeps
"Mean".
"""

from __future__ import annotations

import html

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.metrology.point import IndicationKind
from certificates.results import INDICATION_LABEL, INDICATION_NOTE
from lims.models import Certificate, Job, JobKind, Role
from lims.services.demo.seed import DEMO_PASSWORD
from lims.services.jobs.procedures import indication_kind
from tests.factories import make_user
from tests.webutil import login, post_form

HEADER = INDICATION_LABEL[IndicationKind.ROUNDING_FREE]
NOTE = INDICATION_NOTE[IndicationKind.ROUNDING_FREE]


def _results_header(page: str) -> str:
    table = page[page.index('<table class="results">') :]
    head = table[: table.index("</thead>")]
    return html.unescape(head.split("<th>")[2].split("</th>")[0])


def _pages(client: FlaskClient, customer: str, job: Job, language: str) -> tuple[str, str]:
    client.delete_cookie("session")
    login(client, "ktv.lan", DEMO_PASSWORD)
    post_form(client, "/language", {"language": language, "next": "/"}, token_from="/")
    lab = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    client.post("/logout", data={})
    client.delete_cookie("session")
    login(client, customer)
    post_form(client, "/language", {"language": language, "next": "/"}, token_from="/")
    portal = client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
    client.post("/logout", data={})
    return lab, portal


@pytest.mark.demo
def test_the_r76_verification_pages_name_p_and_a_calibration_keeps_mean(
    client: FlaskClient, session: Session
) -> None:
    job = session.scalars(
        select(Job)
        .join(Certificate, Certificate.job_id == Job.id)
        .where(Certificate.number == "KĐ-2026-00001")
    ).one()
    assert indication_kind(job.procedure) is IndicationKind.ROUNDING_FREE
    customer = make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id)
    session.commit()
    for language, header, note in (("vi", HEADER.vi, NOTE.vi), ("en", HEADER.en, NOTE.en)):
        lab, portal = _pages(client, customer.username, job, language)
        for where, page in (("lab", lab), ("portal", portal)):
            assert _results_header(page) == header, (where, language)
            assert html.unescape(page).count(note) == 1, (where, language)
            assert "0,10050" in page if language == "vi" else "0.10050" in page  # the value is unchanged

    calibration = session.scalars(
        select(Job)
        .join(Certificate, Certificate.job_id == Job.id)
        .where(Job.kind == JobKind.CALIBRATION)
        .order_by(Certificate.number)
    ).first()
    assert calibration is not None and indication_kind(calibration.procedure) is IndicationKind.MEAN
    other = make_user(session, Role.CUSTOMER, enterprise_id=calibration.enterprise_id)
    session.commit()
    lab, portal = _pages(client, other.username, calibration, "vi")
    for page in (lab, portal):
        assert _results_header(page) == "Giá trị trung bình"
        assert "½e" not in page
