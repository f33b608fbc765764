"""Nonconforming-work records (ISO/IEC 17025:2017 7.10): open, find what is affected, decide, act, close.

A record is opened by any trigger (:class:`lims.domain.nonconformity.Trigger`). For a reference standard,
the suspect window comes from its calibration and check history (:func:`lims.domain.nonconformity.
suspect_window`), every job and in-house calibration that relied on it inside the window — directly or
through a standard this lab calibrated with it — is listed (:func:`lims.domain.impact.assess_impact`) with
the *current* certificate of each job (never a superseded one), and the standard is quarantined until a
decision returns it to service.
"""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from lims.domain import impact as dom
from lims.domain import nonconformity as nc
from lims.errors import N_, NotFound
from lims.models import (
    Certificate,
    CertificateStatus,
    CorrectiveAction,
    Enterprise,
    Job,
    JobKind,
    JobStandard,
    MeasurementStandard,
    NcDecision,
    NcNotice,
    NonconformingWork,
    StandardCalibration,
    StandardCalibrationSource,
    StandardStatus,
)
from lims.services.quality.errors import (
    NcError as NcError,  # the quality services' refusal, read from here too
)
from lims.services.quality.windows import compute_window, found_at, record_naming, window_of
from lims.services.standards.standards import change_status

EVENT_KINDS = {
    nc.Trigger.CALIBRATION_OUT_OF_TOLERANCE: dom.EventKind.OUT_OF_TOLERANCE,
    nc.Trigger.CHECK_OUT_OF_LIMITS: dom.EventKind.FAILED_CHECK,
    nc.Trigger.STANDARD_CERTIFICATE_WITHDRAWN: dom.EventKind.CERTIFICATE_WITHDRAWN,
}


def _nfc(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "").strip()


@dataclass(frozen=True, slots=True)
class NcInput:
    trigger: str
    description: str
    found_on: date
    standard_id: int | None = None
    calibration_id: int | None = None
    check_id: int | None = None
    job_id: int | None = None
    certificate_id: int | None = None
    complaint_id: int | None = None
    suspect_from: date | None = None
    suspect_until: date | None = None
    opened_by_id: int | None = None


def _next_number(session: Session, year: int) -> str:
    prefix = f"NC-{year}-"
    last = session.scalar(
        select(func.max(NonconformingWork.number)).where(NonconformingWork.number.like(prefix + "%"))
    )
    return nc.format_number(year, int(last[len(prefix) :]) + 1 if last else 1)


def open_record(session: Session, data: NcInput, *, today: date) -> NonconformingWork:
    """Open a record; a standard it concerns is quarantined (status change with the record's number)."""
    try:
        trigger = nc.Trigger(data.trigger)
    except ValueError:
        raise NcError(N_("Choose what opened the record.")) from None
    description = _nfc(data.description)
    if not description:
        raise NcError(N_("Describe what was found."))
    if data.found_on > today:
        raise NcError(N_("The date found cannot be in the future."))
    standard = None
    if trigger.concerns_standard:
        standard = session.get(MeasurementStandard, data.standard_id) if data.standard_id else None
        if standard is None:
            raise NcError(N_("Choose the standard concerned."))
    elif data.job_id is None and data.certificate_id is None and data.complaint_id is None:
        raise NcError(N_("Name the job, the certificate or the complaint concerned."))
    if standard is not None:
        named = found_at(session, standard.id, trigger, data.found_on, data.calibration_id, data.check_id)
        data = dataclasses.replace(data, calibration_id=named)
        for calibration_id, check_id in ((data.calibration_id, None), (None, data.check_id)):
            already = record_naming(session, calibration_id, check_id)
            if already is not None:
                raise NcError(
                    N_("Record %(number)s is already open for this finding."), number=already.number
                )
        compute_window(
            session,
            standard.id,
            data.found_on,
            data.suspect_from,
            data.suspect_until,
            failed_calibration=data.calibration_id,
            failed_check=data.check_id,
        )
    if data.certificate_id is not None and data.job_id is None:
        cert = session.get(Certificate, data.certificate_id)
        if cert is None:
            raise NotFound()
        data = _replace_job(data, cert.job_id)
    record = NonconformingWork(
        number=_next_number(session, data.found_on.year),
        trigger=trigger.value,
        state=nc.NcState.OPEN.value,
        description=description,
        found_on=data.found_on,
        standard_id=standard.id if standard is not None else None,
        calibration_id=data.calibration_id,
        check_id=data.check_id,
        job_id=data.job_id,
        certificate_id=data.certificate_id,
        complaint_id=data.complaint_id,
        suspect_from=data.suspect_from,
        suspect_until=data.suspect_until,
        opened_by_id=data.opened_by_id,
    )
    session.add(record)
    session.flush()
    if standard is not None and standard.status != StandardStatus.QUARANTINED:
        change_status(
            session,
            standard.id,
            StandardStatus.QUARANTINED,
            reason=f"{record.number}: {description}"[:2000],
            effective_on=data.found_on,
            changed_by_id=data.opened_by_id,
        )
    return record


