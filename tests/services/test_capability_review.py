"""Capability review at request time: procedure, CMC row and authorised person per item (issue 19, item 4)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from lims.models import CmcEntry, JobKind, RequestState, Role
from lims.services.customers import capability_review
from lims.services.customers import service_requests as sr
from lims.services.customers.request_conversion import Conversion, convert_request
from lims.services.jobs import points as job_points
from lims.services.jobs.procedures import latest_procedure, sync_procedures
from tests.factories import authorise_all_procedures, make_enterprise, make_instrument, make_lab, make_user

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _balance(session: Session, ent: object) -> object:
    return make_instrument(
        session,
        ent,
        instrument_type="Cân phân tích",
        unit="g",
        range_min=Decimal(0),
        range_max=Decimal(30000),
        resolution=Decimal(5),
        accuracy_class="III",
    )


def _request(
    session: Session, kind: JobKind, *items: tuple[object, tuple[float, ...]]
) -> tuple[object, object]:
    ent = items[0][0].enterprise  # type: ignore[attr-defined]
    customer = make_user(session, Role.CUSTOMER, enterprise_id=ent.id)
    data = sr.RequestInput(kind, [sr.RequestItemInput(inst.id, pts) for inst, pts in items])  # type: ignore[attr-defined]
    return sr.submit_request(session, customer, data, today=TODAY), customer


@pytest.fixture
def lab(session: Session) -> object:
    sync_procedures(session)
    lab = make_lab(session)
    # the scope: mass 0 to 20 kg (the balance's 25 kg point is outside it)
    session.add(
        CmcEntry(
            lab_id=lab.id,
            quantity="mass",
            unit="kg",
            range_min=Decimal(0),
            range_max=Decimal(20),
            fixed_uncertainty=Decimal("0.0005"),
        )
    )
    session.flush()
    return lab


def test_an_item_no_procedure_covers_is_refused_at_review_naming_it(session: Session, lab: object) -> None:
    """A balance is taken by the balance calibration (CAL-NAWI-CG18, in g); a force gauge (N) by no procedure
    (an ammeter in A is now taken by CAL-DMM-DCI, tests/services/test_dmm_function_jobs.py)."""
    authorise_all_procedures(session)
    ent = make_enterprise(session)
    balance = _balance(session, ent)
    ammeter = make_instrument(session, ent, unit="N", range_max=Decimal(10), resolution=Decimal("0.001"))
    gauge = make_instrument(session, ent, unit="bar", range_max=Decimal(16), resolution=Decimal("0.1"))
    req, _ = _request(
        session, JobKind.CALIBRATION, (ammeter, (5.0,)), (balance, (500.0,)), (gauge, (4.0, 8.0))
    )
    reviews = capability_review.review_request(session, req, on=TODAY)  # type: ignore[arg-type]
    by_instrument = {item.instrument_id: reviews[item.id] for item in req.items}  # type: ignore[attr-defined]
    assert not by_instrument[ammeter.id].can_take  # type: ignore[attr-defined]
    assert by_instrument[ammeter.id].problems[0].msgid.startswith("No procedure of the lab covers")  # type: ignore[attr-defined]
    assert by_instrument[balance.id].authorised_codes == ("CAL-NAWI-CG18",)  # type: ignore[attr-defined]
    assert by_instrument[gauge.id].can_take and by_instrument[gauge.id].authorised_codes == ("CAL-PG-DKD",)  # type: ignore[attr-defined]
    admin = make_user(session, Role.ADMIN)
    with pytest.raises(capability_review.CannotTake, match=f"covers {ammeter.serial_number}"):  # type: ignore[attr-defined]
        sr.accept_request(session, req.id, user=admin, now=NOW)  # type: ignore[attr-defined]
    with pytest.raises(capability_review.CannotTake):  # scheduling accepts, so it is refused the same way
        sr.schedule_request(session, req.id, date(2026, 3, 9), user=admin, today=TODAY)  # type: ignore[attr-defined]
    assert req.state == RequestState.SUBMITTED  # type: ignore[attr-defined]


def test_grams_are_converted_to_the_procedures_kilograms_not_refused(session: Session, lab: object) -> None:
    authorise_all_procedures(session)
    ent = make_enterprise(session)
    balance = _balance(session, ent)
    req, _ = _request(session, JobKind.VERIFICATION, (balance, (500.0, 10000.0, 25000.0)))
    review = next(iter(capability_review.review_request(session, req, on=TODAY).values()))  # type: ignore[arg-type]
    assert review.can_take and [p.code for p in review.procedures] == ["VER-NAWI-R76"]
    # 25 000 g = 25 kg is beyond the 20 kg CMC row: a warning, not a refusal; 500 g and 10 000 g are inside
    assert review.points_outside_cmc == (25000.0,)
    admin = make_user(session, Role.ADMIN)
    sr.accept_request(session, req.id, user=admin, now=NOW)  # type: ignore[attr-defined]
    item = req.items[0]  # type: ignore[attr-defined]
    procedure = latest_procedure(session, "VER-NAWI-R76")
    (job,) = convert_request(session, req.id, Conversion({item.id: procedure.id}), user=admin, today=TODAY)  # type: ignore[attr-defined]
    # the customer's points in g become the procedure's kg: 500 g = 0.5 kg, 10 000 g = 10 kg, 25 000 g = 25 kg
    assert job.requirements["points"] == [0.5, 10.0, 25.0]
    # and the instrument is measured in kg: 0 to 30 000 g is 0 to 30 kg, d = 5 g = 0.005 kg
    under_test = job_points.instrument_under_test(job)
    assert (under_test.unit, under_test.range_max, under_test.resolution) == ("kg", 30.0, 0.005)


def test_nobody_authorised_means_the_item_cannot_be_taken(session: Session, lab: object) -> None:
    ent = make_enterprise(session)
    gauge = make_instrument(session, ent, unit="bar", range_max=Decimal(16), resolution=Decimal("0.1"))
    req, _ = _request(session, JobKind.CALIBRATION, (gauge, (4.0,)))
    review = next(iter(capability_review.review_request(session, req, on=TODAY).values()))  # type: ignore[arg-type]
    assert [f.msgid for f in review.problems] == [
        "Nobody is authorised today to perform %(codes)s for %(serial)s."
    ]
    assert review.problems[0].params["codes"] == "CAL-PG-DKD"
    with pytest.raises(capability_review.CannotTake, match="Nobody is authorised"):
        sr.accept_request(session, req.id, user=make_user(session, Role.ADMIN), now=NOW)  # type: ignore[attr-defined]
