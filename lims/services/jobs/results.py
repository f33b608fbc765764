"""A job's point results as every reader sees them: the API, ``lims jobs show`` and the pages.

Each point is read from its stored :class:`certificates.metrology.PointResult` and printed by the one display
(:mod:`certificates.metrology.display`), so its numbers are exactly those the certificate prints
(JCGM 100:2008 7.2.6; ILAC-P14:09/2020 6.3).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.metrology.display import point_json
from lims.errors import N_, NotFound
from lims.models import Certificate, Job, Measurement


class UnknownJob(NotFound):
    template = N_("No job has the number %(number)s.")


def job_by_number(session: Session, number: str) -> Job:
    """The job numbered ``number``; :class:`UnknownJob` (one clear line) when there is none."""
    found = session.scalar(select(Job).where(Job.number == number.strip()))
    if found is None:
        raise UnknownJob(number=number.strip())
    return found


def job_points(session: Session, job: Job) -> list[dict[str, Any]]:
    """The job's measured points in their machine-readable form (decimal strings with a point)."""
    rows = session.scalars(
        select(Measurement).where(Measurement.job_id == job.id).order_by(Measurement.point_index)
    )
    return [point_json(point, m.point_index) for m in rows if (point := m.point) is not None]


def job_report(session: Session, number: str) -> dict[str, Any]:
    """What ``lims jobs show NUMBER --json`` prints: number, state, procedure, certificates, points."""
    job = job_by_number(session, number)
    certificates = session.scalars(
        select(Certificate.number).where(Certificate.job_id == job.id).order_by(Certificate.id)
    ).all()
    return {
        "number": job.number,
        "state": job.state.value,
        "procedure": f"{job.procedure.code} {job.procedure.version}" if job.procedure else None,
        "certificates": list(certificates),
        "points": job_points(session, job),
    }
