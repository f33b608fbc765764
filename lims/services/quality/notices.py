"""Customer notices of nonconforming work: drafted from decisions, reviewed and sent, delivered, tracked.

A notice exists only once a decision tells a customer something (notify, recall, amend, withdraw: ISO/IEC
17025:2017 7.10.1 d); it is redrafted whenever those decisions change, and a sent notice is followed by a
new draft when they change afterwards. Sending puts it in the outbox (e-mail through the SMTP settings,
``lims outbox send`` or the page's own delivery) and in the customer's notification bell; its delivery
state is the outbox message's.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.config import MailSettings
from lims.domain import impact_notices as text
from lims.domain import nonconformity as nc
from lims.errors import N_, NotFound
from lims.models import (
    Certificate,
    Enterprise,
    Job,
    MeasurementStandard,
    NcNotice,
    NonconformingWork,
    OutboxMessage,
    Role,
    User,
)
from lims.services.access.laboratory import current_laboratory
from lims.services.common.notifications import notify
from lims.services.customers.reminders import DeliveryReport, Mailer, deliver, recipient_of
from lims.services.quality.nonconformity import Affected, NcError, assess, refresh_state

KIND = "nc_notice"
DRAFT, SENT, CANCELLED = "draft", "sent", "cancelled"

REASONS: dict[nc.Trigger, tuple[str, str]] = {
    nc.Trigger.CALIBRATION_OUT_OF_TOLERANCE: (
        "chuẩn đo lường {asset}, dùng cho công việc trên phương tiện đo của Quý khách, nằm ngoài dung sai cho phép",
        "measurement standard {asset}, used in the work on your instruments, was out of tolerance",
    ),
    nc.Trigger.CHECK_OUT_OF_LIMITS: (
        "chuẩn đo lường {asset}, dùng cho công việc trên phương tiện đo của Quý khách, không đạt khi kiểm tra "
        "giữa kỳ",
        "measurement standard {asset}, used in the work on your instruments, failed its intermediate check",
    ),
    nc.Trigger.STANDARD_CERTIFICATE_WITHDRAWN: (
        "giấy chứng nhận hiệu chuẩn của chuẩn đo lường {asset}, dùng cho công việc trên phương tiện đo của "
        "Quý khách, đã bị thu hồi",
        "calibration certificate of measurement standard {asset}, used in the work on your instruments, was "
        "withdrawn",
    ),
}
# What was found wrong in the work itself, composed from the record's structured fields in each language;
# the lab's description is quoted apart, under a label (impact_notices.NOTE_LABEL), never put into these.
WORK_REASONS: dict[str, tuple[str, str]] = {
    "job": (
        "công việc {job} thực hiện cho Quý khách có sai sót",
        "work done for you under job {job} was not right",
    ),
    "certificate": (
        "{certificate} {number} cấp cho Quý khách có sai sót",
        "{certificate} {number} issued to you contained an error",
    ),
    "complaint": (
        "công việc thực hiện cho Quý khách có sai sót, phát hiện khi xem xét khiếu nại",
        "work done for you was not right, as found when reviewing a complaint",
    ),
    "work": (
        "công việc thực hiện cho Quý khách có sai sót",
        "work done for you was not right",
    ),
}


def customer_language(session: Session, enterprise_id: int) -> str:
    """The language of the enterprise's customer users (its administrator first); Vietnamese by default."""
    language = session.scalar(
        select(User.language)
        .where(User.enterprise_id == enterprise_id, User.role == Role.CUSTOMER, User.is_active.is_(True))
        .order_by(User.is_enterprise_admin.desc(), User.id)
        .limit(1)
    )
    return language if language in text.LANGUAGES else "vi"


