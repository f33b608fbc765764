"""Conversion of an accepted service request into jobs (ISO/IEC 17025:2017 7.1).

Each item becomes a job through :func:`lims.services.jobs.jobs.create_job` (numbers from the gap-free job counter,
the procedure chosen by the lab per item), with the customer's requirements copied into ``job.requirements``.
All the items become jobs or none does: the function raises before the caller commits, whose rollback leaves
nothing half-saved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain.unit_conversion import convert_value
from lims.errors import N_
from lims.models import (
    Job,
    JobKind,
    Procedure,
    RequestState,
    ServiceRequest,
    ServiceRequestItem,
    User,
)
from lims.services.access.laboratory import current_laboratory
from lims.services.customers.request_errors import RequestError
from lims.services.customers.service_requests import lock_request, mark_decided, refusal, tell_customer
from lims.services.jobs import jobs
from lims.services.jobs.procedures import domain_procedure


@dataclass(frozen=True, slots=True)
class Conversion:
    """The lab's choices when converting: a procedure per item (by item id) and the expected date."""

    procedures: Mapping[int, int]
    due_on: date | None = None


def job_requirements(
    request: ServiceRequest, item: ServiceRequestItem, *, unit: str | None = None
) -> dict[str, Any]:
    """The customer's requirements in the format of ``job.requirements`` (docs/jobs.md); the wanted points,
    given in the instrument's unit, are converted to ``unit`` (the procedure's: grams to kilograms)."""
    wanted: dict[str, Any] = {
        "conformity_statement": request.conformity_statement,
        "specification": request.conformity_specification or "",
        "decision_rule": request.decision_rule,
        "notes": request.notes or "",
    }
    if request.recalibration_months:
        wanted["recalibration_months"] = request.recalibration_months
    if item.points:
        # a unit that does not convert keeps the points as given: the job service then refuses the procedure
        converted = [
            convert_value(float(p), item.instrument.unit, unit) if unit else None for p in item.points
        ]
        wanted["points"] = [p if c is None else c for p, c in zip(item.points, converted, strict=True)]
    return wanted


def convert_request(
    session: Session,
    request_id: int,
    conversion: Conversion,
    *,
    user: User,
    today: date,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> list[Job]:
    """Each item becomes a job (procedure chosen per item); all jobs or none (the caller rolls back)."""
    request = lock_request(session, user, request_id, expected_version=expected_version)
    if request.state not in (RequestState.ACCEPTED, RequestState.SCHEDULED):
        raise refusal(request, "convert")
    lab_id = current_laboratory(session).id
    due_on = conversion.due_on or (request.scheduled_on or today) + timedelta(days=10)
    if due_on < today:
        raise RequestError(N_("The expected date %(date)s is in the past."), date=due_on)
    created = []
    for item in request.items:
        procedure_id = conversion.procedures.get(item.id)
        procedure = session.get(Procedure, procedure_id) if procedure_id is not None else None
        if procedure is None or not procedure.is_active:
            raise RequestError(N_("Choose a procedure for %(serial)s."), serial=item.instrument.serial_number)
        if procedure.kind != request.kind:
            wrong_kind = (
                N_("Procedure %(code)s is not a calibration procedure.")
                if request.kind == JobKind.CALIBRATION
                else N_("Procedure %(code)s is not a verification procedure.")
            )
            raise RequestError(wrong_kind, code=procedure.code)
        job = jobs.create_job(
            session,
            jobs.JobRequest(
                lab_id,
                item.instrument_id,
                procedure.id,
                requested_on=today,
                due_on=due_on,
                on_site=request.on_site,
                requirements=job_requirements(request, item, unit=domain_procedure(procedure).unit),
            ),
        )
        item.procedure_id = procedure.id
        item.job_id = job.id
        created.append(job)
    request.state = RequestState.CONVERTED
    request.converted_at = now or datetime.now(UTC)
    if request.decided_by_id is None:
        mark_decided(request, user, now)
    request.updated_at = request.converted_at
    session.flush()
    tell_customer(
        session,
        request,
        "request_converted",
        N_("Your request %(number)s was registered as jobs %(jobs)s."),
        jobs=", ".join(j.number for j in created),
    )
    return created


def jobs_of(session: Session, request: ServiceRequest) -> dict[int, Job]:
    ids = [i.job_id for i in request.items if i.job_id is not None]
    if not ids:
        return {}
    return {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(ids)))}
