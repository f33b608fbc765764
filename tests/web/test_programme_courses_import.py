"""Issue 20 audit: training courses corrected and withdrawn on the web, every record kind imported from a
CSV or XLSX file on its web page, and the empty deployment's dashboard.

As in ``test_programme_records.py`` each test counts what it posted by the plan's rule in plain Python
and compares with the figure the service computes from the database. Hà Nội 2026–2030, year 2026.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from lims.domain.programme import Counting, Indicator, load_programme
from lims.localtime import lab_zone
from lims.models import ReferenceMaterial, Role, StandardLevel, TrainingCourse, TrainingParticipation
from lims.services.programme.report import annual_report, indicator_value
from lims.services.records import audit
from tests.factories import make_enterprise, make_lab, make_standard, make_user
from tests.webutil import csrf_token, login

ZONE = lab_zone()
HANOI = load_programme("hanoi-kh16-2022")
START, END = date(2026, 1, 1), date(2026, 12, 31)
TRAINING = Indicator.TRAINING_PARTICIPATIONS


@pytest.fixture
def admin(client: FlaskClient, session: Session) -> FlaskClient:
    login(client, make_user(session, Role.ADMIN).username)
    return client


def _value(session: Session, indicator: Indicator, counting: Counting = Counting.DISTINCT) -> float:
    return indicator_value(session, indicator, START, END, counting=counting, zone=ZONE)


def _post(client: FlaskClient, url: str, page: str, **data: object) -> TestResponse:
    return client.post(url, data={"csrf_token": csrf_token(client, page), **data})


def _course_data(topic: str, starts: str, ends: str) -> dict[str, str]:
    return {"topic": topic, "organiser": "Chi cục TĐC Hà Nội", "starts_on": starts, "ends_on": ends}


def test_a_course_is_corrected_and_withdrawn_with_a_reason(admin: FlaskClient, session: Session) -> None:
    """A course recorded with the wrong dates is corrected (its participations move year); a course that
    did not take place is withdrawn with a reason: kept, struck through, audited, none of it counted."""
    made = _post(admin, "/programme/courses/new", "/programme/courses/new", **_course_data(
        "Đo lường dung tích", "2026-05-04", "2026-05-08"
    ))  # fmt: skip
    assert made.status_code == 302
    course = int(made.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    page = f"/programme/courses/{course}"
    people = ["Đỗ Minh Châu", "Vũ Thị Dung", "Hoàng Văn Em"]
    for n, name in enumerate(people):
        added = _post(admin, f"{page}/participants", page, full_name=name, phone=f"090000000{n}")
        assert added.status_code == 302
    ends = {course: date(2026, 5, 8)}  # the ledger: the course's end date and whether it is live
    live = {course: True}

    def counted() -> int:
        return sum(len(people) for c, end in ends.items() if live[c] and START <= end <= END)

    assert _value(session, TRAINING) == counted() == 3
    # the course in fact ran in December 2025: its participations leave the 2026 figure
    form = admin.get(f"{page}/edit")
    assert form.status_code == 200 and "Đo lường dung tích" in form.get_data(as_text=True)
    backwards = _post(
        admin, f"{page}/edit", page, **_course_data("Đo lường dung tích", "2025-12-08", "2025-12-01")
    )
    assert backwards.status_code == 422 and session.get(TrainingCourse, course).ends_on == date(2026, 5, 8)  # type: ignore[union-attr]
    moved = _post(
        admin, f"{page}/edit", page, **_course_data("Đo lường dung tích", "2025-12-01", "2025-12-05")
    )
    assert moved.status_code == 302
    ends[course] = date(2025, 12, 5)
    assert _value(session, TRAINING) == counted() == 0
    assert "ends_on" in audit.history(session, "training_course", course)[-1].changes
    back = _post(
        admin, f"{page}/edit", page, **_course_data("Đo lường dung tích", "2026-05-04", "2026-05-08")
    )
    assert back.status_code == 302
    ends[course] = date(2026, 5, 8)
    assert _value(session, TRAINING) == counted() == 3
    # a withdrawal needs a reason
    assert _post(admin, f"{page}/withdraw", page, reason=" ").status_code == 302
    assert _value(session, TRAINING) == 3
    assert _post(admin, f"{page}/withdraw", page, reason="Lớp không tổ chức").status_code == 302
    live[course] = False
    assert _value(session, TRAINING) == counted() == 0
    last = audit.history(session, "training_course", course)[-1]
    assert last.reason == "Lớp không tổ chức" and "withdrawn_at" in last.changes
    listing = admin.get("/programme/courses").get_data(as_text=True)
    assert "<s>Đo lường dung tích</s>" in listing and "Lớp không tổ chức" in listing
    shown = admin.get(page).get_data(as_text=True)
    assert "Lớp không tổ chức" in shown and "/participants/" not in shown  # nothing left to change
    assert "Đỗ Minh Châu" not in admin.get(f"/programme/indicator/{TRAINING.value}?phase=2026-2030").get_data(
        as_text=True
    )
    # a withdrawn course is no longer edited, takes no participant and keeps its participants as they were
    assert admin.get(f"{page}/edit").status_code == 404
    late = _post(admin, f"{page}/participants", page, full_name="Người Mới", phone="0911111111")
    assert late.status_code == 422
    [first, *_] = session.scalars(
        select(TrainingParticipation.id).where(TrainingParticipation.course_id == course)
    )
    edit = f"{page}/participants/{first}/edit"
    assert admin.get(edit).status_code == 404
    refused = _post(admin, edit, page, full_name="Đỗ Minh Châu", phone="0999999999")
    assert refused.status_code == 404
    assert session.get(TrainingParticipation, first).phone == "0900000000"  # type: ignore[union-attr]
    assert len(list(session.scalars(select(TrainingParticipation.id)))) == 3


def test_readers_cannot_change_a_course(client: FlaskClient, session: Session) -> None:
    from lims.services.programme.training import CourseInput, create_course

    course = create_course(
        session, CourseInput("Đo lường nhiệt độ", "Sở KH&CN", date(2026, 6, 1), date(2026, 6, 2))
    )
    session.commit()
    login(client, make_user(session, Role.TECHNICIAN).username)
    page = f"/programme/courses/{course.id}"
    assert "Đo lường nhiệt độ" in client.get(page).get_data(as_text=True)
    assert client.get(f"{page}/edit").status_code == 403
    assert _post(client, f"{page}/withdraw", page, reason="x").status_code == 403
    csv = b"topic,organiser,starts_on,ends_on,full_name,phone\nA,B,2026-01-01,2026-01-02,C,0900000001\n"
    refused = _post(client, "/programme/courses/import", page, file=(io.BytesIO(csv), "x.csv"))
    assert refused.status_code == 403
    assert session.get(TrainingCourse, course.id).withdrawn_at is None  # type: ignore[union-attr]


# --- every kind imported on its web page, as CSV and as XLSX -------------------------------------------


def _file(rows: list[list[object]], fmt: str) -> tuple[io.BytesIO, str]:
    if fmt == "csv":
        text = "\n".join(",".join(str(cell) for cell in row) for row in rows) + "\n"
        return io.BytesIO(text.encode()), "bang.csv"
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:  # dates as date cells, whole numbers as numbers: as a spreadsheet holds them
        sheet.append(
            [
                date.fromisoformat(c) if isinstance(c, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", c)
                else int(c) if isinstance(c, str) and c.isdigit() and len(c) < 8 else c
                for c in row
            ]
        )  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    return io.BytesIO(buffer.getvalue()), "bang.xlsx"


def _import(admin: FlaskClient, url: str, page: str, rows: list[list[object]], fmt: str) -> None:
    response = _post(admin, url, page, file=_file(rows, fmt))
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]


FORMATS = ["csv", "xlsx"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_supports_imported(admin: FlaskClient, session: Session, fmt: str) -> None:
    one, two = make_enterprise(session), make_enterprise(session)
    rows = [
        ["tax_code", "supported_on", "content", "provided_by"],
        [one.tax_code, "2026-02-01", "consulting", ""],
        [one.tax_code, "2026-07-01", "testing_certification", ""],
        [two.tax_code, "2026-09-01", "consulting", "Trung tâm Kỹ thuật TĐC 1"],
        [two.tax_code, "2025-09-01", "consulting", ""],  # the previous phase: not counted in 2026
    ]
    _import(admin, "/programme/records/supports/import", "/programme/records/supports", rows, fmt)
    inside = [r[0] for r in rows[1:] if START <= date.fromisoformat(str(r[1])) <= END]
    indicator = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME
    assert _value(session, indicator) == len(set(inside)) == 2  # Hà Nội: enterprises, each once
    assert _value(session, indicator, Counting.TIMES) == len(inside) == 3  # Đà Nẵng: 'lượt'


@pytest.mark.parametrize("fmt", FORMATS)
def test_assessments_imported(admin: FlaskClient, session: Session, fmt: str) -> None:
    rows = [
        ["lab_name", "lab_code", "assessed_on", "result", "accredited", "accreditation_number"],
        ["PTN Khối lượng", "K-1", "2026-02-02", "met", "có", "VILAS 11"],
        ["PTN Khối lượng", "K-1", "2026-09-02", "partially_met", "", ""],
        ["PTN Dung tích", "D-2", "2026-03-03", "not_met", "", ""],
    ]
    _import(admin, "/programme/records/assessments/import", "/programme/records/assessments", rows, fmt)
    labs = {r[1] for r in rows[1:]}
    accredited = {r[1] for r in rows[1:] if r[4]}
    assert _value(session, Indicator.LABS_APPLYING_NATIONAL_CRITERIA) == len(labs) == 2
    assert _value(session, Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA) == len(accredited) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_certifications_imported(admin: FlaskClient, session: Session, fmt: str) -> None:
    rows = [
        ["organisation_name", "organisation_code", "standard", "certificate_number", "issued_on"],
        ["Công ty E", "0105550001", "iso_9001", "QMS-E1", "2026-04-04"],
        ["Công ty E", "0105550001", "iso_iec_17025", "VILAS E2", "2026-06-04"],
        ["Công ty F", "0105550002", "iso_iec_17025", "VILAS F1", "2026-05-05"],
    ]
    url = "/programme/records/certifications"
    _import(admin, f"{url}/import", url, rows, fmt)
    organisations = {r[1] for r in rows[1:]}
    assert _value(session, Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED) == len(organisations) == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_demand_imported(admin: FlaskClient, session: Session, fmt: str) -> None:
    rows = [
        [
            "name",
            "quantity",
            "annual_demand",
            "procedure_code",
            "covered_since",
            "surveyed_on",
            "survey_source",
        ],
        ["Cân bàn", "mass", "1200", "ĐLVN 14:2009", "2026-03-01", "2025-11-30", "Khảo sát 2025"],
        ["Áp kế lò xo", "pressure", "800", "ĐLVN 08:2011", "2026-12-31", "2025-11-30", "Khảo sát 2025"],
        ["Đồng hồ xăng dầu", "volume_flow", "2000", "", "", "2025-11-30", "Khảo sát 2025"],
    ]
    _import(admin, "/programme/records/demand/import", "/programme/records/demand", rows, fmt)
    total = sum(int(str(r[2])) for r in rows[1:])
    covered = sum(int(str(r[2])) for r in rows[1:] if r[4] and date.fromisoformat(str(r[4])) <= END)
    assert _value(session, Indicator.STATE_DEMAND_MET) == pytest.approx(covered / total)  # 2000 / 4000
    assert "Khảo sát 2025" in admin.get("/programme/records/demand").get_data(as_text=True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_standards_developed_imported(admin: FlaskClient, session: Session, fmt: str) -> None:
    lab = make_lab(session)
    make_standard(session, lab_id=lab.id, asset_number=f"NK-{fmt}-1", level=StandardLevel.REFERENCE)
    make_standard(session, lab_id=lab.id, asset_number=f"NK-{fmt}-2")
    session.add(
        ReferenceMaterial(
            lab_id=lab.id, code=f"CRM-{fmt}", name="Dung dịch dẫn điện", producer="Viện Đo lường Việt Nam",
            lot="L2", certified_value=1413, expanded_uncertainty=5, unit="µS/cm", expiry_on=date(2030, 1, 1),
        )
    )  # fmt: skip
    session.flush()
    rows = [
        ["code", "developed_on", "funding", "funding_vnd"],
        [f"NK-{fmt}-1", "2026-03-10", "Ngân sách Thành phố", "500000000"],
        [f"NK-{fmt}-2", "2025-11-10", "Ngân sách Thành phố", "200000000"],  # 2021–2025: not in 2026
        [f"CRM-{fmt}", "2026-08-10", "Nguồn xã hội hóa", ""],
    ]
    url = "/programme/records/developments"
    _import(admin, f"{url}/import", url, rows, fmt)
    in_year = [r[0] for r in rows[1:] if START <= date.fromisoformat(str(r[1])) <= END]
    assert _value(session, Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED) == len(in_year) == 2
    assert _value(session, Indicator.HIGH_ACCURACY_STANDARDS) == 1  # only NK-…-1 is at reference level


@pytest.mark.parametrize("fmt", FORMATS)
def test_task_progress_imported(admin: FlaskClient, session: Session, fmt: str) -> None:
    rows = [
        ["task_id", "year", "done"],
        ["1.1", "2026", "Tổ chức 02 hội nghị phổ biến Kế hoạch."],
        ["3.1.c", "2026", "Nghiệm thu 01 chuẩn khối lượng cấp chính xác E2."],
    ]
    url = "/programme/records/progress"
    _import(admin, f"{url}/import", url, rows, fmt)
    report = annual_report(session, HANOI, 2026, today=date(2026, 12, 6), zone=ZONE)
    done = {row.task.id: row.done for row in report.tasks if row.done}
    assert done == {str(r[0]): r[2] for r in rows[1:]}
    # 3.1.b is the 2021–2025 task: a 2026 note would never be printed, so it is refused with its line
    other_phase = [rows[0], ["3.1.b", "2026", "Đầu tư hạ tầng đo lường."]]
    refused = _post(admin, f"{url}/import", url, file=_file(other_phase, fmt))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Nhiệm vụ 3.1.b được giao thực hiện 2021 - 2025" in text, text[
        -3000:
    ]
    assert "is planned for" not in text


@pytest.mark.parametrize("fmt", FORMATS)
def test_participants_imported_beside_the_course_form(admin: FlaskClient, session: Session, fmt: str) -> None:
    head = ["topic", "organiser", "starts_on", "ends_on", "full_name", "phone"]
    rows = [
        head,
        ["Đo lường điện", "Sở KH&CN", "2026-04-06", "2026-04-08", "Ngô Văn Gia", "0901000001"],
        ["Đo lường điện", "Sở KH&CN", "2026-04-06", "2026-04-08", "Bùi Thị Hạnh", "0901000002"],
        ["Đo lường nhiệt", "Sở KH&CN", "2026-10-06", "2026-10-08", "Ngô Văn Gia", "0901000001"],
        ["Đo lường nhiệt", "Sở KH&CN", "2025-10-06", "2025-10-08", "Phan Văn Ích", "0901000003"],
    ]
    assert "/programme/courses/import" in admin.get("/programme/courses/new").get_data(as_text=True)
    _import(admin, "/programme/courses/import", "/programme/courses/new", rows, fmt)
    in_year = [r for r in rows[1:] if START <= date.fromisoformat(str(r[3])) <= END]
    assert _value(session, TRAINING) == len(in_year) == 3  # 'lượt': Gia on two courses counts twice
    assert len(list(session.scalars(select(TrainingCourse.id)))) == len({tuple(r[:4]) for r in rows[1:]}) == 3
    bad = [head, *rows[1:2], ["X", "Y", "2026-01-01", "2026-01-02", "Không Danh Tính", ""]]
    refused = _post(admin, "/programme/courses/import", "/programme/courses/new", file=_file(bad, fmt))
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Dòng 3: Học viên Không Danh Tính chưa có thông tin định danh" in text  # the reader's language
    assert _value(session, TRAINING) == 3  # all or nothing
    late = [head, ["Đo lường điện", "Sở KH&CN", "4/6/2026", "2026-04-08", "Ngô Văn Gia", "0901000001"]]
    refused = _post(admin, "/programme/courses/import", "/programme/courses/new", file=_file(late, "csv"))
    assert "Dòng 2, starts_on: &#39;4/6/2026&#39; không phải là ngày viết theo dạng YYYY-MM-DD" in (
        refused.get_data(as_text=True)
    )


# --- the empty deployment's dashboard (PDF and XLSX: tests/reports/test_programme_report.py) ------------


@pytest.mark.parametrize("programme_id", ["hanoi-kh16-2022", "danang-qd202-2019"])
def test_empty_deployment_dashboard_shows_no_target_as_met(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch, programme_id: str
) -> None:
    monkeypatch.setitem(app.config, "SETTINGS", replace(app.config["SETTINGS"], programme=programme_id))
    login(client, make_user(session, Role.TECHNICIAN).username)
    page = client.get("/programme/?phase=2026-2030").get_data(as_text=True)
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    assert len(rows) == len(load_programme(programme_id).phase("2026-2030").targets)
    verdicts = [re.sub(r"<[^>]+>", "", cells[-1]).strip() for cells in rows]
    assert verdicts and not {"Đạt", "Đã đạt"} & set(verdicts), verdicts
    if programme_id == "hanoi-kh16-2022":
        assert verdicts.count("Chưa có số liệu gốc: cần nhập số liệu của giai đoạn trước") == 2
    enterprises = next(cells[0] for cells in rows if "Doanh nghiệp được hỗ trợ" in cells[0])
    unit = "lượt doanh nghiệp" if programme_id == "danang-qd202-2019" else "(doanh nghiệp)"
    assert unit in enterprises, enterprises  # QĐ 202 counts supports ('lượt'), Plan 16 enterprises


def test_the_city_priority_list_is_offered_on_the_application_form(
    admin: FlaskClient, session: Session
) -> None:
    """Hà Nội's plan file lists no priority sector (III.2: issued separately); once the Department adds the
    city's list on the web, the application form offers it (before, the choice was hidden)."""
    from lims.services.programme.sectors import PrioritySectorInput, add_priority_sector

    assert 'id="priority_sector"' not in admin.get("/programme/applications/new").get_data(as_text=True)
    add_priority_sector(
        session,
        HANOI,
        PrioritySectorInput("sản xuất thiết bị y tế", "32", "Quyết định số 99/QĐ-UBND (ví dụ)"),
    )
    session.commit()
    form = admin.get("/programme/applications/new").get_data(as_text=True)
    assert '<option value="sản xuất thiết bị y tế"' in form


