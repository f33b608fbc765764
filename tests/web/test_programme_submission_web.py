"""Issue 20 (5) on the web: the deadline reminder in the bell in the reader's language, and a year's report
submitted on the programme page, frozen with its SHA-256 and listed (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from lims.domain.programme import load_programme
from lims.models import Role
from lims.services.programme.submission import queue_deadline_reminders
from tests.factories import make_user
from tests.webutil import csrf_token, login

HANOI = load_programme("hanoi-kh16-2022")


def test_the_deadline_reminder_rings_in_the_bell_in_vietnamese(client: FlaskClient, session: Session) -> None:
    staff = make_user(session, Role.ADMIN)
    assert queue_deadline_reminders(session, HANOI, today=date(2026, 12, 18)) >= 1
    session.commit()
    login(client, staff.username)
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Báo cáo năm 2026 về thực hiện Chương trình phải gửi trước ngày 25/12/2026: còn 7 ngày." in page
    assert "is due on" not in page


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_a_submitted_report_is_frozen_listed_and_submitted_once(
    client: FlaskClient, session: Session
) -> None:
    login(client, make_user(session, Role.ADMIN).username)
    url = "/programme/?phase=2026-2030"
    done = client.post(
        "/programme/report/submit", data={"csrf_token": csrf_token(client, url), "year": "2026"}
    )
    assert done.status_code == 302
    page = client.get(url).get_data(as_text=True)
    listed = page[page.index("<tbody>", page.index("Báo cáo đã gửi")) :]
    digests = re.findall(r"<code>([0-9a-f]{64})</code>", listed)
    pdf = client.get("/programme/report/submitted/2026.pdf")
    xlsx = client.get("/programme/report/submitted/2026.xlsx")
    assert pdf.status_code == xlsx.status_code == 200
    assert digests == [hashlib.sha256(pdf.data).hexdigest(), hashlib.sha256(xlsx.data).hexdigest()]
    # frozen: a course recorded afterwards changes the live report, not the submitted one
    from lims.services.programme.training import CourseInput, ParticipantInput, add_participant, create_course

    course = create_course(
        session, CourseInput("Đo lường lưu lượng", "Sở KH&CN", date(2026, 3, 2), date(2026, 3, 3))
    )
    add_participant(session, course.id, ParticipantInput("Lý Thị Kim", phone="0977000111"))
    session.commit()
    live = client.get("/programme/report?year=2026&format=pdf")
    assert live.status_code == 200 and live.data != pdf.data
    assert client.get("/programme/report/submitted/2026.pdf").data == pdf.data
    again = client.post(
        "/programme/report/submit",
        data={"csrf_token": csrf_token(client, url), "year": "2026"},
        follow_redirects=True,
    )
    assert "đã được gửi ngày" in again.get_data(as_text=True)
    assert client.get("/programme/report/submitted/2025.pdf").status_code == 404
    assert "BÁO CÁO TÌNH HÌNH THỰC HIỆN KẾ HOẠCH NĂM 2026" in _text(pdf.data)