def _replace_job(data: NcInput, job_id: int) -> NcInput:
    return dataclasses.replace(data, job_id=job_id)


def get_record(session: Session, nc_id: int) -> NonconformingWork:
    record = session.get(NonconformingWork, nc_id)
    if record is None:
        raise NotFound()
    return record


def job_id_by_number(session: Session, number: str) -> int:
    found = session.scalar(select(Job.id).where(Job.number == number.strip()))
    if found is None:
        raise NcError(N_("No job has the number %(number)s."), number=number.strip()[:50])
    return found


def find_record(session: Session, number: str) -> NonconformingWork:
    record = session.scalar(select(NonconformingWork).where(NonconformingWork.number == number.strip()))
    if record is None:
        raise NotFound()
    return record


# ------------------------------------------------------------------------------------------ the window


# ------------------------------------------------------------------------------------------ the usages


@dataclass(frozen=True, slots=True)
class JobFacts:
    job_id: int
    number: str
    kind: JobKind
    enterprise_id: int
    customer: str
    certificate: Certificate | None  # the current one


def current_certificates(session: Session, job_ids: Sequence[int]) -> dict[int, Certificate]:
    """The current certificate of each job: the latest revision, never one an amendment superseded."""
    found: dict[int, Certificate] = {}
    ids = sorted(set(job_ids))
    for start in range(0, len(ids), 500):
        for cert in session.scalars(
            select(Certificate)
            .where(
                Certificate.job_id.in_(ids[start : start + 500]),
                Certificate.status != CertificateStatus.SUPERSEDED,
            )
            .order_by(Certificate.revision, Certificate.id)
        ):
            found[cert.job_id] = cert
    return found


def _usages(
    session: Session, since: date
) -> tuple[list[dom.Usage], dict[str, list[date]], dict[str, str], dict[str, JobFacts]]:
    """Jobs and internal calibrations performed since ``since`` with the standards each relied on."""
    performed = func.coalesce(Job.measured_on, Job.received_on, Job.requested_on)
    rows = session.execute(
        select(
            Job.id,
            Job.number,
            Job.kind,
            Job.enterprise_id,
            performed.label("on"),
            Enterprise.name,
            JobStandard.standard_id,
        )
        .join(JobStandard, JobStandard.job_id == Job.id)
        .join(Enterprise, Enterprise.id == Job.enterprise_id)
        .where(performed >= since)
    ).all()
    certificates = current_certificates(session, [r.id for r in rows])
    jobs: dict[int, tuple[str, date, str, list[str]]] = {}
    facts: dict[str, JobFacts] = {}
    for row in rows:
        jobs.setdefault(row.id, (row.number, row.on, row.name, []))[3].append(str(row.standard_id))
        facts[row.number] = JobFacts(
            row.id, row.number, JobKind(row.kind), row.enterprise_id, row.name, certificates.get(row.id)
        )
    usages: list[dom.Usage] = []
    for job_id, (number, on, customer, standards) in jobs.items():
        cert = certificates.get(job_id)
        usages.append(dom.Usage(number, on, tuple(standards), cert.number if cert else None, customer))
    internal = session.execute(
        select(
            StandardCalibration.id,
            StandardCalibration.standard_id,
            StandardCalibration.calibrated_on,
            StandardCalibration.certificate_number,
            StandardCalibrationSource.standard_id.label("source"),
        )
        .join(StandardCalibrationSource, StandardCalibrationSource.calibration_id == StandardCalibration.id)
        .where(StandardCalibration.calibrated_on >= since, StandardCalibration.withdrawn_reason.is_(None))
    ).all()
    cals: dict[int, tuple[str, date, str, list[str]]] = {}
    for cal_row in internal:
        cals.setdefault(
            cal_row.id, (str(cal_row.standard_id), cal_row.calibrated_on, cal_row.certificate_number, [])
        )[3].append(str(cal_row.source))
    for cal_id, (standard, on, number, sources) in cals.items():
        usages.append(dom.Usage(f"cal:{cal_id}", on, tuple(sources), number, None, standard))
    recalibrations: dict[str, list[date]] = {}
    for standard_id, on in session.execute(
        select(StandardCalibration.standard_id, StandardCalibration.calibrated_on).where(
            StandardCalibration.calibrated_on >= since, StandardCalibration.withdrawn_reason.is_(None)
        )
    ):
        recalibrations.setdefault(str(standard_id), []).append(on)
    assets = {
        str(i): a
        for i, a in session.execute(select(MeasurementStandard.id, MeasurementStandard.asset_number))
    }
    return usages, recalibrations, assets, facts


