"""Reverse traceability: what relied on a suspect standard, the lab's evaluations, drafted notices.

ISO/IEC 17025:2017 7.10 (nonconforming work) and 6.4.10: when a standard is found out of tolerance,
its certificate is withdrawn or an intermediate check fails, every job and certificate that relied on it
— directly, or through another standard this lab calibrated with it — since its last good calibration
is listed with the customers concerned.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain import impact as dom
from lims.domain.impact_notices import CustomerNotice, draft_notices
from lims.errors import N_, LimsError, NotFound
from lims.models import (
    Certificate,
    Enterprise,
    ImpactEvaluation,
    Job,
    JobStandard,
    MeasurementStandard,
    OutboxMessage,
    StandardCalibration,
    StandardCalibrationSource,
    SuspectEvent,
)
from lims.models.impact import SuspectEvent as SuspectEventRecord
from lims.services.access.laboratory import current_laboratory

DECISIONS = ("no_effect", "notify", "recall")


class ImpactError(LimsError, ValueError):
    pass


def last_good_calibration(session: Session, standard_id: int, before: date) -> date | None:
    return session.scalar(
        select(func.max(StandardCalibration.calibrated_on)).where(
            StandardCalibration.standard_id == standard_id,
            StandardCalibration.calibrated_on <= before,
            StandardCalibration.withdrawn_reason.is_(None),
        )
    )


def declare_event(
    session: Session,
    standard_id: int,
    *,
    kind: str,
    found_on: date,
    details: str,
    declared_by_id: int | None,
    suspect_from: date | None = None,
) -> SuspectEventRecord:
    """Record the event; suspicion starts at the last good calibration unless the lab says otherwise."""
    standard = session.get(MeasurementStandard, standard_id)
    if standard is None:
        raise NotFound()
    if kind not in {k.value for k in dom.EventKind}:
        raise ImpactError(N_("Choose what happened to the standard."))
    details = unicodedata.normalize("NFC", details).strip()
    if not details:
        raise ImpactError(N_("Describe what was found."))
    start = suspect_from or last_good_calibration(session, standard_id, found_on) or found_on
    if start > found_on:
        raise ImpactError(N_("The suspect period cannot start after the date the problem was found."))
    event = SuspectEventRecord(
        standard_id=standard_id,
        kind=kind,
        found_on=found_on,
        suspect_from=start,
        details=details,
        declared_by_id=declared_by_id,
    )
    session.add(event)
    session.flush()
    return event


def _usages(session: Session, since: date) -> tuple[list[dom.Usage], dict[str, list[date]], dict[str, str]]:
    """Jobs and internal calibrations performed since ``since`` with the standards each relied on."""
    usages: list[dom.Usage] = []
    performed = func.coalesce(Job.measured_on, Job.received_on, Job.requested_on)
    rows = session.execute(
        select(Job.id, Job.number, performed.label("on"), Enterprise.name, JobStandard.standard_id)
        .join(JobStandard, JobStandard.job_id == Job.id)
        .join(Enterprise, Enterprise.id == Job.enterprise_id)
        .where(performed >= since)
    ).all()
    certificates: dict[int, str] = (
        dict(
            session.execute(  # type: ignore[arg-type]
                select(Certificate.job_id, Certificate.number).where(
                    Certificate.job_id.in_({r.id for r in rows}), Certificate.replaces_id.is_(None)
                )
            ).all()
        )
        if rows
        else {}
    )
    jobs: dict[int, tuple[str, date, str, list[str]]] = {}
    for row in rows:
        jobs.setdefault(row.id, (row.number, row.on, row.name, []))[3].append(str(row.standard_id))
    for job_id, (number, on, customer, standards) in jobs.items():
        usages.append(dom.Usage(number, on, tuple(standards), certificates.get(job_id), customer))
    internal = session.execute(
        select(
            StandardCalibration.id,
            StandardCalibration.standard_id,
            StandardCalibration.calibrated_on,
            StandardCalibration.certificate_number,
            StandardCalibrationSource.standard_id.label("source"),
        )
        .join(StandardCalibrationSource, StandardCalibrationSource.calibration_id == StandardCalibration.id)
        .where(StandardCalibration.calibrated_on >= since)
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
            StandardCalibration.calibrated_on >= since
        )
    ):
        recalibrations.setdefault(str(standard_id), []).append(on)
    assets = {
        str(i): a
        for i, a in session.execute(select(MeasurementStandard.id, MeasurementStandard.asset_number))
    }
    return usages, recalibrations, assets


@dataclass(frozen=True, slots=True)
class ImpactView:
    event: SuspectEventRecord
    standard: MeasurementStandard
    report: dom.ImpactReport
    notices: list[CustomerNotice]
    evaluations: dict[str, ImpactEvaluation]


def assess(session: Session, event_id: int) -> ImpactView:
    event = session.get(SuspectEvent, event_id)
    if event is None:
        raise NotFound()
    standard = session.get(MeasurementStandard, event.standard_id)
    assert standard is not None
    usages, recalibrations, assets = _usages(session, event.suspect_from)
    report = dom.assess_impact(
        dom.SuspectEvent(
            str(standard.id),
            standard.asset_number,
            dom.EventKind(event.kind),
            event.found_on,
            event.suspect_from,
            details=event.details,
        ),
        usages,
        recalibrations=recalibrations,
        asset_numbers=assets,
    )
    lab = current_laboratory(session)
    notices = draft_notices(report, lab_name=lab.name_vi, contact=lab.email or lab.phone or lab.address)
    evaluations = {
        e.job_ref: e
        for e in session.scalars(select(ImpactEvaluation).where(ImpactEvaluation.event_id == event_id))
    }
    return ImpactView(event, standard, report, notices, evaluations)


def queue_notices(session: Session, event_id: int) -> int:
    """Keep one drafted notice per customer in the outbox (once per event and customer)."""
    view = assess(session, event_id)
    added = 0
    for notice in view.notices:
        key = f"impact:{event_id}:{notice.customer}"
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
            continue
        enterprise = session.scalar(select(Enterprise).where(Enterprise.name == notice.customer))
        session.add(
            OutboxMessage(
                kind="impact_notice",
                dedupe_key=key,
                enterprise_id=enterprise.id if enterprise else None,
                recipient=enterprise.email if enterprise else None,
                subject=notice.subject[:500],
                body=notice.body,
                state="draft",
            )
        )
        added += 1
    session.flush()
    return added


def record_evaluation(
    session: Session,
    event_id: int,
    *,
    job_ref: str,
    decision: str,
    evaluation: str,
    evaluated_by_id: int | None,
) -> ImpactEvaluation:
    view = assess(session, event_id)
    affected = {a.usage.job_id: a for a in view.report.affected}
    if job_ref not in affected:
        raise ImpactError(N_("This job is not among those affected."))
    if decision not in DECISIONS:
        raise ImpactError(N_("Choose a decision."))
    text = unicodedata.normalize("NFC", evaluation).strip()
    if not text:
        raise ImpactError(N_("Write the evaluation."))
    existing = view.evaluations.get(job_ref)
    if existing is not None:
        existing.decision, existing.evaluation, existing.evaluated_by_id = decision, text, evaluated_by_id
        session.flush()
        return existing
    record = ImpactEvaluation(
        event_id=event_id,
        job_ref=job_ref,
        certificate_number=affected[job_ref].usage.certificate_number,
        decision=decision,
        evaluation=text,
        evaluated_by_id=evaluated_by_id,
    )
    session.add(record)
    session.flush()
    return record


def events_of(session: Session, standard_id: int) -> list[SuspectEventRecord]:
    return list(
        session.scalars(
            select(SuspectEvent)
            .where(SuspectEvent.standard_id == standard_id)
            .order_by(SuspectEvent.found_on.desc())
        )
    )
