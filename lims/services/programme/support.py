"""Support applications: submission under the plan's rules, the decision queue, audited decisions.

The rules themselves are pure (:mod:`lims.domain.programme.support`); here they are fed with what the
organisation already holds. The unique key of ``support_grant`` (programme, organisation, content) is
the database's own guard of 'once per content, ever', should two decisions race.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lims.domain.programme import Programme
from lims.domain.programme.support import (
    ApplicationRequest,
    ContentAlreadyReceived,
    best_policy,
    check_application,
    priority_sector_of,
)
from lims.domain.programme.vsic import PrioritySector
from lims.errors import N_, LimsError, NotFound
from lims.models import (
    ApplicationStatus,
    Enterprise,
    EnterpriseSector,
    ProgrammePrioritySector,
    SupportApplication,
    SupportGrant,
)
from lims.services.programme.records import CONTENT_SEPARATOR, record_map_support


class DecisionError(LimsError, ValueError):
    pass


class AlreadyDecided(DecisionError):
    template = N_("This application was already decided on %(day)s.")


class ReasonRequired(DecisionError):
    template = N_("A decision needs its reason.")


class DecisionBeforeApplication(DecisionError):
    template = N_("The decision date %(day)s is before the application date %(applied)s.")


def granted_contents(session: Session, programme: Programme, enterprise_id: int) -> set[str]:
    return set(
        session.scalars(
            select(SupportGrant.content_id).where(
                SupportGrant.programme_id == programme.id, SupportGrant.enterprise_id == enterprise_id
            )
        )
    )


def pending_contents(session: Session, programme: Programme, enterprise_id: int) -> set[str]:
    pending: set[str] = set()
    for contents in session.scalars(
        select(SupportApplication.contents).where(
            SupportApplication.programme_id == programme.id,
            SupportApplication.enterprise_id == enterprise_id,
            SupportApplication.status == ApplicationStatus.PENDING,
        )
    ):
        pending.update(str(c) for c in contents)
    return pending


class SectorNotConfirmed(LimsError, ValueError):
    template = N_(
        "The enterprise's sector has not been confirmed as “%(sector)s”: confirm its VSIC code with "
        "evidence first."
    )


def confirmed_code(session: Session, enterprise_id: int) -> str | None:
    return session.scalar(
        select(EnterpriseSector.vsic_code).where(EnterpriseSector.enterprise_id == enterprise_id)
    )


def with_city_sectors(session: Session, programme: Programme) -> Programme:
    """The programme with the priority sectors the Department added from the city's list (not withdrawn)
    after the plan file's own."""
    rows = session.scalars(
        select(ProgrammePrioritySector)
        .where(
            ProgrammePrioritySector.programme_id == programme.id,
            ProgrammePrioritySector.withdrawn_at.is_(None),
        )
        .order_by(ProgrammePrioritySector.id)
    ).all()
    if not rows:
        return programme
    added = tuple(PrioritySector(r.name_vi, tuple(str(c) for c in r.vsic_codes)) for r in rows)
    return replace(
        programme,
        priority_sectors=programme.priority_sectors + tuple(a.name_vi for a in added),
        priority_vsic=programme.priority_vsic + added,
    )


def priority_sector(session: Session, programme: Programme, enterprise_id: int) -> str | None:
    """The priority sector (the plan's or the city list's) the enterprise's confirmed code falls in."""
    return with_city_sectors(session, programme).priority_sector_of_code(
        confirmed_code(session, enterprise_id)
    )


def submit_application(
    session: Session,
    programme: Programme,
    enterprise_id: int,
    request: ApplicationRequest,
    *,
    applied_on: date,
) -> SupportApplication:
    """Check every rule, then save the application as pending; a refusal saves nothing.

    The application has priority when the enterprise's sector, confirmed by the lab as a VSIC code,
    falls in one of the programme's priority sectors; a sector named on the form must be that one.
    """
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound()
    # Priority comes from the sector the lab confirmed as a VSIC code, never from words typed (issue 20).
    programme = with_city_sectors(session, programme)
    sector = priority_sector(session, programme, enterprise_id)
    if request.priority_sector and priority_sector_of(programme, request.priority_sector) != sector:
        raise SectorNotConfirmed(sector=request.priority_sector)
    request = ApplicationRequest(request.contents, request.evidence, sector, request.costs_vnd)
    checked = check_application(
        programme,
        request,
        granted=granted_contents(session, programme, enterprise_id),
        pending=pending_contents(session, programme, enterprise_id),
    )
    application = SupportApplication(
        programme_id=programme.id,
        enterprise_id=enterprise_id,
        applied_on=applied_on,
        contents=list(checked.contents),
        evidence=checked.evidence,
        costs_vnd={k: int(v) for k, v in request.costs_vnd.items() if k in checked.contents},
        priority=checked.priority,
        priority_sector=checked.priority_sector,
        status=ApplicationStatus.PENDING,
    )
    session.add(application)
    session.flush()
    return application


