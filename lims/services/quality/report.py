"""A nonconforming-work record as plain data (``lims nc show --json``): trigger, window, what it affects with
the current certificate of each job, decisions, notices and their delivery, corrective actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import N_, NotFound
from lims.models import Certificate, Enterprise, NonconformingWork, User
from lims.services.quality import notices
from lims.services.quality.nonconformity import (
    Affected,
    NcError,
    NcFilter,
    NcView,
    assess,
    find_record,
    get_record,
    list_records,
)


def resolve(session: Session, ident: str) -> NonconformingWork:
    """A record by id or number; an unknown one is a clear error."""
    try:
        return get_record(session, int(ident)) if ident.isdigit() else find_record(session, ident)
    except NotFound:
        raise NcError(N_("No nonconforming-work record %(ident)s."), ident=ident[:40]) from None


def _number(session: Session, certificate_id: int | None) -> str | None:
    cert = session.get(Certificate, certificate_id) if certificate_id else None
    return cert.number if cert is not None else None


def _affected(session: Session, a: Affected) -> dict[str, Any]:
    u = a.usage.usage
    d = a.decision
    return {
        "ref": a.ref,
        "job": a.job.number if a.job else None,
        "kind": a.job.kind.value if a.job else "in_house_calibration",
        "performed_on": u.performed_on.isoformat(),
        "customer": a.job.customer if a.job else None,
        "certificate": (a.job.certificate.number if a.job.certificate else None)
        if a.job
        else u.certificate_number,
        "level": a.usage.level if a.usage.paths else None,
        "decision": d.decision if d else None,
        "reason": d.reason if d else None,
        "result_certificate": _number(session, d.result_certificate_id) if d else None,
    }


def summary(session: Session, record: NonconformingWork, *, detailed: bool = True) -> dict[str, Any]:
    view = assess(session, record.id)
    data: dict[str, Any] = {
        "id": record.id,
        "number": record.number,
        "trigger": record.trigger,
        "state": record.state,
        "found_on": record.found_on.isoformat(),
        "description": record.description,
        "standard": view.standard.asset_number if view.standard else None,
        "window": (
            {
                "start": view.window.start.isoformat(),
                "end": view.window.end.isoformat() if view.window.end else None,
            }
            if view.window
            else None
        ),
        "jobs": len(view.jobs),
        "in_house_calibrations": len(view.calibrations),
        "decided": view.decided,
        "closed_at": record.closed_at.isoformat() if record.closed_at else None,
    }
    if not detailed:
        return data
    data["affected"] = [_affected(session, a) for a in view.affected]
    data["certificates"] = sorted(
        {a.job.certificate.number for a in view.jobs if a.job is not None and a.job.certificate is not None}
    )
    data["notices"] = [
        {
            "customer": enterprise.name if (enterprise := session.get(Enterprise, n.enterprise_id)) else None,
            "language": n.language,
            "state": n.state,
            "delivery": notices.delivery_state(session, n),
            "sent_at": n.sent_at.isoformat() if n.sent_at else None,
            "subject": n.subject,
        }
        for n in view.notices
    ]
    data["corrective_actions"] = [
        {
            "root_cause": ca.root_cause,
            "actions": ca.actions,
            "due_on": ca.due_on.isoformat(),
            "state": ca.state,
            "effective": ca.effective,
        }
        for ca in view.corrective_actions
    ]
    return data


def people_of(session: Session, view: NcView) -> dict[int, str]:
    """The names of who opened, decided, sent, owns and closed what the record's page shows."""
    r = view.record
    ids = {r.opened_by_id, r.closed_by_id}
    ids |= {a.decision.decided_by_id for a in view.affected if a.decision is not None}
    ids |= {n.reviewed_by_id for n in view.notices}
    ids |= {ca.owner_id for ca in view.corrective_actions} | {
        ca.closed_by_id for ca in view.corrective_actions
    }
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return {u.id: u.full_name for u in session.scalars(select(User).where(User.id.in_(wanted)))}


def listing(session: Session, where: NcFilter, *, detailed: bool = False) -> list[dict[str, Any]]:
    return [summary(session, r, detailed=detailed) for r in list_records(session, where)]
