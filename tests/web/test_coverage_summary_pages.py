"""The statement under the results table names each method once, in both languages, on every page and in the
certificate (EA-4/02 M:2022 section 5; ILAC-P14:09/2020 6.2).

Regression of the English portal page of demo job JOB-2026-00009: five Monte Carlo points (JCGM 101:2008
clause 8), one with k = U/u = 2.01 and four with 2.0, printed the method twice ("… k = U/u = 2.0 …; … k = U/u
= 2.01 …") and "2.0" in the sentence beside "2" in the k column.
"""

from __future__ import annotations

import html as html_lib
import io
import re
import shutil
import subprocess
import unicodedata
from dataclasses import replace
from decimal import Decimal

import pypdf
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from certificates.metrology import CoverageDistribution, IntervalMethod, codec
from lims.models import Role
from lims.services.bench.measurements import measurements
from lims.services.certificates import issue as svc
from lims.services.common.storage import DatabaseStorage
from tests.factories import make_user
from tests.services import certsetup
from tests.webutil import login

MIXED_K = 1  # the point whose k = U/u is 2.01; every other point has 2.0 (the float's repr, as stored)

STATEMENT = {
    "en": "Monte Carlo method (JCGM 101:2008), coverage factor k = U/u as given for each point, "
    "coverage probability approximately 95 %",
    "vi": "phương pháp Monte Carlo (JCGM 101:2008), hệ số phủ k = U/u ghi cho từng điểm đo, "
    "xác suất phủ xấp xỉ 95 %",
}
LABEL = {"en": "Expanded uncertainty U", "vi": "Độ không đảm bảo đo mở rộng U"}
METHOD = {"en": "Monte Carlo method (JCGM 101:2008)", "vi": "phương pháp Monte Carlo (JCGM 101:2008)"}


def _statement(page: str) -> str:
    found = re.search(r'<p class="coverage">(.*?)</p>', page, re.S)
    assert found, "no coverage statement under the results table"
    return re.sub(r"\s+", " ", html_lib.unescape(found.group(1))).strip()


def _k_column(page: str) -> list[str]:
    return [html_lib.unescape(k) for k in re.findall(r'data-field="coverage_factor">([^<]*)<', page)]


def _pdf_text(pdf: bytes) -> str:
    """The PDF's text through poppler's pdftotext when installed (what a reader copies), else pypdf."""
    try:
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
    except FileNotFoundError:
        text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def test_mixed_k_monte_carlo_job_names_the_method_once(client: FlaskClient, session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    rows = measurements(session, job.id)
    for index, m in rows.items():
        point = m.point
        assert point is not None
        m.result = codec.encode(
            replace(
                point,
                interval_method=IntervalMethod.MCM,
                distribution=CoverageDistribution.NORMAL,
                effective_dof=None,
                coverage_factor=Decimal("2.01") if index == MIXED_K else Decimal("2.0"),
                coverage_probability=Decimal("0.9545"),
            )
        )
    session.flush()
    cert = certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id)
    session.commit()
    ks = {"en": ["2.01" if i == MIXED_K else "2" for i in sorted(rows)]}
    ks["vi"] = [k.replace(".", ",") for k in ks["en"]]

    for language in ("vi", "en"):
        for user in (setup.technician, customer):
            user.language = language
        session.commit()
        client.delete_cookie("session")
        login(client, setup.technician.username)
        lab_page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
        client.post("/logout", data={})
        client.delete_cookie("session")
        login(client, customer.username)
        portal_page = client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
        client.post("/logout", data={})
        for where, page in (("lab", lab_page), ("portal", portal_page)):
            said = _statement(page)
            # on a page the percentage never wraps away from its number (a no-break space, not a space)
            raw = re.search(r'<p class="coverage">(.*?)</p>', page, re.S)
            assert raw and "95\u00a0%" in html_lib.unescape(raw.group(1)), (where, language)
            assert said == f"{LABEL[language]}: {STATEMENT[language]}", (where, language)
            assert said.count("Monte Carlo") == 1, (where, language)
            # the k column and the sentence follow one rule (coverage_factor_text): "2", never "2.0"
            assert _k_column(page)[: len(rows)] == ks[language], (where, language)
            assert "2.0," not in said and "2,0," not in said

    pdf = svc.stored_bytes(DatabaseStorage(session), cert, "pdf")
    # no line of the PDF ends with "95" and the next begins with "%" (the English paragraph broke there)
    if shutil.which("pdftotext"):
        raw = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True).stdout
        assert not re.search(r"95[ \u00a0]*\n\s*%", raw.decode())
    text = _pdf_text(pdf)
    for language in ("vi", "en"):
        assert f"{LABEL[language]}: {STATEMENT[language]}." in text, language
        assert text.count(METHOD[language]) == 1, language
    assert "k = U/u = 2.0" not in text and "k = U/u = 2,0" not in text
    # k is stated once: the Monte Carlo statement, not also the "standard uncertainty times k" wording
    assert "multiplied by the coverage factor" not in text and "nhân với hệ số phủ" not in text
    assert "determined in accordance with EA-4/02 M:2022" in text
    # the table's k column in the PDF (bilingual, decimal comma; No., reference, indication, error, U, k)
    for n, k in enumerate(ks["vi"], start=1):
        assert re.search(rf" {n} \S+ \S+ \S+ \S+ {re.escape(k)} ", text), (n, k)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_one_k_rule_for_table_sentence_and_json(language: str) -> None:
    """k prints through coverage_factor_text alone: the table cell, the point's statement and the JSON agree."""
    from certificates.examples import example_calibration
    from certificates.metrology.display import point_json, point_text

    point = replace(
        example_calibration(1).results[0].points[0],
        interval_method=IntervalMethod.MCM,
        distribution=CoverageDistribution.NORMAL,
        effective_dof=None,
        coverage_factor=Decimal("2.0"),
    )
    t = point_text(point, language)
    assert t.coverage_factor == "2"
    assert ", k = U/u = 2, " in t.coverage
    assert point_json(point, 0)["coverage_factor"] == "2"