@dataclass(frozen=True, slots=True)
class Affected:
    """One affected usage with its job's facts (``None`` for an in-house calibration) and its decision."""

    usage: dom.AffectedUsage
    job: JobFacts | None
    decision: NcDecision | None

    @property
    def ref(self) -> str:
        return self.usage.usage.job_id


@dataclass(frozen=True, slots=True)
class NcView:
    record: NonconformingWork
    standard: MeasurementStandard | None
    window: nc.SuspectWindow | None
    report: dom.ImpactReport | None
    affected: list[Affected]
    notices: list[NcNotice] = field(default_factory=list)
    corrective_actions: list[CorrectiveAction] = field(default_factory=list)

    @property
    def jobs(self) -> list[Affected]:
        return [a for a in self.affected if a.job is not None]

    @property
    def calibrations(self) -> list[Affected]:
        return [a for a in self.affected if a.job is None]

    @property
    def decided(self) -> int:
        return sum(a.decision is not None for a in self.affected)


def _decisions(session: Session, nc_id: int) -> dict[str, NcDecision]:
    return {d.usage_ref: d for d in session.scalars(select(NcDecision).where(NcDecision.nc_id == nc_id))}


def assess(session: Session, nc_id: int) -> NcView:
    """The record with what it affects: from the standard's window, or the job it names."""
    record = get_record(session, nc_id)
    decisions = _decisions(session, nc_id)
    notices = list(
        session.scalars(
            select(NcNotice).where(NcNotice.nc_id == nc_id).order_by(NcNotice.enterprise_id, NcNotice.id)
        )
    )
    actions = list(
        session.scalars(
            select(CorrectiveAction).where(CorrectiveAction.nc_id == nc_id).order_by(CorrectiveAction.id)
        )
    )
    standard = session.get(MeasurementStandard, record.standard_id) if record.standard_id else None
    window = window_of(session, record)
    if standard is not None and window is not None:
        usages, recalibrations, assets, facts = _usages(session, window.start)
        report = dom.assess_impact(
            dom.SuspectEvent(
                str(standard.id),
                standard.asset_number,
                EVENT_KINDS[nc.Trigger(record.trigger)],
                record.found_on,
                window.start,
                window.end,
                record.description,
            ),
            usages,
            recalibrations=recalibrations,
            asset_numbers=assets,
        )
        affected = [
            Affected(a, facts.get(a.usage.job_id), decisions.get(a.usage.job_id)) for a in report.affected
        ]
        return NcView(record, standard, window, report, affected, notices, actions)
    affected = []
    if record.job_id is not None:
        job = session.get(Job, record.job_id)
        assert job is not None
        cert = current_certificates(session, [job.id]).get(job.id)
        on = job.measured_on or job.received_on or job.requested_on
        usage = dom.Usage(job.number, on, (), cert.number if cert else None, job.enterprise.name)
        job_facts = JobFacts(job.id, job.number, job.kind, job.enterprise_id, job.enterprise.name, cert)
        affected = [Affected(dom.AffectedUsage(usage, ()), job_facts, decisions.get(job.number))]
    return NcView(record, None, None, None, affected, notices, actions)


