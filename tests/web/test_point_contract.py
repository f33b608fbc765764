"""Done when (issue 15): one point's numbers read identically everywhere, in both languages.

One job (CAL-DMM-DCV, measured then issued) is walked through the bench page, the job page, the customer's
portal page, the API, ``lims jobs show --json`` (its service), the certificate PDF and the DCC. The point's
U, k, error and verdict must read the same everywhere, modulo the decimal sign of the language (Vietnamese
comma, English point; the certificate is bilingual with the comma, the DCC and JSON use the point).
"""

from __future__ import annotations

import io
import re
import unicodedata
import xml.etree.ElementTree as ET

import pypdf
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from certificates.dcc import DCC_NS, SI_NS
from lims.models import Role
from lims.services.bench.measurements import measurements
from lims.services.certificates import issue as svc
from lims.services.common.storage import DatabaseStorage
from lims.services.jobs.results import job_report
from tests.factories import make_user
from tests.services import certsetup
from tests.web.api.conftest import bearer, token_for
from tests.webutil import login

NS = {"dcc": DCC_NS, "si": SI_NS}
INDEX = 1  # the 10 V point


def _cell(html: str, field: str) -> str:
    found = re.search(rf'data-field="{field}">(?:<span[^>]*>)?([^<]*)<', html)
    assert found, field
    return found.group(1).strip()


def _page_point(html: str, start: str) -> dict[str, str]:
    part = html[html.index(start) :]
    return {f: _cell(part, f) for f in ("error", "expanded_uncertainty", "coverage_factor", "verdict")}


def test_one_point_reads_identically_everywhere_in_both_languages(
    client: FlaskClient, session: Session
) -> None:
    setup = certsetup.lab(session)
    # the customer asked for a statement of conformity, so the certificate states the verdict (7.8.6)
    job = certsetup.approved_job(
        session, setup, "CAL-DMM-DCV", conformity_statement=True, specification="Fluke 179 ±(0.05 % + 2)"
    )
    point = measurements(session, job.id)[INDEX].point
    assert point is not None
    cert = certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=job.enterprise_id)
    session.commit()

    # The truth, from the record: U to two significant digits, the error to U's place (GUM 7.2.6).
    rep = point.reported()
    u, error = format(rep.expanded_uncertainty, "f"), format(rep.error, "f")
    k = format(point.coverage_factor.normalize(), "f")
    assert len(rep.expanded_uncertainty.normalize().as_tuple().digits) <= 2
    expected = {
        "vi": {
            "error": error.replace(".", ",") + " V",
            "expanded_uncertainty": u.replace(".", ",") + " V",
            "coverage_factor": k.replace(".", ","),
            "verdict": "Phù hợp",
        },
        "en": {
            "error": error + " V",
            "expanded_uncertainty": u + " V",
            "coverage_factor": k,
            "verdict": "Pass",
        },
    }
    assert point.verdict == "pass"
    # evaluate_budget's reported values are the ones used downstream: no second rounding anywhere
    from lims.domain.uncertainty import evaluate_budget, parse_budget

    budget = measurements(session, job.id)[INDEX].budget
    assert budget is not None
    engine = evaluate_budget(parse_budget(budget)).reported
    if point.interval_method == "lpu_validated":
        assert (engine.value, engine.expanded_uncertainty) == (rep.error, rep.expanded_uncertainty)
    else:  # not validated (JCGM 101 8.2): the Monte Carlo U, rounded by the same one rounding
        assert point.interval_method == "mcm" and engine.value == rep.error

    for language in ("vi", "en"):
        for user in (setup.technician, customer):
            user.language = language
        session.commit()
        client.delete_cookie("session")
        login(client, setup.technician.username)
        bench = client.get(f"/jobs/{job.id}/bench").get_data(as_text=True)
        assert _page_point(bench, f'id="point-{INDEX + 1}"') == expected[language], ("bench", language)
        page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
        assert _page_point(page, f'<tr data-point="{INDEX}">') == expected[language], ("job", language)
        client.post("/logout", data={})
        client.delete_cookie("session")
        login(client, customer.username)
        portal = client.get(f"/portal/jobs/{job.id}").get_data(as_text=True)
        assert _page_point(portal, f'<tr data-point="{INDEX}">') == expected[language], ("portal", language)
        wrong_sign = "." if language == "vi" else ","
        assert u.replace(".", wrong_sign) not in portal.replace(f"{INDEX + 1}{wrong_sign}", "")

    # The API and `lims jobs show --json`: decimal strings with a point, exactly the certificate's digits.
    machine = {"error": error, "expanded_uncertainty": u, "coverage_factor": k, "verdict": "pass"}
    secret = token_for(session, customer)
    api = client.get(f"/api/v1/jobs/{job.number}", headers=bearer(secret)).get_json()
    api_point = api["points"]["items"][INDEX]["result"]
    assert {f: api_point[f] for f in machine} == machine
    cli_point = job_report(session, job.number)["points"][INDEX]
    assert cli_point == api_point and cli_point["dof_eff"] == api_point["dof_eff"]
    assert job_report(session, job.number)["certificates"] == [cert.number]

    # The certificate PDF (bilingual, decimal comma) and the DCC (decimal point).
    pdf = svc.stored_bytes(DatabaseStorage(session), cert, "pdf")
    text = re.sub(
        r"\s+",
        " ",
        unicodedata.normalize(
            "NFC", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
        ),
    )
    row = f"{INDEX + 1} {format(rep.reference_value, 'f').replace('.', ',')} {format(rep.indication, 'f').replace('.', ',')} "
    row += f"{error.replace('.', ',')} {u.replace('.', ',')} {k.replace('.', ',')}"
    assert row in text
    assert "Phù hợp / Pass" in text
    coverage = point.coverage_text("en")
    if point.interval_method == "mcm":  # JCGM 101 clause 8: the certificate says the interval is Monte Carlo's
        assert "Monte Carlo" in coverage and "(JCGM 101:2008 clause 8)" in text
        assert "for a normal distribution" not in text
    elif point.effective_dof is None:
        assert "normal distribution" in coverage and "for a normal distribution" in text
    else:
        assert coverage in text and "for a normal distribution" not in text
    root = ET.fromstring(svc.stored_bytes(DatabaseStorage(session), cert, "dcc"))
    results = root.findall(".//dcc:result", NS)
    real = results[INDEX].find(".//dcc:quantity[@refType='basic_measurementError']/si:real", NS)
    assert real is not None
    assert real.findtext("si:value", namespaces=NS) == error
    assert real.findtext("si:expandedUnc/si:uncertainty", namespaces=NS) == u
    assert real.findtext("si:expandedUnc/si:coverageFactor", namespaces=NS) == k
    distribution = real.findtext("si:expandedUnc/si:distribution", namespaces=NS)
    assert distribution == ("normal" if point.effective_dof is None else coverage.split(", k = ")[0])
    assert results[INDEX].findtext(".//dcc:conformity", namespaces=NS) == "pass"