def _line(session: Session, affected: Affected) -> text.NoticeLine:
    assert affected.job is not None and affected.decision is not None
    decision = affected.decision
    result = (
        session.get(Certificate, decision.result_certificate_id) if decision.result_certificate_id else None
    )
    # the job's current certificate; only an amendment made from this very decision names the certificate
    # it replaced (and the replacement), never one superseded by anything else
    cited = affected.job.certificate
    if result is not None and decision.certificate_id is not None:
        cited = session.get(Certificate, decision.certificate_id)
    choice = nc.Decision(decision.decision)
    return text.NoticeLine(
        affected.job.number,
        affected.usage.usage.performed_on,
        affected.job.kind.value,
        choice,
        cited.number if cited is not None else None,
        result.number if result is not None and choice is nc.Decision.AMEND else None,
    )


def _reasons(session: Session, record: NonconformingWork, enterprise_id: int) -> tuple[str, str, str]:
    """What happened in each language, composed by the system, and the lab's note to quote ("" when the
    structured reason says it all). A job or certificate is named only to its own customer."""
    trigger = nc.Trigger(record.trigger)
    if trigger in REASONS and record.standard_id is not None:
        standard = session.get(MeasurementStandard, record.standard_id)
        assert standard is not None
        vi, en = REASONS[trigger]
        return vi.format(asset=standard.asset_number), en.format(asset=standard.asset_number), ""
    job = session.get(Job, record.job_id) if record.job_id is not None else None
    certificate = (
        session.get(Certificate, record.certificate_id) if record.certificate_id is not None else None
    )
    if job is not None and job.enterprise_id != enterprise_id:
        job = certificate = None
    if trigger is nc.Trigger.CERTIFICATE_FOUND_WRONG and certificate is not None:
        vi, en = WORK_REASONS["certificate"]
        kind = certificate.kind.value
        return (
            vi.format(certificate=text.CERTIFICATE_WORDS[(kind, "vi")].lower(), number=certificate.number),
            en.format(certificate=text.CERTIFICATE_WORDS[(kind, "en")].lower(), number=certificate.number),
            record.description,
        )
    if trigger is not nc.Trigger.COMPLAINT and job is not None:
        vi, en = WORK_REASONS["job"]
        return vi.format(job=job.number), en.format(job=job.number), record.description
    vi, en = WORK_REASONS["complaint" if trigger is nc.Trigger.COMPLAINT else "work"]
    return vi, en, record.description


def regenerate(session: Session, nc_id: int) -> list[NcNotice]:
    """Bring each customer's draft in line with the decisions; the drafts now waiting for review."""
    view = assess(session, nc_id)
    record = view.record
    lines: dict[int, list[text.NoticeLine]] = defaultdict(list)
    customers: dict[int, str] = {}
    for a in view.jobs:
        if a.decision is None or not nc.Decision(a.decision.decision).tells_customer:
            continue
        assert a.job is not None
        lines[a.job.enterprise_id].append(_line(session, a))
        customers[a.job.enterprise_id] = a.job.customer
    lab = current_laboratory(session)
    latest: dict[int, NcNotice] = {}
    for notice in view.notices:
        if notice.state != CANCELLED:
            latest[notice.enterprise_id] = notice  # ordered by id: the last one wins
    drafts: list[NcNotice] = []
    for enterprise_id, notice in latest.items():
        if enterprise_id not in lines and notice.state == DRAFT:
            notice.state = CANCELLED  # nothing to tell this customer any more
    for enterprise_id, mine in lines.items():
        language = customer_language(session, enterprise_id)
        lab_name = lab.name_vi if language == "vi" else (lab.name_en or lab.name_vi)
        reason_vi, reason_en, note = _reasons(session, record, enterprise_id)
        facts = text.NoticeFacts(
            customers[enterprise_id],
            lab_name,
            lab.email or lab.phone or lab.address,
            record.number,
            reason_vi,
            reason_en,
            record.found_on,
            tuple(sorted(mine, key=lambda line: (line.performed_on, line.job_number))),
            note,
        )
        drafted = text.draft_notice(facts, language=language)
        fingerprint = text.digest(mine)
        previous = latest.get(enterprise_id)
        if previous is not None and previous.state == SENT and previous.digest == fingerprint:
            continue
        if previous is not None and previous.state == DRAFT:
            notice = previous
        else:
            notice = NcNotice(nc_id=nc_id, enterprise_id=enterprise_id, state=DRAFT)
            session.add(notice)
        notice.language, notice.subject, notice.body = language, drafted.subject[:500], drafted.body
        notice.digest = fingerprint
        drafts.append(notice)
    session.flush()
    return drafts


