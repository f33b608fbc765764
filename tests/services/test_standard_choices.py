"""The bench offers, per role, only standards of the right kind, in service, calibrated and covering the points."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from lims.domain import standard_choice as sc
from lims.domain.unit_conversion import convert_value
from lims.models import BenchStation, Quantity, StandardStatus
from lims.services.bench.stations import StationUnfit, request_capture, stations_for
from lims.services.jobs import jobs, standard_choices
from lims.services.jobs import points as job_points
from tests.factories import make_calibration, make_standard
from tests.services import jobsetup

ON = jobsetup.ON


def _thermometer(session: Session, lab_id: int, **over: object) -> object:
    std = make_standard(session, lab_id=lab_id, quantity=Quantity.TEMPERATURE, unit="°C",
                        drift_limit=Decimal("0.01"), characteristics={"self_heating": 0.001}, **over)
    make_calibration(session, std, points=[
        {"value": -50, "unit": "°C", "expanded_uncertainty": 0.02, "k": 2},
        {"value": 200, "unit": "°C", "expanded_uncertainty": 0.02, "k": 2}])
    return std


def test_each_role_lists_only_suitable_standards(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-TH-BATH")
    points = job_points.test_points(job)
    prt, bath = setup.standards["CAL-TH-BATH"]["reference"], setup.standards["CAL-TH-BATH"]["bath"]
    overdue = _thermometer(session, setup.lab.id, due_on=ON - timedelta(days=1), status=StandardStatus.OVERDUE)
    quarantined = _thermometer(session, setup.lab.id, status=StandardStatus.QUARANTINED)
    # a thermometer whose range stops below the job's highest point
    short = _thermometer(session, setup.lab.id, range_min=Decimal(-50), range_max=Decimal(max(points) - 1))
    # a mass standard is never offered for a temperature procedure
    weights = setup.standards["VER-NAWI-R76"]["weights"]

    offered = {role: {s.id for s in stds} for role, stds in standard_choices.choices(session, job, on=ON).items()}
    assert set(offered) == {"reference", "readout", "bath"}  # the SPRT's readout is a standard of its own
    assert prt.id in offered["reference"]
    assert offered["bath"] == {bath.id}  # the only one with a stability and a uniformity
    for refused in (overdue, quarantined, short, weights):
        assert refused.id not in offered["reference"] | offered["bath"]

    jobsetup.start(session, setup, job)
    with pytest.raises(standard_choices.StandardUnsuitable, match="stability, uniformity") as lacks:
        jobs.add_standard(session, job.id, prt.id, "bath", on=ON, expected_version=None)
    assert lacks.value.lacking == ("stability", "uniformity")  # named by the page in the user's language
    with pytest.raises(standard_choices.StandardUnsuitable, match="not every test point"):
        jobs.add_standard(session, job.id, short.id, "reference", on=ON, expected_version=None)
    with pytest.raises(standard_choices.StandardUnsuitable, match="not in service"):
        jobs.add_standard(session, job.id, quarantined.id, "reference", on=ON, expected_version=None)


def test_range_is_compared_in_the_standards_unit() -> None:
    """Weights certified 1 g to 20 kg cover a balance's 30 kg point only up to 20 kg (pint converts kg → g:
    20 kg = 20 000 g is inside, 30 kg = 30 000 g is not)."""
    weights = sc.Candidate("CDL-KL-002", "mass", "g", True, date(2027, 1, 1), 1.0, 20000.0, frozenset(), True)
    needs = sc.RoleNeeds("weights", True)

    def check(points: list[float]) -> sc.Unsuitable | None:
        return sc.why_not(weights, needs, quantity="mass", on=date(2026, 12, 6), points=points, unit="kg",
                          convert=convert_value)

    assert check([0.5, 10.0, 20.0]) is None
    refused = check([0.5, 30.0])
    assert refused is not None and refused.params == {"asset": "CDL-KL-002", "low": "1", "high": "20000",
                                                      "unit": "g"}


def test_stations_are_offered_only_when_their_driver_fits(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.new_job(session, setup, "CAL-TH-BATH")
    dmm = BenchStation(name="dmm-1", driver="scpi-dmm", port_url="loop://", is_active=True)
    thermo = BenchStation(name="nhiet-1", driver="fluke-1529", port_url="loop://", is_active=True)
    custom = BenchStation(name="line-1", driver="line:/etc/lims/custom.toml", port_url="loop://", is_active=True,
                          unit="K")
    session.add_all([dmm, thermo, custom])
    session.flush()
    assert [s.name for s in stations_for(session, job)] == ["line-1", "nhiet-1"]
    jobsetup.start(session, setup, job)
    with pytest.raises(StationUnfit, match="dmm-1"):
        request_capture(session, job.id, 0, dmm.id, user=setup.technician)