# ------------------------------------------------------------------------------------------ decisions


def record_decision(
    session: Session, nc_id: int, *, usage_ref: str, decision: str, reason: str, decided_by_id: int | None
) -> NcDecision:
    """Record (or change) the decision for one affected usage; the record's state follows."""
    view = assess(session, nc_id)
    if view.record.state == nc.NcState.CLOSED:
        raise NcError(N_("The record is closed."))
    found = {a.ref: a for a in view.affected}
    if usage_ref not in found:
        raise NcError(N_("This job is not among those affected."))
    try:
        choice = nc.Decision(decision)
    except ValueError:
        raise NcError(N_("Choose a decision.")) from None
    text = _nfc(reason)
    if not text:
        raise NcError(N_("Give the reason for the decision."))
    target = found[usage_ref]
    if target.job is None and choice not in (nc.Decision.NO_EFFECT, nc.Decision.RECALL):
        raise NcError(N_("An in-house calibration is either without effect or repeated (recall)."))
    cert = target.job.certificate if target.job is not None else None
    if choice in (nc.Decision.AMEND, nc.Decision.WITHDRAW) and cert is None:
        raise NcError(N_("No certificate was issued for this job: there is nothing to amend or withdraw."))
    row = target.decision
    if row is not None and row.result_certificate_id is not None and row.decision != choice.value:
        raise NcError(N_("The certificate was already amended or withdrawn from this decision."))
    if row is None:
        row = NcDecision(nc_id=nc_id, usage_ref=usage_ref)
        session.add(row)
    row.decision = choice.value
    row.reason = text
    row.decided_by_id = decided_by_id
    row.decided_at = datetime.now(UTC)
    row.job_id = target.job.job_id if target.job is not None else None
    row.calibration_id = int(usage_ref[4:]) if usage_ref.startswith("cal:") else None
    row.certificate_id = (
        cert.id if cert is not None and row.result_certificate_id is None else row.certificate_id
    )
    session.flush()
    refresh_state(session, nc_id)
    return row


def actions_open(view: NcView) -> int:
    """Decisions whose action is not done: an amendment or withdrawal not made, a notice not sent."""
    count = 0
    sent = {n.enterprise_id: n for n in view.notices if n.state == "sent"}
    drafts = {n.enterprise_id for n in view.notices if n.state == "draft"}
    for a in view.affected:
        d = a.decision
        if d is None:
            continue
        choice = nc.Decision(d.decision)
        if (choice in (nc.Decision.AMEND, nc.Decision.WITHDRAW) and d.result_certificate_id is None) or (
            a.job is not None
            and choice.tells_customer
            and (a.job.enterprise_id in drafts or a.job.enterprise_id not in sent)
        ):
            count += 1
    return count


def refresh_state(session: Session, nc_id: int) -> NonconformingWork:
    view = assess(session, nc_id)
    record = view.record
    new = nc.next_state(
        nc.NcState(record.state),
        decided=view.decided,
        affected=len(view.affected),
        actions_open=actions_open(view),
    )
    if new.value != record.state:
        record.state = new.value
        session.flush()
    return record


def return_to_service(
    session: Session, nc_id: int, *, reason: str, effective_on: date, changed_by_id: int | None
) -> None:
    """The decision that returns the quarantined standard to service (with its reason)."""
    record = get_record(session, nc_id)
    if record.standard_id is None:
        raise NcError(N_("This record concerns no standard."))
    standard = session.get(MeasurementStandard, record.standard_id)
    assert standard is not None
    if standard.status != StandardStatus.QUARANTINED:
        raise NcError(N_("The standard is not quarantined."))
    text = _nfc(reason)
    if not text:
        raise NcError(N_("Give the reason for returning the standard to service."))
    change_status(
        session,
        standard.id,
        StandardStatus.IN_SERVICE,
        reason=f"{record.number}: {text}"[:2000],
        effective_on=effective_on,
        changed_by_id=changed_by_id,
    )


BLOCKERS = {
    "undecided": N_("The record cannot be closed yet: every affected job and calibration needs a decision."),
    "actions_open": N_(
        "The record cannot be closed yet: some decisions still wait for their notice, amendment or withdrawal."
    ),
    "corrective_open": N_("The record cannot be closed yet: a corrective action is still open."),
}


