"""The programme pages: dashboard per phase, drill-down, report download, applications queue and decisions."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lims.domain.programme import load_programme
from lims.domain.programme.support import ApplicationRequest
from lims.models import ApplicationStatus, Role, SupportApplication
from lims.services.programme.demo import load_programme_demo
from lims.services.programme.support import submit_application
from lims.services.records import audit
from tests.factories import make_enterprise, make_user
from tests.webutil import csrf_token, login

HANOI = load_programme("hanoi-kh16-2022")  # the default LIMS_PROGRAMME of the test settings


def _pending(session: Session) -> SupportApplication:
    evidence = {item.id: "Giấy phép kinh doanh" for item in HANOI.eligibility}
    return submit_application(
        session,
        HANOI,
        make_enterprise(session, name="Công ty Cân Điện Tử Việt").id,
        ApplicationRequest(("consulting",), evidence),
        applied_on=date(2024, 9, 1),
    )


def test_dashboard_and_drill_down(client: FlaskClient, session: Session) -> None:
    load_programme_demo(session, HANOI.id, 2024)
    login(client, make_user(session, Role.TECHNICIAN).username)
    page = client.get("/programme/?phase=2021-2025").get_data(as_text=True)
    assert "Lượt người được bồi dưỡng chuyên môn nghiệp vụ về đo lường" in page
    assert "ít nhất 1.000" in page and "<svg" in page
    drill = client.get("/programme/indicator/training_participations?phase=2021-2025").get_data(as_text=True)
    assert "Áp dụng bộ tiêu chí quốc gia đánh giá các lĩnh vực đo lường" in drill  # a course topic
    assert client.get("/programme/indicator/happiness").status_code == 404
    assert client.get("/programme/?phase=1990-1995").status_code == 404


def test_report_download_and_bad_year(client: FlaskClient, session: Session) -> None:
    load_programme_demo(session, HANOI.id, 2024)
    login(client, make_user(session, Role.AUDITOR).username)
    pdf = client.get("/programme/report?year=2024&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    xlsx = client.get("/programme/report?year=2024&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    bad = client.get("/programme/report?year=2040&format=pdf", follow_redirects=True)
    assert "Năm 2040 nằm ngoài các giai đoạn của Kế hoạch (2021–2030)." in bad.get_data(as_text=True)


def test_admin_decides_from_the_queue(client: FlaskClient, session: Session) -> None:
    application = _pending(session)
    admin = make_user(session, Role.ADMIN)
    login(client, admin.username)
    queue = client.get("/programme/applications").get_data(as_text=True)
    assert "Công ty Cân Điện Tử Việt" in queue and "Hỗ trợ hợp đồng tư vấn" in queue
    token = csrf_token(client, "/programme/applications")
    url = f"/programme/applications/{application.id}/decide"
    missing = client.post(
        url, data={"csrf_token": token, "outcome": "approve", "reason": ""}, follow_redirects=True
    )
    assert "Hãy chọn" in missing.get_data(as_text=True)
    session.refresh(application)
    assert application.status is ApplicationStatus.PENDING
    done = client.post(
        url, data={"csrf_token": token, "outcome": "approve", "reason": "Đủ điều kiện"}, follow_redirects=True
    )
    assert "Đã ghi nhận quyết định." in done.get_data(as_text=True)
    session.refresh(application)
    assert application.status is ApplicationStatus.APPROVED and application.decided_by_id == admin.id
    assert audit.history(session, "support_application", application.id)[-1].actor_id == admin.id
    again = client.post(
        url, data={"csrf_token": token, "outcome": "reject", "reason": "Đổi ý"}, follow_redirects=True
    )
    assert "Hồ sơ này đã được quyết định ngày" in again.get_data(as_text=True)


def test_technician_reads_but_cannot_decide(client: FlaskClient, session: Session) -> None:
    application = _pending(session)
    login(client, make_user(session, Role.TECHNICIAN).username)
    page = client.get("/programme/applications").get_data(as_text=True)
    assert "Công ty Cân Điện Tử Việt" in page and "/decide" not in page
    token = csrf_token(client, "/programme/applications") if "csrf_token" in page else csrf_token(client, "/")
    response = client.post(
        f"/programme/applications/{application.id}/decide",
        data={"csrf_token": token, "outcome": "approve", "reason": "x"},
    )
    assert response.status_code == 403


def test_admin_registers_an_application_under_the_rules(client: FlaskClient, session: Session) -> None:
    enterprise = make_enterprise(session, name="Công ty Đo Lường Sông Hồng")
    login(client, make_user(session, Role.ADMIN).username)
    url = "/programme/applications/new"
    form = {
        "csrf_token": csrf_token(client, url),
        "tax_code": enterprise.tax_code,
        "content_consulting": "1",
        "content_qms_certification": "1",
        "cost_consulting": "80.000.000",
        **{f"evidence_{item.id}": "Bản sao giấy tờ" for item in HANOI.eligibility},
    }
    incomplete = client.post(url, data={**form, "evidence_dossier": ""})
    assert incomplete.status_code == 422
    assert (
        "Không đủ điều kiện: chưa có minh chứng cho điều kiện “Đáp ứng yêu cầu của hồ sơ theo quy định”."
        in (incomplete.get_data(as_text=True))
    )
    assert session.query(SupportApplication).count() == 0
    unknown = client.post(url, data={**form, "tax_code": "0100109106"})
    assert "Không có doanh nghiệp nào có mã số thuế 0100109106" in unknown.get_data(as_text=True)
    done = client.post(url, data=form, follow_redirects=True)
    assert "Đã ghi nhận hồ sơ." in done.get_data(as_text=True)
    saved = session.query(SupportApplication).one()
    assert saved.contents == ["consulting", "qms_certification"] and saved.costs_vnd == {
        "consulting": 80_000_000
    }
    twice = client.post(url, data=form)
    assert "đang chờ xét" in twice.get_data(as_text=True) and session.query(SupportApplication).count() == 1


def test_courses_and_participants_from_the_web(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.ADMIN).username)
    url = "/programme/courses/new"
    base = {"topic": "Đo lường hàng đóng gói sẵn", "organiser": "Chi cục TCĐLCL", "location": "Hà Nội"}
    backwards = client.post(
        url,
        data={
            **base,
            "csrf_token": csrf_token(client, url),
            "starts_on": "2024-05-10",
            "ends_on": "2024-05-08",
        },
    )
    assert backwards.status_code == 422
    assert "ends_on (2024-05-08) trước starts_on (2024-05-10)." in backwards.get_data(as_text=True)
    created = client.post(
        url,
        data={
            **base,
            "csrf_token": csrf_token(client, url),
            "starts_on": "2024-05-10",
            "ends_on": "2024-05-11",
        },
    )
    assert created.status_code == 302
    course_url = created.headers["Location"]
    token = csrf_token(client, course_url)
    nobody = client.post(f"{course_url}/participants", data={"csrf_token": token, "full_name": "Phạm Thị D"})
    assert nobody.status_code == 422 and "chưa có thông tin định danh" in nobody.get_data(as_text=True)
    added = client.post(
        f"{course_url}/participants",
        data={
            "csrf_token": token,
            "full_name": "Phạm Thị D",
            "email": "d@example.vn",
            "organisation": "Sở Y tế",
        },
        follow_redirects=True,
    )
    page = added.get_data(as_text=True)
    assert "Đã thêm học viên." in page and "Phạm Thị D" in page
    assert "Thư điện tử: d@example.vn" in page and "email:" not in page  # the key's kind in words
    listing = client.get("/programme/courses").get_data(as_text=True)
    assert "Đo lường hàng đóng gói sẵn" in listing
