"""Portal due dates (issue 19, item 6): set at issue, open jobs kept out of new requests, timelines in order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.orm import Session

from lims.models import JobKind, JobState, Role
from lims.services.customers import portal_jobs
from lims.services.customers import service_requests as sr
from lims.services.customers.request_errors import RequestError
from tests.factories import make_enterprise, make_instrument, make_job, make_user
from tests.services import certsetup, jobsetup


def _issue(session: Session, setup: Any, job: Any, **kw: Any) -> Any:
    return certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT, **kw)


def test_issuing_sets_the_next_due_date_from_the_customers_interval(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV", recalibration_months=12)
    job.instrument.next_due_on = None
    _issue(session, setup, job)
    # measured 2025-06-02 (certsetup), 12 months chosen: next due 2026-06-02 (as the certificate prints)
    assert (job.instrument.last_calibrated_on, job.instrument.next_due_on) == (
        date(2025, 6, 2),
        date(2026, 6, 2),
    )


def test_a_verification_is_due_again_when_its_validity_ends(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "VER-NAWI-R76")
    cert = _issue(session, setup, job, stamp_number="HN-25-000124")
    assert job.instrument.next_due_on == cert.valid_until == date(2026, 6, 1)


def test_without_an_interval_the_customers_own_due_date_stays(session: Session) -> None:
    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    job.instrument.next_due_on = date(2026, 1, 15)
    _issue(session, setup, job)
    assert job.instrument.next_due_on == date(2026, 1, 15)
    assert job.instrument.last_calibrated_on == date(2025, 6, 2)


def test_an_instrument_with_an_open_job_cannot_be_requested_again(session: Session) -> None:
    ent = make_enterprise(session)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=ent.id)
    busy = make_instrument(session, ent, unit="bar", range_max=Decimal(16), serial_number="AK-BUSY")
    make_instrument(session, ent, unit="bar", range_max=Decimal(16), serial_number="AK-FREE")
    done = make_instrument(session, ent, unit="bar", range_max=Decimal(16), serial_number="AK-DONE")
    make_job(session, enterprise=ent, instrument=busy, state=JobState.IN_PROGRESS)
    make_job(session, enterprise=ent, instrument=done, state=JobState.ISSUED)
    listed = {i.serial_number for i in sr.requestable_instruments(session, customer)}
    assert "AK-BUSY" not in listed and {"AK-FREE", "AK-DONE"} <= listed
    with pytest.raises(RequestError, match="AK-BUSY already has an open job"):
        sr.submit_request(
            session,
            customer,
            sr.RequestInput(JobKind.CALIBRATION, [sr.RequestItemInput(busy.id)]),
            today=date(2026, 3, 2),
        )


def test_the_timeline_is_in_the_order_things_happened(session: Session) -> None:
    """A job written after its work began (demo data, an import) is still registered first."""
    ent = make_enterprise(session)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=ent.id)
    tech = make_user(session, Role.TECHNICIAN)
    job = make_job(
        session,
        enterprise=ent,
        state=JobState.IN_PROGRESS,
        created_at=datetime(2026, 12, 6, 7, 0, tzinfo=UTC),
    )
    first = datetime(2026, 11, 20, 8, 30, tzinfo=UTC)
    jobsetup.add_transition(session, job, JobState.REQUESTED, JobState.RECEIVED, tech, at=first)
    jobsetup.add_transition(
        session, job, JobState.RECEIVED, JobState.IN_PROGRESS, tech, at=first + timedelta(hours=2)
    )
    session.flush()
    steps = portal_jobs.history(session, customer, job.id)
    assert [s.at for s in steps] == sorted(s.at for s in steps)
    assert steps[0].at == first and steps[0].status == "registered, waiting for the instrument"
