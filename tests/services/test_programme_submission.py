"""The annual report's deadline and its frozen submission (issue 20, item 5).

Hà Nội Plan 16 section V.1: the report is due before 25 December every year. The programme staff are
reminded 30, 7 and 1 days before, by the bell and by e-mail (outbox), once each; Đà Nẵng's plan sets
no date and gets no reminder. A submitted report is stored as rendered, with its SHA-256.
"""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import load_programme
from lims.localtime import lab_zone
from lims.models import Notification, OutboxMessage, Role
from lims.reports.programme_report import render_pdf, render_xlsx
from lims.services.common.storage import DatabaseStorage
from lims.services.programme.submission import (
    AlreadySubmitted,
    queue_deadline_reminders,
    reminder_due,
    submit_report,
    submitted_file,
    submitted_reports,
)
from tests.factories import make_user

ZONE = lab_zone()  # the default LIMS_TIMEZONE (Asia/Ho_Chi_Minh), as the test app has it

HANOI = load_programme("hanoi-kh16-2022")
DANANG = load_programme("danang-qd202-2019")


@pytest.mark.parametrize(
    ("today", "days_before"),
    [
        (date(2026, 11, 24), None),  # 31 days before 25/12
        (date(2026, 11, 25), 30),
        (date(2026, 12, 17), 30),  # 8 days before: still the 30-day reminder
        (date(2026, 12, 18), 7),
        (date(2026, 12, 24), 1),
        (date(2026, 12, 25), 1),  # the due day itself
        (date(2026, 12, 26), None),
    ],
)
def test_reminder_days(today: date, days_before: int | None) -> None:
    reminder = reminder_due(HANOI, today=today)
    assert (reminder.days_before if reminder else None) == days_before
    assert reminder_due(DANANG, today=today) is None


def test_each_reminder_goes_once_to_every_programme_staff_member(session: Session) -> None:
    admins = [make_user(session, Role.ADMIN, email=f"ql{i}@sokhcn.hanoi.gov.vn") for i in range(2)]
    make_user(session, Role.TECHNICIAN)  # not programme staff
    assert queue_deadline_reminders(session, HANOI, today=date(2026, 11, 25)) == 2
    assert queue_deadline_reminders(session, HANOI, today=date(2026, 11, 26)) == 0  # the 30-day one is sent
    assert queue_deadline_reminders(session, HANOI, today=date(2026, 12, 18)) == 2  # 7 days
    assert queue_deadline_reminders(session, HANOI, today=date(2026, 12, 24)) == 2  # 1 day
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "programme_report").order_by(OutboxMessage.id)).all()
    assert len(messages) == 6 and {m.recipient for m in messages} == {a.email for a in admins}
    assert all(m.state == "queued" for m in messages)
    assert "trước ngày 25/12/2026 (còn 1 ngày)" in messages[-1].body
    bell = session.scalars(select(Notification).where(Notification.kind == "programme_report").order_by(Notification.id)).all()
    assert len(bell) == 6 and {n.user_id for n in bell} == {a.id for a in admins}
    assert bell[0].params == {"year": 2026, "day": {"date": "2026-12-25"}, "days": 30}  # the page dates it


def test_the_reminder_e_mail_is_in_the_recipient_s_language(session: Session) -> None:
    vi = make_user(session, Role.ADMIN, email="ql.vi@sokhcn.hanoi.gov.vn")
    en = make_user(session, Role.ADMIN, email="ql.en@sokhcn.hanoi.gov.vn", language="en")
    assert queue_deadline_reminders(session, HANOI, today=date(2026, 12, 18)) == 2
    by_recipient = {
        m.recipient: m
        for m in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "programme_report"))
    }
    assert by_recipient[vi.email].subject.startswith("Hạn gửi báo cáo năm 2026: 25/12/2026")
    assert "(còn 7 ngày)" in by_recipient[vi.email].body and "Dear" not in by_recipient[vi.email].body
    english = by_recipient[en.email]
    assert english.subject.startswith("Annual report 2026 due 25/12/2026")
    assert "by 25/12/2026 (7 days left)" in english.body and "Kính gửi" not in english.body


def test_submitted_report_is_frozen_with_its_sha256(session: Session) -> None:
    storage = DatabaseStorage(session)
    admin = make_user(session, Role.ADMIN)
    row = submit_report(
        session, storage, HANOI, 2026, today=date(2026, 12, 20), submitted_by_id=admin.id,
        render_pdf=render_pdf, render_xlsx=render_xlsx,
        zone=ZONE,
    )  # fmt: skip
    pdf, name = submitted_file(session, storage, HANOI, 2026, "pdf")
    assert pdf.startswith(b"%PDF-") and name == "bao-cao-hanoi-kh16-2022-2026.pdf"
    assert hashlib.sha256(pdf).hexdigest() == row.pdf_sha256
    xlsx, _ = submitted_file(session, storage, HANOI, 2026, "xlsx")
    assert hashlib.sha256(xlsx).hexdigest() == row.xlsx_sha256
    assert [s.year for s in submitted_reports(session, HANOI)] == [2026]
    with pytest.raises(AlreadySubmitted, match="20 Dec 2026"):
        submit_report(
            session, storage, HANOI, 2026, today=date(2026, 12, 21), submitted_by_id=admin.id,
            render_pdf=render_pdf, render_xlsx=render_xlsx,
            zone=ZONE,
        )  # fmt: skip
    # a submitted year is not reminded any more
    assert queue_deadline_reminders(session, HANOI, today=date(2026, 12, 24)) == 0
