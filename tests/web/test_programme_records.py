"""Every programme record kind added, edited and withdrawn on the web moves its indicator (issue 20).

Each test keeps its own plain-Python ledger of what it posted and counts from it by the plan's rule, then
compares with the figure the service computes from the database and with the drill-down page. The phase
is Hà Nội's 2026–2030 (the default LIMS_PROGRAMME of the tests); the year counted is 2026.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lims.domain.programme import Counting, Indicator, Verdict, load_programme
from lims.localtime import lab_zone
from lims.models import (
    DemandInstrumentType,
    LabAssessment,
    MeasurementAssuranceSupport,
    ProgrammeTaskProgress,
    ReferenceMaterial,
    Role,
    ServiceCertification,
    StandardDevelopment,
    StandardLevel,
)
from lims.services.programme.report import annual_report, indicator_value, phase_status
from lims.services.records import audit
from tests.factories import make_enterprise, make_lab, make_standard, make_user
from tests.webutil import csrf_token, login

ZONE = lab_zone()  # the default LIMS_TIMEZONE (Asia/Ho_Chi_Minh), as the test app has it

HANOI = load_programme("hanoi-kh16-2022")
START, END = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> FlaskClient:
    login(client, make_user(session, Role.ADMIN).username)
    return client


def _add(client: FlaskClient, kind: str, data: dict[str, object]) -> TestResponse:
    url = f"/programme/records/{kind}"
    return client.post(f"{url}/new", data={"csrf_token": csrf_token(client, url), **data})


def _edit(client: FlaskClient, kind: str, record_id: int, data: dict[str, object]) -> TestResponse:
    url = f"/programme/records/{kind}/{record_id}/edit"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


def _withdraw(client: FlaskClient, kind: str, record_id: int, reason: str) -> TestResponse:
    token = csrf_token(client, f"/programme/records/{kind}")
    return client.post(
        f"/programme/records/{kind}/{record_id}/withdraw", data={"csrf_token": token, "reason": reason}
    )


def _value(session: Session, indicator: Indicator, counting: Counting = Counting.DISTINCT) -> float:
    return indicator_value(session, indicator, START, END, counting=counting, zone=ZONE)


def _ids(session: Session, model: type) -> list[int]:
    return list(session.scalars(select(model.id).order_by(model.id)))


def _drill(client: FlaskClient, indicator: Indicator) -> str:
    return client.get(f"/programme/indicator/{indicator.value}?phase=2026-2030").get_data(as_text=True)


def _withdrawal_audited(session: Session, table: str, record_id: int, reason: str) -> None:
    last = audit.history(session, table, record_id)[-1]
    assert last.reason == reason and "withdrawn_at" in last.changes


def test_supports(admin: FlaskClient, session: Session) -> None:
    one, two = (
        make_enterprise(session, name="Công ty Cân Hà Nội"),
        make_enterprise(session, name="Công ty Nước Sạch"),
    )
    posted = [  # (enterprise, day): Hà Nội counts enterprises once, Đà Nẵng every support ('lượt')
        (one, "2026-03-01", ""),
        (one, "2026-05-10", ""),
        (two, "2026-06-01", "Trung tâm Kỹ thuật TĐC 1"),
    ]
    for enterprise, day, by in posted:
        response = _add(
            admin,
            "supports",
            {
                "tax_code": enterprise.tax_code,
                "supported_on": day,
                "content": "testing_certification",
                "provided_by": by,
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    ledger = [(e.id, date.fromisoformat(d)) for e, d, _ in posted]
    indicator = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME
    assert _value(session, indicator) == len({e for e, _ in ledger}) == 2
    assert _value(session, indicator, Counting.TIMES) == len(ledger) == 3
    page = _drill(admin, indicator)
    assert "Công ty Nước Sạch" in page and "Trung tâm Kỹ thuật TĐC 1" in page
    unknown = _add(
        admin, "supports", {"tax_code": "0100109106", "supported_on": "2026-01-01", "content": "x"}
    )
    assert (
        unknown.status_code == 422 and session.scalar(select(func.count(MeasurementAssuranceSupport.id))) == 3
    )
    first, second, third = _ids(session, MeasurementAssuranceSupport)
    # the third support was in fact given in 2025: outside the 2026 count
    moved = _edit(
        admin,
        "supports",
        third,
        {"tax_code": two.tax_code, "supported_on": "2025-06-01", "content": "consulting"},
    )
    assert moved.status_code == 302
    ledger[2] = (two.id, date(2025, 6, 1))
    inside = [e for e, d in ledger if START <= d <= END]
    assert _value(session, indicator) == len(set(inside)) == 1
    assert _withdraw(admin, "supports", first, "Nhập trùng").status_code == 302
    assert _value(session, indicator, Counting.TIMES) == len(inside) - 1 == 1
    _withdrawal_audited(session, "measurement_assurance_support", first, "Nhập trùng")
    listing = admin.get("/programme/records/supports").get_data(as_text=True)
    assert "Nhập trùng" in listing and "<s>" in listing
    assert (
        _edit(
            admin, "supports", first, {"tax_code": one.tax_code, "supported_on": "2026-03-01", "content": "x"}
        ).status_code
        == 404
    )
    assert second


def test_lab_assessments(admin: FlaskClient, session: Session) -> None:
    posted = [
        ("Phòng thí nghiệm Cân", "VLAT-101", "2026-02-01", "met", True, "VILAS 101"),
        ("Phòng thí nghiệm Cân", "VLAT-101", "2026-08-01", "partially_met", False, ""),
        ("Phòng thí nghiệm Áp suất", "VLAT-202", "2026-04-01", "not_met", False, ""),
    ]
    for name, code, day, result, accredited, number in posted:
        data = {
            "lab_name": name,
            "lab_code": code,
            "assessed_on": day,
            "result": result,
            "accreditation_number": number,
        }
        if accredited:
            data["accredited"] = "y"
        assert _add(admin, "assessments", data).status_code == 302
    labs = Indicator.LABS_APPLYING_NATIONAL_CRITERIA
    accredited_labs = Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA
    assert _value(session, labs) == len({p[1] for p in posted}) == 2
    assert _value(session, accredited_labs) == len({p[1] for p in posted if p[4]}) == 1
    refused = _add(  # accredited without its number: refused, nothing saved
        admin,
        "assessments",
        {"lab_name": "X", "lab_code": "X-1", "assessed_on": "2026-01-01", "result": "met", "accredited": "y"},
    )
    assert refused.status_code == 422 and len(_ids(session, LabAssessment)) == 3
    page = _drill(admin, labs)
    assert "Đạt một phần" in page and "partially_met" not in page  # translated outcome, not the enum
    first, _, third = _ids(session, LabAssessment)
    # the second lab's code was typed wrong: it is the first lab
    fixed = _edit(
        admin,
        "assessments",
        third,
        {
            "lab_name": "Phòng thí nghiệm Cân",
            "lab_code": "VLAT-101",
            "assessed_on": "2026-04-01",
            "result": "not_met",
        },
    )
    assert fixed.status_code == 302
    assert _value(session, labs) == 1
    assert _withdraw(admin, "assessments", first, "Biên bản bị hủy").status_code == 302
    assert _value(session, accredited_labs) == 0 and _value(session, labs) == 1
    _withdrawal_audited(session, "lab_assessment", first, "Biên bản bị hủy")


def test_certifications(admin: FlaskClient, session: Session) -> None:
    posted = [
        ("Công ty Dịch vụ Đo lường A", "0101234567", "iso_iec_17025", "VILAS 900", "2026-03-01"),
        ("Công ty Dịch vụ Đo lường A", "0101234567", "iso_9001", "QMS-77", "2026-05-01"),
        ("Công ty Kiểm định B", "0107654321", "iso_9001", "QMS-78", "2026-07-01"),
    ]
    for name, code, standard, number, day in posted:
        data = {
            "organisation_name": name,
            "organisation_code": code,
            "standard": standard,
            "certificate_number": number,
            "issued_on": day,
        }
        assert _add(admin, "certifications", data).status_code == 302
    indicator = Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED
    assert _value(session, indicator) == len({p[1] for p in posted}) == 2
    twice = _add(
        admin,
        "certifications",
        {
            "organisation_name": "C",
            "organisation_code": "1",
            "standard": "iso_9001",
            "certificate_number": "QMS-78",
            "issued_on": "2026-08-01",
        },
    )
    assert twice.status_code == 422 and "QMS-78" in twice.get_data(as_text=True)
    assert "ISO/IEC 17025 VILAS 900" in _drill(admin, indicator)
    _, _, third = _ids(session, ServiceCertification)
    assert (
        _edit(
            admin,
            "certifications",
            third,
            {
                **dict(
                    zip(
                        (
                            "organisation_name",
                            "organisation_code",
                            "standard",
                            "certificate_number",
                            "issued_on",
                        ),
                        posted[2],
                        strict=True,
                    )
                ),
                "issued_on": "2025-07-01",
            },
        ).status_code
        == 302
    )
    assert _value(session, indicator) == 1
    assert _withdraw(admin, "certifications", third, "Chứng chỉ bị thu hồi").status_code == 302
    assert _value(session, indicator) == 1
    _withdrawal_audited(session, "service_certification", third, "Chứng chỉ bị thu hồi")


def test_demand_catalogue_and_survey(admin: FlaskClient, session: Session) -> None:
    posted = [  # (name, instruments a year, covered since)
        ("Cân phân tích", 1000, "2026-01-15"),
        ("Đồng hồ nước lạnh", 3000, ""),
    ]
    for name, demand, covered in posted:
        data = {
            "name": name,
            "quantity": "mass",
            "annual_demand": demand,
            "procedure_code": "ĐLVN 16:2009" if covered else "",
            "covered_since": covered,
            "surveyed_on": "2025-11-30",
            "survey_source": "Khảo sát nhu cầu năm 2025 của Chi cục TCĐLCL",
        }
        assert _add(admin, "demand", data).status_code == 302
    share = Indicator.STATE_DEMAND_MET
    assert _value(session, share) == pytest.approx(1000 / (1000 + 3000))  # 25 %
    listing = admin.get("/programme/records/demand").get_data(as_text=True)
    assert "Khảo sát nhu cầu năm 2025" in listing
    _, water = _ids(session, DemandInstrumentType)
    covered = _edit(
        admin,
        "demand",
        water,
        {
            "name": "Đồng hồ nước lạnh",
            "quantity": "volume_flow",
            "annual_demand": 3000,
            "procedure_code": "ĐLVN 17:2017",
            "covered_since": "2026-06-01",
        },
    )
    assert covered.status_code == 302
    assert _value(session, share) == pytest.approx(1.0)  # (1000 + 3000) / 4000
    assert _withdraw(admin, "demand", water, "Không thuộc danh mục phải kiểm định").status_code == 302
    assert _value(session, share) == pytest.approx(1000 / 1000)
    assert "Đồng hồ nước lạnh" not in _drill(admin, share)
    _withdrawal_audited(session, "demand_instrument_type", water, "Không thuộc danh mục phải kiểm định")


def test_standards_developed(admin: FlaskClient, session: Session) -> None:
    lab = make_lab(session)
    reference = make_standard(
        session, lab_id=lab.id, asset_number="CHUAN-KL-01", level=StandardLevel.REFERENCE
    )
    working = make_standard(session, lab_id=lab.id, asset_number="CHUAN-AS-02")
    material = ReferenceMaterial(
        lab_id=lab.id, code="CRM-PH7", name="Dung dịch chuẩn pH 7", producer="Viện Đo lường Việt Nam",
        lot="L1", certified_value=7, expanded_uncertainty=0.01, unit="pH", expiry_on=date(2030, 1, 1),
    )  # fmt: skip
    session.add(material)
    session.flush()
    posted = [(reference, "2026-03-15"), (working, "2026-06-15"), (material, "2026-09-15")]
    for record, day in posted:
        code = getattr(record, "asset_number", None) or record.code
        data = {
            "code": code,
            "developed_on": day,
            "funding": "Ngân sách Thành phố, KH 16/KH-UBND",
            "funding_vnd": 450000000,
        }
        assert _add(admin, "developments", data).status_code == 302
    high = Indicator.HIGH_ACCURACY_STANDARDS
    developed = Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED
    assert _value(session, high) == 1  # only CHUAN-KL-01 is at reference level
    assert _value(session, developed) == len(posted) == 3
    unknown = _add(admin, "developments", {"code": "KHONG-CO", "developed_on": "2026-01-01", "funding": "x"})
    assert unknown.status_code == 422 and "KHONG-CO" in unknown.get_data(as_text=True)
    twice = _add(admin, "developments", {"code": "CRM-PH7", "developed_on": "2026-01-01", "funding": "x"})
    assert twice.status_code == 422 and len(_ids(session, StandardDevelopment)) == 3
    assert "Dung dịch chuẩn pH 7" in _drill(admin, developed)
    first, second, _ = _ids(session, StandardDevelopment)
    assert (
        _edit(
            admin,
            "developments",
            second,
            {"code": "CHUAN-AS-02", "developed_on": "2025-12-20", "funding": "Ngân sách Thành phố"},
        ).status_code
        == 302
    )
    assert _value(session, developed) == 2
    assert _withdraw(admin, "developments", first, "Chuẩn chưa được nghiệm thu").status_code == 302
    assert _value(session, high) == 0 and _value(session, developed) == 1
    _withdrawal_audited(session, "standard_development", first, "Chuẩn chưa được nghiệm thu")
    # the 2026-2030 target 'ít nhất 20 chất chuẩn, chuẩn đo lường, phương tiện đo' reads the same figure
    rows = {r.indicator: r for r in phase_status(session, HANOI, HANOI.phases[1], 2026, zone=ZONE)}
    assert rows[developed].status.actual == 1


def test_task_progress_with_evidence(admin: FlaskClient, session: Session) -> None:
    pdf = b"%PDF-1.4 bien ban nghiem thu"
    response = _add(
        admin,
        "progress",
        {
            "task_id": "1.1",
            "year": 2026,
            "done": "Tổ chức 02 hội nghị phổ biến Đề án tại Sở KH&CN.",
            "files": (io.BytesIO(pdf), "Biên bản hội nghị.pdf", "application/pdf"),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    [progress_id] = _ids(session, ProgrammeTaskProgress)
    report = annual_report(session, HANOI, 2026, today=date(2026, 12, 6), zone=ZONE)
    task = next(row for row in report.tasks if row.task.id == "1.1")
    assert task.done == "Tổ chức 02 hội nghị phổ biến Đề án tại Sở KH&CN."
    listing = admin.get("/programme/records/progress").get_data(as_text=True)
    assert "Biên bản hội nghị.pdf" in listing
    row = session.get(ProgrammeTaskProgress, progress_id)
    assert row is not None and len(row.evidence) == 1
    download = admin.get(f"/programme/records/progress/evidence/{row.evidence[0].id}")
    assert download.status_code == 200 and download.data == pdf
    edited = _edit(
        admin, "progress", progress_id, {"task_id": "1.1", "year": 2026, "done": "Tổ chức 03 hội nghị."}
    )
    assert edited.status_code == 302
    report = annual_report(session, HANOI, 2026, today=date(2026, 12, 6), zone=ZONE)
    assert next(r for r in report.tasks if r.task.id == "1.1").done == "Tổ chức 03 hội nghị."
    assert _withdraw(admin, "progress", progress_id, "Ghi nhầm nhiệm vụ").status_code == 302
    report = annual_report(session, HANOI, 2026, today=date(2026, 12, 6), zone=ZONE)
    assert next(r for r in report.tasks if r.task.id == "1.1").done is None
    _withdrawal_audited(session, "programme_task_progress", progress_id, "Ghi nhầm nhiệm vụ")
    unknown = _add(admin, "progress", {"task_id": "9.9", "year": 2026, "done": "x"})
    assert unknown.status_code == 422


def test_import_csv_and_xlsx_beside_the_form(admin: FlaskClient, session: Session) -> None:
    url = "/programme/records/assessments"
    csv_text = "lab_name,lab_code,assessed_on,result\nPTN Nhiệt,T-1,2026-02-02,met\nPTN Điện,E-1,2026-03-03,not_met\n"
    response = admin.post(
        f"{url}/import",
        data={"csrf_token": csrf_token(admin, url), "file": (io.BytesIO(csv_text.encode()), "danh-gia.csv")},
    )
    assert response.status_code == 302
    assert _value(session, Indicator.LABS_APPLYING_NATIONAL_CRITERIA) == 2
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["organisation_name", "organisation_code", "standard", "certificate_number", "issued_on"])
    sheet.append(["Công ty C", "0102223334", "iso_9001", "QMS-1", date(2026, 4, 4)])
    sheet.append(["Công ty D", "0102223335", "iso_iec_17025", "VILAS 1", date(2026, 5, 5)])
    buffer = io.BytesIO()
    book.save(buffer)
    url = "/programme/records/certifications"
    response = admin.post(
        f"{url}/import",
        data={
            "csrf_token": csrf_token(admin, url),
            "file": (io.BytesIO(buffer.getvalue()), "chung-nhan.xlsx"),
        },
    )
    assert response.status_code == 302
    assert _value(session, Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED) == 2
    bad = "lab_name,lab_code,assessed_on,result\nPTN A,A-1,2026-02-02,met\nPTN B,B-1,2026-02-30,met\n"
    url = "/programme/records/assessments"
    refused = admin.post(
        f"{url}/import",
        data={"csrf_token": csrf_token(admin, url), "file": (io.BytesIO(bad.encode()), "x.csv")},
    )
    assert refused.status_code == 422 and "3" in refused.get_data(as_text=True)
    assert len(_ids(session, LabAssessment)) == 2  # all or nothing


def test_readers_see_but_cannot_change(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    page = client.get("/programme/records/supports")
    assert page.status_code == 200 and "new-record" not in page.get_data(as_text=True)
    token = csrf_token(client, "/programme/records/supports")
    denied = client.post("/programme/records/supports/new", data={"csrf_token": token, "tax_code": "x"})
    assert denied.status_code == 403
    assert client.get("/programme/records/nothing").status_code == 404


def test_baseline_entered_for_a_growth_target(admin: FlaskClient, session: Session) -> None:
    """Hà Nội II.2.b 'tăng ít nhất 50% so với giai đoạn 2021-2025' on a deployment started in 2026."""
    training = Indicator.TRAINING_PARTICIPATIONS
    rows = {r.indicator: r for r in phase_status(session, HANOI, HANOI.phases[1], 2026, zone=ZONE)}
    assert rows[training].status.verdict is Verdict.NO_BASELINE
    page = admin.get("/programme/?phase=2026-2030").get_data(as_text=True)
    assert "Chưa có số liệu gốc" in page
    token = csrf_token(admin, "/programme/?phase=2026-2030")
    saved = admin.post(
        "/programme/baseline",
        data={
            "csrf_token": token,
            "phase_id": "2026-2030",
            "indicator": training.value,
            "value": "1.240",
            "source": "Báo cáo số 245/BC-SKHCN ngày 20/12/2025",
        },
    )
    assert saved.status_code == 302
    rows = {r.indicator: r for r in phase_status(session, HANOI, HANOI.phases[1], 2026, zone=ZONE)}
    status = rows[training].status
    assert status.previous_actual == 1240 and status.required == pytest.approx(1860)  # 1.5 × 1 240
    assert rows[training].baseline_source == "Báo cáo số 245/BC-SKHCN ngày 20/12/2025"
    assert audit.history(session, "programme_baseline", _ids_baseline(session))[-1].actor_id is not None
    wrong = admin.post(
        "/programme/baseline",
        data={
            "csrf_token": token,
            "phase_id": "2026-2030",
            "indicator": Indicator.LABS_APPLYING_NATIONAL_CRITERIA.value,
            "value": "5",
            "source": "x",
        },
        follow_redirects=True,
    )
    assert "không có chỉ tiêu tăng trưởng" in wrong.get_data(as_text=True)


def _ids_baseline(session: Session) -> int:
    from lims.models import ProgrammeBaseline

    return int(session.scalar(select(ProgrammeBaseline.id)) or 0)


def test_lab_confirms_an_enterprise_sector(admin: FlaskClient, session: Session) -> None:
    """Issue 20 (4): the sector is chosen from VSIC 2018 and confirmed with evidence (Hà Nội has no list yet)."""
    enterprise = make_enterprise(session, name="Công ty Dược phẩm Hà Tây", sector="Dịch vụ logistics")
    url = "/programme/sectors"
    form = {"tax_code": enterprise.tax_code, "vsic_code": "21", "confirmed_on": "2026-12-01"}
    missing = admin.post(f"{url}/confirm", data={"csrf_token": csrf_token(admin, url), **form})
    assert missing.status_code == 422  # no evidence
    saved = admin.post(
        f"{url}/confirm",
        data={"csrf_token": csrf_token(admin, url), **form, "evidence": "Giấy chứng nhận ĐKDN số 0500123456"},
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert "Công ty Dược phẩm Hà Tây" in page and "Giấy chứng nhận ĐKDN số 0500123456" in page
    assert "Danh sách ngành ưu tiên của Kế hoạch chưa được ban hành." in page
    history = audit.history(session, "enterprise_sector", _sector_id(session))
    assert history and history[-1].actor_id is not None


def _sector_id(session: Session) -> int:
    from lims.models import EnterpriseSector

    return int(session.scalar(select(EnterpriseSector.id)) or 0)


def test_city_priority_list_added_on_the_web(admin: FlaskClient, session: Session) -> None:
    """Hà Nội Plan 16 III.2 refers to the city's list of focus sectors, issued separately: the Department
    adds it as VSIC codes with the issuing decision; a confirmed 2610 enterprise then goes first."""
    from datetime import date as day

    from lims.domain.programme.support import ApplicationRequest
    from lims.services.programme.support import application_queue, submit_application

    url = "/programme/sectors"
    bad = admin.post(
        f"{url}/priority",
        data={"csrf_token": csrf_token(admin, url), "name_vi": "Điện tử", "codes": "26, 99", "source": "QĐ"},
    )
    assert bad.status_code == 422 and "99" in bad.get_data(as_text=True)
    added = admin.post(
        f"{url}/priority",
        data={
            "csrf_token": csrf_token(admin, url),
            "name_vi": "công nghiệp điện tử, công nghệ thông tin",
            "codes": "26, 62",
            "source": "Quyết định số 1234/QĐ-UBND ngày 01/06/2026 (ví dụ)",
        },
    )
    assert added.status_code == 302
    electronics, trader = make_enterprise(session), make_enterprise(session)
    admin.post(
        f"{url}/confirm",
        data={"csrf_token": csrf_token(admin, url), "tax_code": electronics.tax_code, "vsic_code": "26",
              "evidence": "Giấy chứng nhận ĐKDN, ngành chính 2610", "confirmed_on": "2026-06-02"},
    )  # fmt: skip
    evidence = {item.id: "Hồ sơ" for item in HANOI.eligibility}
    late = submit_application(
        session,
        HANOI,
        electronics.id,
        ApplicationRequest(("consulting",), evidence),
        applied_on=day(2026, 7, 1),
    )
    early = submit_application(
        session, HANOI, trader.id, ApplicationRequest(("consulting",), evidence), applied_on=day(2026, 6, 1)
    )
    assert late.priority and late.priority_sector == "công nghiệp điện tử, công nghệ thông tin"
    assert [a.id for a in application_queue(session, HANOI)] == [late.id, early.id]


def _course(client: FlaskClient, topic: str, starts: str, ends: str) -> int:
    url = "/programme/courses/new"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "topic": topic,
            "organiser": "Chi cục TĐC Hà Nội",
            "starts_on": starts,
            "ends_on": ends,
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])


def test_training_participants_edited_and_withdrawn(admin: FlaskClient, session: Session) -> None:
    """Issue 20, gap 1: a participant is corrected and withdrawn (with a reason, audited) on the course
    page like every other record; the indicator ('lượt': one per person and course) follows a ledger."""
    from lims.models import TrainingCourse, TrainingParticipation

    spring = _course(admin, "Đo lường khối lượng", "2026-03-02", "2026-03-06")
    autumn = _course(admin, "Đo lường áp suất", "2026-10-05", "2026-10-09")
    ledger: dict[int, tuple[int, str]] = {}  # participation id -> (course, identity), live ones only

    def add(course: int, name: str, **identity: str) -> TestResponse:
        url = f"/programme/courses/{course}"
        return admin.post(
            f"{url}/participants",
            data={"csrf_token": csrf_token(admin, url), "full_name": name, **identity},
        )

    people = [
        (spring, "Nguyễn Văn An", {"national_id": "001090000001"}),
        (spring, "Trần Thị Bình", {"phone": "0912 345 678"}),
        (autumn, "Nguyễn Văn An", {"national_id": "001090000001"}),  # a second course: counts again
        (autumn, "Lê Văn Cường", {"email": "cuong@example.vn"}),
    ]
    for course, name, identity in people:
        assert add(course, name, **identity).status_code == 302
        pid = max(_ids(session, TrainingParticipation))
        ledger[pid] = (course, next(iter(identity.values())))

    def counted() -> int:  # the independent count: live participations of courses ending in 2026
        ends = dict(session.execute(select(TrainingCourse.id, TrainingCourse.ends_on)).tuples().all())
        return sum(1 for course, _ in ledger.values() if START <= ends[course] <= END)

    indicator = Indicator.TRAINING_PARTICIPATIONS
    assert _value(session, indicator) == counted() == 4
    an_spring, binh, an_autumn, cuong = sorted(ledger)

    # a correction: Bình's phone was mistyped; audited, still one participation
    url = f"/programme/courses/{spring}/participants/{binh}/edit"
    form = admin.get(url)
    assert form.status_code == 200 and "0912 345 678" in form.get_data(as_text=True)
    saved = admin.post(
        url,
        data={"csrf_token": csrf_token(admin, url), "full_name": "Trần Thị Bình", "phone": "0912 345 679"},
    )
    assert saved.status_code == 302
    assert session.get(TrainingParticipation, binh).identity_key == "phone:0912345679"  # type: ignore[union-attr]
    assert "phone" in audit.history(session, "training_participation", binh)[-1].changes
    assert _value(session, indicator) == counted() == 4
    # the same person twice on one course is refused, nothing changed
    clash = admin.post(
        f"/programme/courses/{spring}/participants/{binh}/edit",
        data={"csrf_token": csrf_token(admin, url), "full_name": "X", "national_id": "001090000001"},
    )
    assert clash.status_code == 422 and "đã" in clash.get_data(as_text=True)
    # a withdrawal needs a reason; with one it is kept, struck through, audited and no longer counted
    withdraw = f"/programme/courses/{autumn}/participants/{an_autumn}/withdraw"
    token = csrf_token(admin, f"/programme/courses/{autumn}")
    assert admin.post(withdraw, data={"csrf_token": token, "reason": ""}).status_code == 302
    assert _value(session, indicator) == 4
    assert admin.post(withdraw, data={"csrf_token": token, "reason": "Không dự lớp"}).status_code == 302
    del ledger[an_autumn]
    _withdrawal_audited(session, "training_participation", an_autumn, "Không dự lớp")
    assert _value(session, indicator) == counted() == 3
    page = admin.get(f"/programme/courses/{autumn}").get_data(as_text=True)
    assert "Không dự lớp" in page and "<s>Nguyễn Văn An</s>" in page
    from lims.services.programme.training import list_courses

    assert {c.id: n for c, n in list_courses(session)} == {spring: 2, autumn: 1}  # the list counts live ones
    drill = _drill(admin, indicator)
    assert "Lê Văn Cường" in drill and drill.count("Nguyễn Văn An") == 1  # only the spring one
    # a withdrawn participation is no longer edited; another course's participant is not this course's
    assert admin.get(f"/programme/courses/{autumn}/participants/{an_autumn}/edit").status_code == 404
    assert admin.get(f"/programme/courses/{autumn}/participants/{an_spring}/edit").status_code == 404
    assert cuong in ledger


def test_participants_cannot_be_changed_by_readers(client: FlaskClient, session: Session) -> None:
    from lims.services.programme.training import CourseInput, ParticipantInput, add_participant, create_course

    course = create_course(
        session, CourseInput("Đo lường điện", "Sở KH&CN", date(2026, 4, 1), date(2026, 4, 2))
    )
    person = add_participant(session, course.id, ParticipantInput("Phạm Thu Hà", phone="0988000111"))
    session.commit()
    login(client, make_user(session, Role.TECHNICIAN).username)
    page = client.get(f"/programme/courses/{course.id}")
    assert page.status_code == 200 and "Phạm Thu Hà" in page.get_data(as_text=True)
    url = f"/programme/courses/{course.id}/participants/{person.id}"
    assert client.get(f"{url}/edit").status_code == 403
    token = csrf_token(client, f"/programme/courses/{course.id}")
    assert client.post(f"{url}/withdraw", data={"csrf_token": token, "reason": "x"}).status_code == 403


def test_every_line_kind_and_status_is_in_words_in_both_languages(app: Flask) -> None:
    """Issue 20, gap 4: the drill-down names each record's kind and status in the reader's language (the
    raw 'met' / 'partially_met' was shown), the report in Vietnamese; no code is left without words."""
    from flask_babel import force_locale

    from lims.reports.programme_text import KIND_VI, STATUS_VI
    from lims.services.programme.drilldown import LineKind, LineStatus
    from lims.web.programme.views import LINE_KIND_LABELS, LINE_STATUS_LABELS

    assert set(LINE_KIND_LABELS) == set(KIND_VI) == set(LineKind)
    assert set(LINE_STATUS_LABELS) == set(STATUS_VI) == set(LineStatus)
    report_words = {**KIND_VI, **STATUS_VI}
    with app.test_request_context():
        for code, label in (*LINE_KIND_LABELS.items(), *LINE_STATUS_LABELS.items()):
            with force_locale("en"):
                english = str(label)
            with force_locale("vi"):
                vietnamese = str(label)
            assert vietnamese != english and "_" not in english, english
            assert vietnamese == report_words[code]  # the page and the report use the same words


def test_drill_down_dates_certificates_on_the_labs_clock(
    app: Flask, admin: FlaskClient, session: Session
) -> None:
    """Issue 20, gap 3, through the pages: the zone is ``LIMS_TIMEZONE`` (``Settings.timezone``). A
    certificate issued 31/12/2026 23:30 in New York is 01/01/2027 04:30 UTC (11:30 in Hà Nội): a lab in
    New York counts it in 2026, a lab on the default Asia/Ho_Chi_Minh clock in 2027."""
    import dataclasses
    from datetime import UTC, datetime

    from lims.models import JobState
    from lims.services.programme.records import record_map_support
    from tests.factories import make_certificate, make_job

    enterprise = make_enterprise(session, name="Công ty Cân Hồ Tây")
    record_map_support(session, HANOI, enterprise.id, supported_on=date(2026, 1, 5), content="consulting")
    job = make_job(session, lab=make_lab(session), enterprise=enterprise, state=JobState.ISSUED)
    certificate = make_certificate(session, job, issued_at=datetime(2027, 1, 1, 4, 30, tzinfo=UTC))
    session.commit()
    indicator = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME
    # the default clock: dated 01/01/2027 (and outside the drill-down while the year asked is 2026)
    assert "31/12/2026" not in _drill(admin, indicator)
    settings = app.config["SETTINGS"]
    app.config["SETTINGS"] = dataclasses.replace(settings, timezone="America/New_York")
    page = _drill(admin, indicator)
    assert certificate.number in page and "31/12/2026" in page