def close(session: Session, nc_id: int, *, note: str, closed_by_id: int, now: datetime | None = None) -> None:
    """Close the record once every usage is decided, every action done and corrective actions closed."""
    view = assess(session, nc_id)
    record = view.record
    if record.state == nc.NcState.CLOSED:
        raise NcError(N_("The record is closed."))
    blockers = nc.closure_blockers(
        decided=view.decided,
        affected=len(view.affected),
        actions_open=actions_open(view),
        corrective_open=sum(ca.state != "closed" for ca in view.corrective_actions),
    )
    if blockers:
        raise NcError(BLOCKERS[blockers[0]])
    if view.standard is not None and view.standard.status == StandardStatus.QUARANTINED:
        raise NcError(N_("Decide first whether the standard returns to service."))
    text = _nfc(note)
    if not text:
        raise NcError(N_("Write the closing note."))
    record.state = nc.NcState.CLOSED.value
    record.closure_note = text
    record.closed_at = now or datetime.now(UTC)
    record.closed_by_id = closed_by_id
    session.flush()


# ------------------------------------------------------------------------------------------ listing


#: The corrective-action filters of the list (and of the dashboard tiles that open it).
CORRECTIVE_FILTERS = {
    "open": N_("With a corrective action not closed"),
    "overdue": N_("With a corrective action overdue"),
}


def not_closed() -> ColumnElement[bool]:
    """A record not yet closed (the list's "not closed only" and the dashboard's open-records tile)."""
    return NonconformingWork.state != nc.NcState.CLOSED.value


def with_corrective(kind: str, *, today: date) -> ColumnElement[bool]:
    """Records with a corrective action (8.7) not closed (``open``), or not closed and past its due date on
    ``today`` (``overdue``). Counted per record, so a tile's number is the number of rows its link lists."""
    conditions = [CorrectiveAction.nc_id == NonconformingWork.id, CorrectiveAction.state != "closed"]
    if kind == "overdue":
        conditions.append(CorrectiveAction.due_on < today)
    elif kind != "open":
        raise ValueError(kind)
    return exists(select(CorrectiveAction.id).where(*conditions))


def with_draft_notice() -> ColumnElement[bool]:
    """Records with a customer notice drafted and not yet sent (the list's filter and the dashboard tile)."""
    return exists(
        select(NcNotice.id).where(NcNotice.nc_id == NonconformingWork.id, NcNotice.state == "draft")
    )


@dataclass(frozen=True, slots=True)
class NcFilter:
    state: str | None = None
    trigger: str | None = None
    standard_id: int | None = None
    open_only: bool = False
    corrective: str | None = None  # a key of CORRECTIVE_FILTERS
    drafts: bool = False  # only records with a customer notice waiting for review
    today: date | None = None  # the day "overdue" is judged on (default: today)


def list_records(
    session: Session, where: NcFilter = NcFilter(), *, limit: int = 500
) -> list[NonconformingWork]:
    stmt = select(NonconformingWork).order_by(NonconformingWork.id.desc()).limit(limit)
    if where.state:
        stmt = stmt.where(NonconformingWork.state == where.state)
    if where.open_only:
        stmt = stmt.where(not_closed())
    if where.corrective:
        stmt = stmt.where(with_corrective(where.corrective, today=where.today or date.today()))
    if where.drafts:
        stmt = stmt.where(with_draft_notice())
    if where.trigger:
        stmt = stmt.where(NonconformingWork.trigger == where.trigger)
    if where.standard_id is not None:
        stmt = stmt.where(NonconformingWork.standard_id == where.standard_id)
    return list(session.scalars(stmt))


def records_citing(session: Session, certificate_id: int) -> list[tuple[NonconformingWork, NcDecision]]:
    """Records whose decisions name this certificate (as the one evaluated, or as the amendment/withdrawal)."""
    rows = session.execute(
        select(NonconformingWork, NcDecision)
        .join(NcDecision, NcDecision.nc_id == NonconformingWork.id)
        .where(
            (NcDecision.certificate_id == certificate_id)
            | (NcDecision.result_certificate_id == certificate_id)
        )
        .order_by(NonconformingWork.id)
    ).all()
    return [(r[0], r[1]) for r in rows]
