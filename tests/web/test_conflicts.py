"""Finding 4 of the outside probe (issue 21): two requests changing the same record at once.

The probe's threads (four simultaneous transitions of one job; two requests creating the same record) made
the later request fail inside the database: the optimistic lock's ``StaleDataError`` or a unique violation,
both unhandled 500s. Here the concurrent request is reproduced deterministically: just before the request's
own flush, a statement on the same transaction does what the other request committed in the meantime.
Every route and the API now answer the localised 409 conflict message, and nothing of the request is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event, insert, inspect, select, update
from sqlalchemy.orm import Session

from lims.models import CustomerInstrument, Job, JobState, Role
from tests.factories import make_enterprise, make_user
from tests.services import jobsetup
from tests.web.api.conftest import bearer, token_for
from tests.webutil import csrf_token, login

CONFLICT_VI = "Người khác đã thay đổi bản ghi này"


@contextmanager
def concurrent_change(change: Callable[[Session], None]) -> Iterator[list[bool]]:
    """Run ``change`` once, at the start of the next flush of any session: what another request committed
    between this request's read and its write."""
    fired: list[bool] = []

    def before_flush(session: Session, _context: Any, _instances: Any) -> None:
        if not fired and (session.dirty or session.new):
            fired.append(True)
            change(session)

    event.listen(Session, "before_flush", before_flush)
    try:
        yield fired
    finally:
        event.remove(Session, "before_flush", before_flush)


def test_a_transition_racing_another_is_a_409_with_the_conflict_message(
    client: FlaskClient, session: Session
) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-DMM-DCV")
    session.commit()
    login(client, setup.technician.username)
    page = f"/jobs/{job.id}"
    token = csrf_token(client, page)
    version = job.version

    def other_request_moved_it(db: Session) -> None:
        db.connection().execute(update(Job).where(Job.id == job.id).values(version=Job.version + 1))

    with concurrent_change(other_request_moved_it) as fired:
        response = client.post(
            f"/jobs/{job.id}/transition",
            data={"csrf_token": token, "to": "on_hold", "version": str(version), "comment": "Chờ linh kiện"},
        )
    assert fired, "the transition never reached the database"
    assert response.status_code == 409
    assert CONFLICT_VI in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Job, job.id).state == JobState.IN_PROGRESS  # nothing of the request was kept


def test_the_api_answers_a_unique_violation_with_its_409_conflict_object(
    client: FlaskClient, session: Session
) -> None:
    enterprise = make_enterprise(session)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id)
    token = token_for(session, customer, "read", "write")
    body = {"instrument_type": "Nhiệt kế", "serial_number": "RACE-1", "unit": "°C"}

    def other_request_created_it(db: Session) -> None:
        for obj in list(db.new):
            if isinstance(obj, CustomerInstrument):
                columns = {
                    attr.key: getattr(obj, attr.key)
                    for attr in inspect(CustomerInstrument).column_attrs
                    if attr.key != "id" and getattr(obj, attr.key) is not None
                }
                db.connection().execute(insert(CustomerInstrument).values(**columns))

    with concurrent_change(other_request_created_it) as fired:
        response = client.post("/api/v1/instruments", json=body, headers=bearer(token))
    assert fired
    assert response.status_code == 409, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "conflict"
    count = session.scalars(
        select(CustomerInstrument.id).where(CustomerInstrument.serial_number == "RACE-1")
    ).all()
    assert len(count) <= 1  # the API's own insert was rolled back


def test_a_unique_violation_on_a_web_form_is_a_409_page(client: FlaskClient, session: Session) -> None:
    """The portal's instrument form, racing another request that registered the same serial number."""
    enterprise = make_enterprise(session)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id)
    session.commit()
    login(client, customer.username)
    url = "/portal/instruments/new"
    token = csrf_token(client, url)

    def other_request_created_it(db: Session) -> None:
        for obj in list(db.new):
            if isinstance(obj, CustomerInstrument):
                columns = {
                    attr.key: getattr(obj, attr.key)
                    for attr in inspect(CustomerInstrument).column_attrs
                    if attr.key != "id" and getattr(obj, attr.key) is not None
                }
                db.connection().execute(insert(CustomerInstrument).values(**columns))

    with concurrent_change(other_request_created_it) as fired:
        response = client.post(
            url,
            data={"csrf_token": token, "instrument_type": "Cân", "serial_number": "RACE-2", "unit": "g"},
        )
    assert fired
    assert response.status_code == 409
    assert CONFLICT_VI in response.get_data(as_text=True)