def send_notice(
    session: Session,
    notice_id: int,
    *,
    reviewer: User,
    subject: str | None = None,
    body: str | None = None,
    now: datetime | None = None,
    nc_id: int | None = None,
) -> NcNotice:
    """The reviewer sends a draft (possibly edited): outbox e-mail and the customer's bell. ``nc_id``, when
    given, is the record the notice must belong to (the page's address)."""
    notice = session.get(NcNotice, notice_id)
    if notice is None or (nc_id is not None and notice.nc_id != nc_id):
        raise NotFound()
    if notice.state != DRAFT:
        raise NcError(N_("Only a draft notice can be sent."))
    record = session.get(NonconformingWork, notice.nc_id)
    assert record is not None
    if subject is not None:
        subject = " ".join(subject.split())
        if not subject:
            raise NcError(N_("The notice needs a subject."))
        notice.subject = subject[:500]
    if body is not None:
        if not body.strip():
            raise NcError(N_("The notice needs a text."))
        notice.body = body.replace("\r\n", "\n").strip()
    enterprise = session.get(Enterprise, notice.enterprise_id)
    assert enterprise is not None
    message = OutboxMessage(
        kind=KIND,
        dedupe_key=f"{KIND}:{notice.id}",
        enterprise_id=enterprise.id,
        recipient=recipient_of(session, enterprise),
        subject=notice.subject,
        body=notice.body,
        state="queued",
        attempts=0,
    )
    session.add(message)
    session.flush()
    bell = notify(
        session,
        kind=KIND,
        # The bell is read in each reader's language; the letter's subject is in the letter's one language
        # (customer_language), so it is not quoted here: an English reader saw a Vietnamese subject.
        # Rows stored before keep "Notice %(number)s about your certificates: %(subject)s" (in the catalogue).
        msgid=N_("The laboratory sent notice %(number)s about your certificates."),
        params={"number": record.number},
        link=("portal.notices_page", {}),
        enterprise_id=enterprise.id,
    )
    notice.state = SENT
    notice.sent_at = now or datetime.now(UTC)
    notice.reviewed_by_id = reviewer.id
    notice.outbox_id = message.id
    notice.notification_id = bell.id
    session.flush()
    refresh_state(session, record.id)
    return notice


def deliver_notices(
    session: Session, mailer: Mailer, settings: MailSettings, *, now: datetime | None = None
) -> DeliveryReport:
    """Send every queued (or failed, not too often) notice through SMTP and record each outcome."""
    return deliver(session, mailer, settings, now=now, kinds=(KIND,))


def delivery_state(session: Session, notice: NcNotice) -> str:
    """``draft``, ``cancelled``, or the outbox state of a sent notice (``queued``, ``sent``, ``failed``)."""
    if notice.outbox_id is None:
        return notice.state
    message = session.get(OutboxMessage, notice.outbox_id)
    return message.state if message is not None else notice.state


def notices_for_customer(session: Session, enterprise_id: int) -> list[tuple[NcNotice, NonconformingWork]]:
    """Sent notices of one enterprise, newest first (the portal's page; tenant isolation by enterprise)."""
    rows = session.execute(
        select(NcNotice, NonconformingWork)
        .join(NonconformingWork, NonconformingWork.id == NcNotice.nc_id)
        .where(NcNotice.enterprise_id == enterprise_id, NcNotice.state == SENT)
        .order_by(NcNotice.id.desc())
    ).all()
    return [(r[0], r[1]) for r in rows]
