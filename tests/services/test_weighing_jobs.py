"""A balance calibrated (EURAMET cg-18) and a scale verified (OIML R 76-1 annex A), each from a customer's
request to an issued certificate, through the services the lab uses (both database backends)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from certificates.metrology import NoStatementReason, RuleKind, Verdict
from lims.domain.authorisation import AuthorisedRole
from lims.models import JobKind, JobState, Role
from lims.services.access import authorisations
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.bench.weighing_tests import WeighingTestInput, save_weighing_test, summary
from lims.services.certificates import issue as svc
from lims.services.common.storage import DatabaseStorage
from lims.services.customers import service_requests as sr
from lims.services.customers.capability_review import procedures_for
from lims.services.customers.request_conversion import Conversion, convert_request
from lims.services.jobs import jobs
from lims.services.jobs.errors import ReadingError
from lims.services.jobs.procedures import sync_procedures
from tests.factories import (
    make_calibration,
    make_enterprise,
    make_instrument,
    make_lab,
    make_standard,
    make_user,
)
from tests.services import certsetup, jobsetup

TODAY = date(2026, 3, 2)
ON = date(2026, 3, 5)
AT = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội


@pytest.fixture
def lab(session: Session) -> dict[str, Any]:
    return weighing_lab(session)


def weighing_lab(session: Session) -> dict[str, Any]:
    """A lab with E2 and M1 weights, authorised staff, a 220 g balance and a 30 kg scale (in grams)."""
    sync_procedures(session)
    the_lab = make_lab(session, email="hieuchuan@lab.example.vn", address="Số 8 Hoàng Quốc Việt, Hà Nội")
    ent = make_enterprise(session)
    people = {
        "customer": make_user(session, Role.CUSTOMER, enterprise_id=ent.id),
        "admin": make_user(session, Role.ADMIN),
        "tech": make_user(session, Role.TECHNICIAN),
        "rev": make_user(session, Role.REVIEWER),
        "sig": make_user(
            session, Role.SIGNATORY, full_name="Nguyễn Thị Thu Hằng", function_title="Phó Giám đốc"
        ),
    }
    for code in ("CAL-NAWI-CG18", "VER-NAWI-R76"):
        for who, role in (
            ("tech", AuthorisedRole.PERFORM),
            ("rev", AuthorisedRole.REVIEW),
            ("sig", AuthorisedRole.SIGN),
        ):
            authorisations.grant(
                session,
                authorisations.Grant(
                    people[who].id, code, role, date(2026, 1, 1), "training record TR-9; 5 supervised jobs"
                ),
            )
    # E2 weights 1 g – 200 g (+ 20 g) in grams; M1 weights in kilograms (OIML R 111-1 classes)
    e2 = make_standard(
        session, lab_id=the_lab.id, unit="g", accuracy="OIML R 111 E2", drift_limit=Decimal("0.00005")
    )
    # within MPE/3 of class E2 (OIML R 111-1 5.2: 0.030 mg at 1 g, 0.75 mg at 500 g), which the guard checks
    make_calibration(
        session,
        e2,
        calibrated_on=date(2026, 1, 5),
        points=[
            {"value": 1, "unit": "g", "expanded_uncertainty": 0.00001, "k": 2},
            {"value": 500, "unit": "g", "expanded_uncertainty": 0.00025, "k": 2},
        ],
    )
    m1 = make_standard(
        session, lab_id=the_lab.id, unit="kg", accuracy="OIML R 111 M1", drift_limit=Decimal("0.0001")
    )
    make_calibration(
        session,
        m1,
        calibrated_on=date(2026, 1, 5),
        points=[
            # within MPE/3 of class M1 (R 111-1 5.2: 5 mg at 100 g, 2.5 g at 50 kg)
            {"value": 0.1, "unit": "kg", "expanded_uncertainty": 0.0000015, "k": 2},
            {"value": 50, "unit": "kg", "expanded_uncertainty": 0.0008, "k": 2},
        ],
    )
    balance = make_instrument(
        session,
        ent,
        instrument_type="Cân phân tích",
        unit="g",
        range_max=Decimal(220),
        resolution=Decimal("0.0001"),
        accuracy_class="I",
        serial_number="XPR-1",
    )
    # A retail scale registered in grams; the R 76 procedure works in kilograms (converted with pint)
    scale = make_instrument(
        session,
        ent,
        instrument_type="Cân bàn điện tử",
        unit="g",
        range_max=Decimal(30000),
        resolution=Decimal(10),
        accuracy_class="III",
        serial_number="DEF-1",
    )
    # the lab is designated to verify scales; the technician and the signatory hold officer cards (issue 17)
    jobsetup.legal_records(session, the_lab, [people["tech"], people["sig"]], people["admin"])
    return {**people, "lab": the_lab, "e2": e2, "m1": m1, "balance": balance, "scale": scale}


def job_from_request(session: Session, s: dict[str, Any], kind: JobKind, instrument: Any, code: str) -> Any:
    req = sr.submit_request(
        session,
        s["customer"],
        sr.RequestInput(
            kind=kind,
            items=[sr.RequestItemInput(instrument.id)],
            conformity_statement=kind is JobKind.VERIFICATION,
        ),
        today=TODAY,
    )
    sr.accept_request(session, req.id, user=s["admin"])
    usable = procedures_for(session, req)[req.items[0].id]
    chosen = max((p for p in usable if p.code == code), key=lambda p: p.version)  # the newest version
    (job,) = convert_request(
        session, req.id, Conversion({req.items[0].id: chosen.id}), user=s["admin"], today=TODAY
    )
    if kind is JobKind.VERIFICATION:  # the scale's e and Min (R 76-1 T.3.2.5, 3.3.2: class III, Min = 20 e)
        job.requirements = {**job.requirements, "legal_characteristics": {"e": "10 g", "min": "200 g"}}
    jobs.record_intake(
        session, job.id, jobs.Intake("no visible damage", "draft shield"), expected_version=job.version
    )
    for state in ("received", "in_progress"):
        jobsetup.move(session, job, state, s["tech"], now=AT)
    return job


def _test(
    session: Session,
    s: dict[str, Any],
    job: Any,
    kind: str,
    load: str,
    readings: list[str],
    added: list[str] | None = None,
) -> Any:
    return save_weighing_test(
        session,
        job.id,
        WeighingTestInput(kind, load, readings, added or []),
        user=s["tech"],
        expected_version=job.version,
        on=ON,
        now=AT,
    )


def _point(
    session: Session,
    s: dict[str, Any],
    job: Any,
    i: int,
    readings: list[str],
    reference: str,
    weighing: dict[str, list[str]],
    env: dict[str, str],
) -> Any:
    return jobsetup.save_point(
        session, job, PointInput(i, readings, reference, env, weighing=weighing), s["tech"], now=AT, on=ON
    )


def _approve_and_issue(session: Session, s: dict[str, Any], job: Any, **kw: Any) -> Any:
    jobsetup.move(session, job, "measured", s["tech"], now=AT)
    jobsetup.move(session, job, "reviewed", s["rev"], now=AT)
    jobsetup.sign(session, job, s["sig"], meaning="Phê duyệt kết quả", now=AT)
    return certsetup.issue(session, job, s["sig"], now=AT, **kw)


def test_balance_calibration_from_request_to_certificate(session: Session, lab: dict[str, Any]) -> None:
    """220 g × 0.1 mg analytical balance, class I (e = 1 mg agreed at contract review), per cg-18.

    The first request for a balance calibration failed with an empty procedure list; CAL-NAWI-CG18 now takes it.
    Hand check at 220 g: s = 0.075277 mg (ν = 5), |ΔI_ecc|max = 0.2 mg at 100 g → half-width 0.22 mg;
    U from the E2 certificate 0.01 + 0.24·219/499 = 0.115 mg (k = 2); E = 220.0003 − 220.00002 = 0.28 mg.
    """
    s = lab
    job = job_from_request(session, s, JobKind.CALIBRATION, s["balance"], "CAL-NAWI-CG18")
    assert job.procedure.code == "CAL-NAWI-CG18" and job.state == JobState.IN_PROGRESS
    job.requirements = {**job.requirements, "verification_interval": "0.001"}
    jobs.add_standard(session, job.id, s["e2"].id, "weights", on=ON, expected_version=job.version)
    assert measurements.test_points(job) == (22.0, 55.0, 110.0, 165.0, 220.0)
    env = {"temperature": "21.2 21.6", "humidity": "48"}
    with pytest.raises(
        ReadingError, match="repeatability test"
    ):  # cg-18 5.1 first: the loads' budgets need s
        _point(session, s, job, 0, ["22.0001"], "22.0000", {"zero": ["0.0000"]}, env)
    _test(
        session,
        s,
        job,
        "repeatability",
        "100",
        ["100.0001", "100.0002", "100.0000", "100.0001", "100.0002", "100.0001"],
    )
    ecc = _test(
        session, s, job, "eccentricity", "100", ["100.0000", "100.0001", "99.9999", "100.0002", "100.0001"]
    )
    # exact decimals from the indications as entered (floats stored 0.000200000000007 for 100.0002 − 100.0000)
    assert ecc.result["deviations"] == ["0.0001", "-0.0001", "0.0002", "0.0001"]
    assert ecc.result["max_deviation"] == "0.0002"
    with pytest.raises(ReadingError, match="no-load indication"):  # each load needs its no-load indication
        _point(session, s, job, 0, ["22.0001"], "22.0000", {}, env)
    for i, (reading, reference) in enumerate(
        [
            ("22.0001", "22.00001"),
            ("55.0001", "55.00001"),
            ("110.0002", "110.00002"),
            ("165.0002", "165.00002"),
            ("220.0003", "220.00002"),
        ]
    ):
        _point(session, s, job, i, [reading], reference, {"zero": ["0.0000"]}, env)
    last = measurements.measurements(session, job.id)[4].point
    assert last is not None
    assert last.error == Decimal("0.00028") and last.indication == Decimal("220.0003")
    names = [i["name"] for i in measurements.measurements(session, job.id)[4].budget["inputs"]]
    assert names == ["I", "dI_digL", "dI_dig0", "dI_ecc", "m_ref", "dm_B", "dm_D"]
    assert Decimal("0.0003") < last.expanded_uncertainty < Decimal("0.0004")  # ≈ 0.35 mg, k ≈ 2
    # A repeated repeatability test changes every load's budget: the points are recomputed
    _test(session, s, job, "repeatability", "100", ["100.0001"] * 5 + ["100.0002"])
    again = measurements.measurements(session, job.id)[4].point
    assert again is not None and again.expanded_uncertainty < last.expanded_uncertainty
    cert = _approve_and_issue(session, s, job)
    assert cert.number.startswith("HC-2026-") and job.state == JobState.ISSUED
    assert [t["kind"] for t in summary(session, job.id)] == ["repeatability", "eccentricity"]
    text = _pdf_text(session, cert)  # cg-18 section 8: the repeatability and eccentricity found
    assert "s = 0,041 g" not in text and "Độ lặp lại (cg-18 5.1): độ lệch chuẩn s = 0,000041 g" in text
    assert "|ΔI| = 0,00020 g tại 100 g" in text


def test_scale_verification_from_request_to_certificate(session: Session, lab: dict[str, Any]) -> None:
    """30 kg × 10 g class III scale registered in grams, verified per R 76-1 annex A in kilograms.

    Zero: I_0 = 0, ΔL_0 = 4 g → E_0 = 1 g. Loads Min 0.2 kg, 500 e, 50 % Max, 2 000 e, Max; increasing and
    decreasing readings with change-point weights of 1 g (0.1 e); E_c = I + ½e − ΔL − E_0 − m_ref.
    """
    s = lab
    job = job_from_request(session, s, JobKind.VERIFICATION, s["scale"], "VER-NAWI-R76")
    assert (job.procedure.code, job.procedure.version) == ("VER-NAWI-R76", "2.0")
    jobs.add_standard(session, job.id, s["m1"].id, "weights", on=ON, expected_version=job.version)
    assert measurements.test_points(job) == (0.2, 5.0, 15.0, 20.0, 30.0)
    env = {"temperature": "24.0 25.0"}
    _test(session, s, job, "zero", "0", ["0.00"], ["0.004"])
    _test(
        session,
        s,
        job,
        "repeatability",
        "15",
        ["15.00"] * 6,
        ["0.004", "0.004", "0.004", "0.004", "0.004", "0.003"],
    )
    ecc = _test(
        session, s, job, "eccentricity", "10", ["10.00"] * 5, ["0.004", "0.003", "0.005", "0.002", "0.004"]
    )
    assert ecc.result["passed"] is True and ecc.result["worst"] == "0.002"
    # E_c = 10 + 0.005 − ΔL − 10 − 0.001, exact: floats stored -5.54244150575e-16 for ΔL = 4 g (issue 16 review)
    assert ecc.result["errors"] == ["0", "0.001", "-0.001", "0.002", "0"] and ecc.result["limit"] == "0.01"
    for i, nominal in enumerate(("0.2", "5", "15", "20", "30")):
        _point(session, s, job, i, [nominal, nominal], nominal, {"added": ["0.004", "0.003"]}, env)
    with pytest.raises(ReadingError, match="discrimination test of this weighing job"):
        jobsetup.move(session, job, "measured", s["tech"], now=AT)
    _test(session, s, job, "discrimination", "15", ["15.00", "15.01"])
    points = [m.point for m in measurements.measurements(session, job.id).values()]
    # decreasing reading: ΔL = 3 g → E_c = 5 − 3 − 1 = 1 g, the worse of the two
    assert all(p is not None and p.error == Decimal("0.001") for p in points)
    assert all(
        p is not None and p.decision_rule is not None and p.decision_rule.kind is RuleKind.SIMPLE
        for p in points
    )
    assert all(
        p is not None
        and p.verdict is Verdict.PASS
        and p.mpe is not None
        and 3 * p.expanded_uncertainty <= p.mpe
        for p in points
    )
    cert = _approve_and_issue(session, s, job, stamp_number="HN-25-000100")
    assert cert.number.startswith("KĐ-2026-") and cert.stamp_number == "HN-25-000100"
    text = _pdf_text(session, cert)
    assert "Độ lệch tâm (A.4.7): sai số lớn nhất = 0,002 kg tại 10 kg; giới hạn 0,01 kg: đạt" in text


def test_a_failed_eccentricity_fails_the_verification(session: Session, lab: dict[str, Any]) -> None:
    """Every load within its MPE, but one eccentricity position 12 g off at 10 kg (MPE 10 g): no certificate."""
    s = lab
    job = job_from_request(session, s, JobKind.VERIFICATION, s["scale"], "VER-NAWI-R76")
    jobs.add_standard(session, job.id, s["m1"].id, "weights", on=ON, expected_version=job.version)
    _test(session, s, job, "zero", "0", ["0.00"], ["0.004"])
    _test(session, s, job, "repeatability", "15", ["15.00"] * 6, ["0.004"] * 5 + ["0.003"])
    ecc = _test(
        session,
        s,
        job,
        "eccentricity",
        "10",
        ["10.00", "10.00", "10.01", "10.00", "10.00"],
        ["0.004", "0.004", "0.002", "0.004", "0.004"],
    )
    assert ecc.result["passed"] is False and ecc.result["worst"] == "0.012"
    _test(session, s, job, "discrimination", "15", ["15.00", "15.01"])
    for i, nominal in enumerate(("0.2", "5", "15", "20", "30")):
        _point(
            session,
            s,
            job,
            i,
            [nominal, nominal],
            nominal,
            {"added": ["0.004", "0.004"]},
            {"temperature": "24"},
        )
    with pytest.raises(svc.CertificateError, match="did not pass verification"):
        _approve_and_issue(session, s, job, stamp_number="HN-25-000101")


def _pdf_text(session: Session, cert: Any) -> str:
    import io
    import unicodedata

    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(svc.stored_bytes(DatabaseStorage(session), cert, "pdf")))
    return unicodedata.normalize("NFC", " ".join(" ".join(p.extract_text().split()) for p in reader.pages))


def test_verification_without_change_point_weights_does_not_pass(
    session: Session, lab: dict[str, Any]
) -> None:
    """Change-point weights of a whole e (no better than the indication): U is no longer small against the MPE
    at Min (MPE/U < 3, the procedure's minimum_tur): no statement under simple acceptance, so the
    verification is not passed."""
    s = lab
    job = job_from_request(session, s, JobKind.VERIFICATION, s["scale"], "VER-NAWI-R76")
    jobs.add_standard(session, job.id, s["m1"].id, "weights", on=ON, expected_version=job.version)
    _test(session, s, job, "zero", "0", ["0.00"], ["0.005"])
    # repeatability spread of 0.8 e at 15 kg: s = 4.4 g, ν = 5
    _test(
        session,
        s,
        job,
        "repeatability",
        "15",
        ["15.00"] * 6,
        ["0.001", "0.009", "0.001", "0.009", "0.005", "0.005"],
    )
    _point(session, s, job, 0, ["0.2", "0.2"], "0.2", {"added": ["0.004", "0.004"]}, {"temperature": "24"})
    point = measurements.measurements(session, job.id)[0].point
    assert point is not None and point.mpe == Decimal("0.005")
    assert point.decision_rule is not None and point.decision_rule.kind is RuleKind.SIMPLE
    assert (
        point.verdict is Verdict.NO_STATEMENT
        and point.no_statement_reason is NoStatementReason.TUR_BELOW_MINIMUM
    )
    assert 3 * point.expanded_uncertainty > point.mpe


def test_bad_weighing_input_is_refused_and_nothing_is_saved(session: Session, lab: dict[str, Any]) -> None:
    s = lab
    job = job_from_request(session, s, JobKind.CALIBRATION, s["balance"], "CAL-NAWI-CG18")
    jobs.add_standard(session, job.id, s["e2"].id, "weights", on=ON, expected_version=job.version)
    with pytest.raises(ReadingError, match="not a number"):
        _test(session, s, job, "repeatability", "100", ["100.0001", "abc"])
    with pytest.raises(ReadingError, match="needs at least 6"):
        _test(session, s, job, "repeatability", "100", ["100.0001", "100.0002"])
    with pytest.raises(ReadingError, match="no such weighing test"):
        _test(session, s, job, "zero", "0", ["0"], ["0.00005"])
    assert summary(session, job.id) == []
