"""The annual report's deadline: reminders before it, and the report frozen once submitted.

Hà Nội Plan 16 section V.1 sets the date ('định kỳ trước ngày 25 tháng 12 hằng năm'); Đà Nẵng QĐ 202 sets
none, so it gets no reminders. The programme staff (the lab's administrators) are reminded 30, 7 and 1
days before by the notification bell and by e-mail through the outbox (sent by ``lims programme
remind``, with the SMTP settings of the recall reminders). Each reminder is queued once: the outbox's
``dedupe_key`` (programme, year, days before, user) guards it. A submitted year is not reminded again.

Marking a year's report as submitted stores the PDF and the XLSX as rendered at that moment in the
write-once file store, with their SHA-256; the submission is listed and downloaded from there, so what
was sent stays what it was whatever is recorded later.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.programme import Programme
from lims.errors import N_, NotFound
from lims.localtime import format_lab_date
from lims.models import OutboxMessage, ReportSubmission, Role, User
from lims.services.common.notifications import notify
from lims.services.common.storage import Storage
from lims.services.programme.records import ProgrammeRecordError
from lims.services.programme.report import AnnualReport, annual_report

REMINDER_DAYS = (30, 7, 1)
KIND = "programme_report"
NOTICE_MSGID = N_("The annual programme report for %(year)s is due on %(day)s: %(days)s days left.")


class AlreadySubmitted(ProgrammeRecordError):
    template = N_("The report for %(year)s was already submitted on %(day)s; it is frozen.")


@dataclass(frozen=True, slots=True)
class Reminder:
    days_before: int
    due_on: date


def reminder_due(programme: Programme, *, today: date) -> Reminder | None:
    """The reminder to send today: the smallest of 30/7/1 days before the due date that has been reached.

    A reminder missed on its day (no run that day) goes out on the next run, until the due date.

    >>> from lims.domain.programme import load_programme
    >>> hanoi = load_programme("hanoi-kh16-2022")
    >>> reminder_due(hanoi, today=date(2026, 11, 25))
    Reminder(days_before=30, due_on=datetime.date(2026, 12, 25))
    >>> reminder_due(hanoi, today=date(2026, 12, 20)).days_before
    7
    >>> reminder_due(hanoi, today=date(2026, 11, 24)) is None
    True
    """
    if programme.annual_report_due is None:
        return None
    due = date(today.year, *programme.annual_report_due)
    left = (due - today).days
    if left < 0:
        return None
    reached = [d for d in REMINDER_DAYS if left <= d]
    return Reminder(min(reached), due) if reached else None


def _staff(session: Session) -> Sequence[User]:
    return session.scalars(
        select(User).where(User.role == Role.ADMIN, User.is_active.is_(True)).order_by(User.id)
    ).all()


def _reminder_text(programme: Programme, user: User, *, year: int, day: str, left: int) -> tuple[str, str]:
    """The e-mail in the recipient's own language (the bell follows the reader's; Vietnamese by default)."""
    if user.language == "en":
        return (
            f"Annual report {year} due {day} ({programme.document})",
            f"Dear {user.full_name},\n\n"
            f"The {year} report on the implementation of {programme.document} is due to "
            f"{'; '.join(programme.report_to)} by {day} ({left} days left).\n"
            "The report is prepared on the Programme page of the system.\n",
        )
    return (
        f"Hạn gửi báo cáo năm {year}: {day} ({programme.document})",
        f"Kính gửi {user.full_name},\n\n"
        f"Báo cáo tình hình thực hiện {programme.document} năm {year} cần gửi "
        f"{'; '.join(programme.report_to)} trước ngày {day} (còn {left} ngày).\n"
        "Báo cáo được lập tại trang Chương trình của hệ thống.\n",
    )


def queue_deadline_reminders(session: Session, programme: Programme, *, today: date) -> int:
    """Queue today's reminder (bell + e-mail) for every programme staff member; return how many were new."""
    reminder = reminder_due(programme, today=today)
    if reminder is None or submission(session, programme, today.year) is not None:
        return 0
    day = format_lab_date(reminder.due_on, locale="vi", zone=UTC)  # a calendar day: the zone does not matter
    left = (reminder.due_on - today).days
    added = 0
    for user in _staff(session):
        key = f"{KIND}:{programme.id}:{today.year}:{reminder.days_before}:{user.id}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
            continue
        notify(
            session,
            kind=KIND,
            msgid=NOTICE_MSGID,
            params={"year": today.year, "day": reminder.due_on, "days": left},
            link=("programme.index", {}),
            user_id=user.id,
        )
        subject, body = _reminder_text(programme, user, year=today.year, day=day, left=left)
        session.add(
            OutboxMessage(
                kind=KIND,
                dedupe_key=key,
                recipient=user.email,
                subject=subject,
                body=body,
                state="queued",
                attempts=0,
            )
        )
        added += 1
    session.flush()
    return added


def submission(session: Session, programme: Programme, year: int) -> ReportSubmission | None:
    return session.scalar(
        select(ReportSubmission).where(
            ReportSubmission.programme_id == programme.id, ReportSubmission.year == year
        )
    )


def submitted_reports(session: Session, programme: Programme) -> Sequence[ReportSubmission]:
    return session.scalars(
        select(ReportSubmission)
        .where(ReportSubmission.programme_id == programme.id)
        .order_by(ReportSubmission.year.desc())
    ).all()


def submit_report(
    session: Session,
    storage: Storage,
    programme: Programme,
    year: int,
    *,
    today: date,
    zone: tzinfo,
    submitted_by_id: int | None,
    render_pdf: Callable[[AnnualReport], bytes],
    render_xlsx: Callable[[AnnualReport], bytes],
) -> ReportSubmission:
    """Freeze the year's report as submitted: render both files now, store them, keep their SHA-256."""
    earlier = submission(session, programme, year)
    if earlier is not None:
        raise AlreadySubmitted(year=year, day=earlier.submitted_on)
    report = annual_report(session, programme, year, today=today, zone=zone)
    stem = f"programme/reports/{programme.id}/{year}/bao-cao-{programme.id}-{year}"
    pdf = storage.put(f"{stem}.pdf", render_pdf(report), "application/pdf")
    xlsx = storage.put(
        f"{stem}.xlsx",
        render_xlsx(report),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    row = ReportSubmission(
        programme_id=programme.id,
        year=year,
        submitted_on=today,
        submitted_by_id=submitted_by_id,
        pdf_key=pdf.key,
        pdf_sha256=pdf.sha256,
        xlsx_key=xlsx.key,
        xlsx_sha256=xlsx.sha256,
    )
    session.add(row)
    session.flush()
    return row


def submitted_file(
    session: Session, storage: Storage, programme: Programme, year: int, fmt: str
) -> tuple[bytes, str]:
    """The frozen file of a submitted year and its name; :class:`NotFound` if none."""
    row = submission(session, programme, year)
    if row is None or fmt not in ("pdf", "xlsx"):
        raise NotFound()
    key = row.pdf_key if fmt == "pdf" else row.xlsx_key
    return storage.get(key), key.rsplit("/", 1)[-1]