@pytest.mark.parametrize("programme_id", ["hanoi-kh16-2022", "danang-qd202-2019"])
def test_finished_phase_on_the_dashboard_is_a_fact_without_forecast(
    app: Flask, client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch, programme_id: str
) -> None:
    """Issue 20 (3): the finished first phase read 'dự báo không đạt' (forecast: not met); it is 'Không
    đạt' (not met) now, with no forecast and no forecast method, on the web page as in the report."""
    monkeypatch.setitem(app.config, "SETTINGS", replace(app.config["SETTINGS"], programme=programme_id))
    login(client, make_user(session, Role.TECHNICIAN).username)
    first = load_programme(programme_id).phases[0]
    page = client.get(f"/programme/?phase={first.id}").get_data(as_text=True)
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    rows = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    verdicts = {re.sub(r"<[^>]+>", "", cells[-1]).strip() for cells in rows}
    assert verdicts == {"Không đạt"}, verdicts  # nothing was recorded: every target of the phase missed
    assert "dự báo" not in page.lower()  # neither a forecast column nor a forecast method
    assert f"Giai đoạn {first.id} đã kết thúc: các chỉ tiêu được đánh giá theo kết quả cả giai đoạn." in page


def test_one_elapsed_year_is_singular_in_the_forecast_method(client: FlaskClient, session: Session) -> None:
    """The current phase's first year read "the yearly figures of the 1 elapsed years"."""
    login(client, make_user(session, Role.TECHNICIAN).username)
    with client.session_transaction() as web_session:
        web_session["language"] = "en"
    page = client.get("/programme/").get_data(as_text=True)
    found = re.search(r"Forecast: the least-squares line through the (.*?) elapsed (years?),", page)
    assert found, "no forecast method under the current phase's table"
    years = int(re.sub(r"\D", "", found.group(1)))
    assert found.group(2) == ("year" if years == 1 else "years")
    if years == 1:
        assert "through the figure of the 1 elapsed year, extended to" in page
