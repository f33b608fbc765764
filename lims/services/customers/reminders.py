"""Recall reminders (ISO/IEC 17025:2017 7.8.4.3 leaves the interval to the customer; the lab reminds).

``lims reminders send`` queues one bilingual reminder per instrument and due date in the outbox (the
``dedupe_key`` makes a second run add nothing), then delivers every queued or failed reminder through SMTP,
recording the delivery state, attempts and last error of each message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.config import MailSettings
from lims.errors import N_, LimsError
from lims.localtime import format_lab_date
from lims.models import CustomerInstrument, Enterprise, OutboxMessage, Role, User
from lims.services.access.laboratory import find_laboratory
from lims.services.common.mail import MailError, build_message

KIND = "reminder"
MAX_ATTEMPTS = 5
QUEUED, SENT, FAILED = "queued", "sent", "failed"
DEFAULT_WINDOW_DAYS = 30


class ReminderError(LimsError, ValueError):
    pass


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...


def dedupe_key(instrument_id: int, due_on: date) -> str:
    """One reminder per instrument and due date.

    >>> dedupe_key(42, date(2027, 3, 5))
    'reminder:42:2027-03-05'
    """
    return f"{KIND}:{instrument_id}:{due_on.isoformat()}"


def recipient_of(session: Session, enterprise: Enterprise) -> str | None:
    """The enterprise's e-mail address, else its administrator's (then any active customer user's)."""
    if enterprise.email:
        return enterprise.email
    users = session.scalars(
        select(User)
        .where(
            User.enterprise_id == enterprise.id,
            User.role == Role.CUSTOMER,
            User.is_active.is_(True),
            User.email.is_not(None),
        )
        .order_by(User.is_enterprise_admin.desc(), User.id)
    ).first()
    return users.email if users is not None else None


def _text(
    instrument: CustomerInstrument, enterprise: Enterprise, lab_name: str, *, today: date
) -> tuple[str, str]:
    due = instrument.next_due_on
    assert due is not None
    days = (due - today).days
    # each half of the bilingual e-mail writes the date as its language does (a calendar day: no zone shift)
    due_vi = format_lab_date(due, locale="vi", zone=UTC)
    due_en, due_en_long = (format_lab_date(due, locale="en", zone=UTC, style=s) for s in ("medium", "long"))
    what = " ".join(p for p in (instrument.instrument_type, instrument.manufacturer, instrument.model) if p)
    subject = (
        f"Nhắc lịch hiệu chuẩn/kiểm định: {instrument.instrument_type} số {instrument.serial_number} "
        f"đến hạn {due_vi} / Calibration due {due_en}: {instrument.serial_number}"
    )
    body = (
        f"Kính gửi {enterprise.name},\n\n"
        f"Phương tiện đo {what}, số sản xuất {instrument.serial_number}, "
        f"đến hạn hiệu chuẩn/kiểm định vào ngày {due_vi} (còn {days} ngày).\n"
        "Vui lòng gửi yêu cầu hiệu chuẩn/kiểm định trên cổng thông tin khách hàng để được xếp lịch.\n\n"
        f"Trân trọng,\n{lab_name}\n\n"
        "----------------------------------------\n\n"
        f"Dear {enterprise.name},\n\n"
        f"The instrument {what}, serial number {instrument.serial_number}, "
        f"falls due for calibration or verification on {due_en_long} ({days} days from today).\n"
        "Please send a calibration request through the customer portal so that we can schedule it.\n\n"
        f"Kind regards,\n{lab_name}\n"
    )
    return subject[:500], body


def queue_reminders(session: Session, *, today: date, days: int = DEFAULT_WINDOW_DAYS) -> int:
    """Queue a reminder for every instrument due within ``days`` from ``today``; returns how many were new."""
    if not 1 <= days <= 366:
        raise ReminderError(
            N_("The reminder window must be between 1 and 366 days, not %(days)s."), days=days
        )
    lab = find_laboratory(session)
    lab_name = lab.name_vi if lab is not None else "Phòng thí nghiệm hiệu chuẩn"
    rows = session.execute(
        select(CustomerInstrument, Enterprise)
        .join(Enterprise, Enterprise.id == CustomerInstrument.enterprise_id)
        .where(
            CustomerInstrument.next_due_on >= today,
            CustomerInstrument.next_due_on <= today + timedelta(days=days),
            Enterprise.is_active.is_(True),
        )
        .order_by(CustomerInstrument.next_due_on, CustomerInstrument.id)
    ).all()
    if not rows:
        return 0
    keys = {dedupe_key(i.id, i.next_due_on): (i, e) for i, e in rows if i.next_due_on is not None}
    existing: set[str] = set()
    key_list = list(keys)
    for start in range(0, len(key_list), 500):
        existing.update(
            session.scalars(
                select(OutboxMessage.dedupe_key).where(
                    OutboxMessage.dedupe_key.in_(key_list[start : start + 500])
                )
            )
        )
    recipients: dict[int, str | None] = {}
    added = 0
    for key, (instrument, enterprise) in keys.items():
        if key in existing:
            continue
        if enterprise.id not in recipients:
            recipients[enterprise.id] = recipient_of(session, enterprise)
        subject, body = _text(instrument, enterprise, lab_name, today=today)
        session.add(
            OutboxMessage(
                kind=KIND,
                dedupe_key=key,
                enterprise_id=enterprise.id,
                recipient=recipients[enterprise.id],
                subject=subject,
                body=body,
                state=QUEUED,
                attempts=0,
            )
        )
        added += 1
    session.flush()
    return added


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int
    failed: int


def deliver(
    session: Session,
    mailer: Mailer,
    settings: MailSettings,
    *,
    now: datetime | None = None,
    after_each: Callable[[], None] | None = None,
    kinds: Sequence[str] = (KIND,),
) -> DeliveryReport:
    """Send every queued (or failed, fewer than MAX_ATTEMPTS times) message of ``kinds`` (reminders unless
    told otherwise) and record each outcome.

    ``after_each`` (the command passes ``session.commit``) makes each outcome durable before the next
    message, so an interrupted run never sends a message twice.
    """
    pending = session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.kind.in_(list(kinds)),
            OutboxMessage.state.in_((QUEUED, FAILED)),
            OutboxMessage.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxMessage.id)
    ).all()
    sent = failed = 0
    for message in pending:
        if message.recipient is None and message.enterprise_id is not None:
            enterprise = session.get(Enterprise, message.enterprise_id)
            message.recipient = recipient_of(session, enterprise) if enterprise is not None else None
        message.attempts += 1
        if message.recipient is None:
            message.state, message.last_error = FAILED, "no e-mail address for the enterprise"
            failed += 1
        else:
            try:
                mailer.send(
                    build_message(
                        settings, recipient=message.recipient, subject=message.subject, body=message.body
                    )
                )
            except MailError as exc:
                message.state, message.last_error = FAILED, str(exc)[:2000]
                failed += 1
            else:
                message.state, message.last_error = SENT, None
                message.sent_at = now or datetime.now(UTC)
                sent += 1
        session.flush()
        if after_each is not None:
            after_each()
    return DeliveryReport(sent, failed)
