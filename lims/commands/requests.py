"""``lims request``: customers' service requests, and the lab's decisions on them.

The decisions call the same services as the lab's web pages (``lims.services.customers.service_requests``,
``lims.services.customers.request_conversion``), on the authority of ``--user``: an active user whose role the
web page would let decide (accept, schedule, reject: administrator or reviewer; convert: administrator or
technician). The audit trail names that user.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.cli import fail
from lims.commands.common import local_date, local_datetime, transaction
from lims.models import RequestState, Role, ServiceRequest, User


@dataclass(frozen=True, slots=True)
class _Lab:
    """Whoever runs the command on the lab's server reads every enterprise's requests (as the lab does)."""

    role: Role = Role.ADMIN
    enterprise_id: int | None = None


LAB = _Lab()
DATE = click.DateTime(formats=["%Y-%m-%d"])
user_option = click.option(
    "--user", "username", required=True, help="The lab user taking the decision (named in the audit trail)."
)


@click.group()
def request() -> None:
    """Customers' service requests: list, show, and the lab's decisions."""


def _summary(r: ServiceRequest, names: dict[int, str]) -> dict[str, Any]:
    from lims.services.customers import service_requests as sr

    return {
        "number": sr.request_number(r),
        "state": r.state.value,
        "enterprise": r.enterprise.name,
        "tax_code": r.enterprise.tax_code,
        "kind": r.kind.value,
        "on_site": r.on_site,
        "instruments": len(r.items),
        "requested_by": names.get(r.requested_by_id, ""),
        "created_at": r.created_at.isoformat(timespec="seconds"),
        "preferred_on": r.preferred_on.isoformat() if r.preferred_on else None,
        "scheduled_on": r.scheduled_on.isoformat() if r.scheduled_on else None,
    }


@request.command("list")
@click.option(
    "--state", type=click.Choice([s.value for s in RequestState]), help="Only requests in this state."
)
@click.option("--enterprise", "tax_code", help="Only the requests of the enterprise with this tax code.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.option("--limit", type=click.IntRange(1, 100000), default=1000, show_default=True)
def list_(state: str | None, tax_code: str | None, as_json: bool, limit: int) -> None:
    """List requests, newest first."""
    from lims.domain.taxcode import normalise_tax_code
    from lims.models import Enterprise
    from lims.services.customers import service_requests as sr

    rows: list[dict[str, Any]] = []
    with transaction() as session:
        enterprise_id = None
        if tax_code is not None:
            code = normalise_tax_code(tax_code)
            enterprise_id = session.scalar(select(Enterprise.id).where(Enterprise.tax_code == code))
            if enterprise_id is None:
                fail(f"--enterprise {code}: no enterprise has this tax code")
        after = None
        while len(rows) < limit:
            page = sr.list_requests(
                session,
                LAB,
                states=(RequestState(state),) if state else (),
                enterprise_id=enterprise_id,
                after=after,
                size=min(200, limit - len(rows)),
            )
            names = sr.requester_names(session, page.items)
            rows += [_summary(r, names) for r in page.items]
            if page.next_after is None:
                break
            after = page.next_after
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    for r in rows:
        click.echo(
            f"{r['number']:<9} {r['state']:<10} {r['kind']:<12} {r['instruments']:>3} instr.  "
            f"{local_date(r['created_at'])}  {r['enterprise']} ({r['tax_code']})"
        )


@request.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
def show(number: str, as_json: bool) -> None:
    """Show request NUMBER (YC-00012): what was asked, the decisions, its items and their jobs."""
    from lims.services.customers import request_conversion
    from lims.services.customers import service_requests as sr

    with transaction() as session:
        found = sr.find_request(session, LAB, number)
        names = sr.requester_names(session, [found])
        jobs = request_conversion.jobs_of(session, found)
        data = _summary(found, names) | {
            "decision_rule": found.decision_rule,
            "conformity_statement": found.conformity_statement,
            "conformity_specification": found.conformity_specification,
            "notes": found.notes or "",
            "decided_by": names.get(found.decided_by_id) if found.decided_by_id else None,
            "rejection_reason": found.rejection_reason,
            "cancelled_by": names.get(found.cancelled_by_id) if found.cancelled_by_id else None,
            "cancellation_reason": found.cancellation_reason,
            "items": [
                {
                    "item": item.id,
                    "serial_number": item.instrument.serial_number,
                    "instrument": item.instrument.instrument_type,
                    "unit": item.instrument.unit,
                    "points": list(item.points),
                    "procedure": item.procedure.code if item.procedure else None,
                    "job": jobs[item.job_id].number if item.job_id in jobs else None,
                }
                for item in found.items
            ],
            "history": [
                {"at": _iso(c.at), "state": c.state.value, "by": c.actor}
                for c in sr.history(session, LAB, found.id)
            ],
        }
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"{data['number']}  {data['state']}  {data['enterprise']} ({data['tax_code']})")
    for key in (
        "kind",
        "on_site",
        "requested_by",
        "created_at",
        "preferred_on",
        "scheduled_on",
        "decision_rule",
    ):
        value = data[key]
        if key == "created_at":
            value = local_datetime(value)
        elif key in ("preferred_on", "scheduled_on") and value:
            value = local_date(value)
        click.echo(f"  {key}: {value}")
    for key in ("notes", "decided_by", "rejection_reason", "cancelled_by", "cancellation_reason"):
        if data[key]:
            click.echo(f"  {key}: {data[key]}")
    for item in data["items"]:
        points = "; ".join(f"{p:g}" for p in item["points"])
        click.echo(
            f"  - {item['serial_number']} {item['instrument']} [{points} {item['unit']}]"
            f" {item['procedure'] or ''} {item['job'] or ''}".rstrip()
        )
    for change in data["history"]:
        click.echo(f"  {local_datetime(change['at'])}  {change['state']}  {change['by']}")


def _iso(at: datetime) -> str:
    return at.isoformat(timespec="seconds")


def _acting_user(session: Session, username: str, roles: Collection[Role], action: str) -> User:
    """The active user ``username``, allowed to take this decision; the audit trail will name them."""
    from lims.services.records.audit import Actor, set_actor

    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active:
        fail(f"--user {username}: no such active user")
    assert user is not None
    if user.role not in roles:
        allowed = " or ".join(sorted(str(r) for r in roles))
        fail(f"--user {username}: a {user.role} may not {action} requests (only {allowed})")
    set_actor(session, Actor(user.id, f"{user.username} (cli)"))
    return user


def _request_id(session: Session, number: str) -> int:
    from lims.services.customers import service_requests as sr

    return sr.find_request(session, LAB, number).id


@request.command("accept")
@click.argument("number")
@user_option
def accept(number: str, username: str) -> None:
    """Accept request NUMBER (review of the request, ISO/IEC 17025:2017 7.1.1); the customer is told."""
    from lims.services.customers import service_requests as sr

    with transaction() as session:
        user = _acting_user(session, username, sr.REVIEWER_ROLES, "accept")
        done = sr.accept_request(session, _request_id(session, number), user=user)
        line = f"{sr.request_number(done)}: {done.state.value}"
    click.echo(line)


@request.command("schedule")
@click.argument("number")
@click.option("--on", "scheduled_on", type=DATE, required=True, help="Date of the work (YYYY-MM-DD).")
@user_option
def schedule(number: str, scheduled_on: datetime, username: str) -> None:
    """Schedule (or move) request NUMBER, accepting it if it was not yet; the customer is told."""
    from lims.services.customers import service_requests as sr

    with transaction() as session:
        user = _acting_user(session, username, sr.REVIEWER_ROLES, "schedule")
        done = sr.schedule_request(
            session, _request_id(session, number), scheduled_on.date(), user=user, today=date.today()
        )
        line = f"{sr.request_number(done)}: {done.state.value} for {local_date(scheduled_on.date())}"
    click.echo(line)


@request.command("reject")
@click.argument("number")
@click.option("--reason", required=True, help="Why: the customer reads it.")
@user_option
def reject(number: str, reason: str, username: str) -> None:
    """Reject request NUMBER with a reason the customer reads."""
    from lims.services.customers import service_requests as sr

    with transaction() as session:
        user = _acting_user(session, username, sr.REVIEWER_ROLES, "reject")
        done = sr.reject_request(session, _request_id(session, number), reason, user=user)
        line = f"{sr.request_number(done)}: {done.state.value}"
    click.echo(line)


def _procedures(session: Session, found: ServiceRequest, wanted: Sequence[str]) -> dict[int, int]:
    """Item id -> procedure id from ``CODE`` (every item) or ``SERIAL=CODE`` (one item) choices.

    An item left without a choice gets the only usable procedure when there is exactly one, as the web page
    pre-selects it; otherwise the conversion is refused naming the instrument.
    """
    from lims.services.customers import capability_review
    from lims.services.customers import service_requests as sr
    from lims.services.jobs.procedures import latest_procedure

    serials = {item.instrument.serial_number: item.id for item in found.items}
    everyone: int | None = None
    chosen: dict[int, int] = {}
    for text in wanted:
        serial, _, code = text.rpartition("=")
        procedure_id = latest_procedure(session, code.strip()).id
        if not serial:
            everyone = procedure_id
        elif serial.strip() in serials:
            chosen[serials[serial.strip()]] = procedure_id
        else:
            fail(f"--procedure {text}: request {sr.request_number(found)} has no instrument {serial.strip()}")
    usable = capability_review.procedures_for(session, found)
    for item in found.items:
        if item.id in chosen:
            continue
        if everyone is not None:
            chosen[item.id] = everyone
        elif len(usable.get(item.id, [])) == 1:
            chosen[item.id] = usable[item.id][0].id
    return chosen


@request.command("convert")
@click.argument("number")
@click.option(
    "--procedure",
    "procedures",
    multiple=True,
    metavar="[SERIAL=]CODE",
    help="Procedure code for every instrument, or for the instrument of that serial number (repeatable). "
    "Without one, an instrument gets the only procedure that fits it.",
)
@click.option(
    "--due", "due_on", type=DATE, help="Expected date (default: scheduled date or today + 10 days)."
)
@user_option
def convert(number: str, procedures: tuple[str, ...], due_on: datetime | None, username: str) -> None:
    """Convert request NUMBER into jobs, one per instrument; all or none."""
    from lims.services.customers import request_conversion
    from lims.services.customers import service_requests as sr

    with transaction() as session:
        user = _acting_user(session, username, sr.CONVERTER_ROLES, "convert")
        found = sr.find_request(session, LAB, number)
        created = request_conversion.convert_request(
            session,
            found.id,
            request_conversion.Conversion(
                _procedures(session, found, procedures), due_on=due_on.date() if due_on else None
            ),
            user=user,
            today=date.today(),
        )
        line = f"{sr.request_number(found)}: converted into jobs {', '.join(j.number for j in created)}"
    click.echo(line)