def application_queue(session: Session, programme: Programme) -> list[SupportApplication]:
    """Pending applications in decision order: priority sectors first, then by date of application."""
    return list(
        session.scalars(
            select(SupportApplication)
            .where(
                SupportApplication.programme_id == programme.id,
                SupportApplication.status == ApplicationStatus.PENDING,
            )
            .order_by(
                SupportApplication.priority.desc(), SupportApplication.applied_on, SupportApplication.id
            )
        )
    )


def get_application(session: Session, programme: Programme, application_id: int) -> SupportApplication:
    application = session.get(SupportApplication, application_id)
    if application is None or application.programme_id != programme.id:
        raise NotFound()
    return application


@dataclass(frozen=True, slots=True)
class Decision:
    approve: bool
    reason: str
    decided_on: date
    decided_by_id: int | None = None


def decide_application(
    session: Session, programme: Programme, application_id: int, decision: Decision
) -> SupportApplication:
    """Approve (grant every content at its highest policy level) or reject, with a reason; audited."""
    application = get_application(session, programme, application_id)
    if application.status is not ApplicationStatus.PENDING:
        raise AlreadyDecided(day=application.decided_on or application.applied_on)
    reason = " ".join(unicodedata.normalize("NFC", decision.reason or "").split())
    if not reason:
        raise ReasonRequired()
    if decision.decided_on < application.applied_on:
        raise DecisionBeforeApplication(day=decision.decided_on, applied=application.applied_on)
    grants: list[SupportGrant] = []
    if decision.approve:
        held = granted_contents(session, programme, application.enterprise_id)
        for content_id in application.contents:
            if content_id in held:
                raise ContentAlreadyReceived(content=programme.content(content_id).title_vi)
            cost = application.costs_vnd.get(content_id)
            policy = best_policy(programme, content_id, cost_vnd=cost)
            grants.append(
                SupportGrant(
                    programme_id=programme.id,
                    application_id=application.id,
                    enterprise_id=application.enterprise_id,
                    content_id=content_id,
                    policy_id=policy.id,
                    share_percent=Decimal(str(policy.share_percent)),
                    cap_vnd=policy.cap_vnd,
                    amount_vnd=policy.amount_vnd(cost) if cost is not None else None,
                    granted_on=decision.decided_on,
                )
            )
    try:
        with session.begin_nested():
            application.status = (
                ApplicationStatus.APPROVED if decision.approve else ApplicationStatus.REJECTED
            )
            application.decided_on = decision.decided_on
            application.decision_reason = reason
            application.decided_by_id = decision.decided_by_id
            application.updated_at = datetime.now(UTC)
            session.add_all(grants)
            session.flush()
            if decision.approve:
                record_map_support(
                    session,
                    programme,
                    application.enterprise_id,
                    supported_on=decision.decided_on,
                    content=CONTENT_SEPARATOR.join(application.contents),
                    application_id=application.id,
                )
    except IntegrityError:
        session.expire(application)
        raise ContentAlreadyReceived(content=", ".join(application.contents)) from None
    return application


def decided_applications(
    session: Session, programme: Programme, *, limit: int = 100
) -> list[SupportApplication]:
    """The latest decisions, newest first."""
    return list(
        session.scalars(
            select(SupportApplication)
            .where(
                SupportApplication.programme_id == programme.id,
                SupportApplication.status != ApplicationStatus.PENDING,
            )
            .order_by(SupportApplication.decided_on.desc(), SupportApplication.id.desc())
            .limit(limit)
        )
    )


class UnknownEnterprise(DecisionError, LookupError):
    template = N_("No enterprise has the tax code %(code)s; register it first.")


def enterprise_by_tax_code(session: Session, tax_code: str) -> Enterprise:
    """The registered enterprise with this tax code (validated and normalised first)."""
    from lims.domain.taxcode import normalise_tax_code

    code = normalise_tax_code(tax_code)
    enterprise = session.scalar(select(Enterprise).where(Enterprise.tax_code == code))
    if enterprise is None:
        raise UnknownEnterprise(code=code)
    return enterprise
