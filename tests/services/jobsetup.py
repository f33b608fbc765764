"""A lab with one instrument, standards and authorised staff per shipped procedure (for the job tests)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lims.domain.authorisation import AuthorisedRole
from lims.models import (
    CustomerInstrument,
    ElectronicSignature,
    Job,
    JobState,
    JobTransition,
    Lab,
    Measurement,
    Quantity,
    Role,
    User,
)
from lims.services.access import authorisations
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.certificates import signatures
from lims.services.jobs import jobs
from lims.services.jobs.procedures import latest_procedure, sync_procedures
from tests.factories import (
    PASSWORD,
    make_calibration,
    make_enterprise,
    make_instrument,
    make_lab,
    make_standard,
    make_user,
)

ON = date(2025, 6, 2)
CODES = ("VER-NAWI-R76", "CAL-PG-DKD", "CAL-TH-BATH", "CAL-DMM-DCV")
# The lab's designation as a verification body and the officers' cards (issue 17), valid around ON.
AUTHORITY = "Tổng cục TĐC"
DESIGNATED = (date(2024, 3, 1), date(2029, 2, 28))
CARDS = (date(2024, 1, 1), date(2028, 12, 31))
STAMPS = ("HN-25", 100, 199)  # stamps HN-25-000100 … HN-25-000199 in stock from 2025-05-01
# A class III scale (Max from the instrument record, 30 kg): e = d = 5 g, Min = 20 e = 100 g. VER-NAWI-R76 2.0
# weighs it at Min, 500 e, 2 000 e, ½ Max and Max (OIML R 76-1 A.4.4.1): 0.1, 2.5, 10, 15 and 30 kg.
SCALE_CHARACTERISTICS = {"e": "0,005 kg", "min": "0,1 kg"}
#: The change-point weights (kg) added to every indication of a generic scale job, in steps of 0.1 e = 0.5 g:
#: an indication I = L with ΔL = 2.5 g gives E_c = I + ½e − ΔL − E_0 − L = 0 (R 76-1 A.4.4.3, E_0 = 0 below).
CHANGE_POINT_KG = "0.0025"
#: The annex A tests of that scale, all passed (kind, load kg, indications kg, change-point weights kg):
#: zero I_0 = 0, ΔL_0 = 2.5 g → E_0 = 0 ≤ ¼ e (A.4.2.3); repeatability at ½ Max, six weighings P = 15 kg + 2.5 g −
#: ΔL: spread 0.5 g ≤ MPE(15 kg = 3 000 e) = 1.5 e = 7.5 g (3.6.1, A.4.10), s = 0.20412 g (ν = 5); eccentricity at
#: ⅓ Max (10 kg = 2 000 e, MPE 5 g), worst |E_c| = 1.5 g (A.4.7); discrimination: 1.4 d added at ½ Max moves the
#: indication by d (A.4.8). Every load then has u_c = √(s² + 2·(0.25 g)²/3 + (0.04 g)² + (0.05 g)²/3) = 0.29286 g,
#: ν_eff = 21, k = 2.13, U = 0.62 g ≤ MPE/3 even at Min (MPE 0.5 e = 2.5 g): a simple-acceptance statement is earned.
SCALE_TESTS = (
    ("zero", "0", ["0"], [CHANGE_POINT_KG]),
    ("repeatability", "15", ["15"] * 6, [CHANGE_POINT_KG] * 5 + ["0.002"]),
    ("eccentricity", "10", ["10"] * 5, [CHANGE_POINT_KG, "0.001", "0.004", CHANGE_POINT_KG, CHANGE_POINT_KG]),
    ("discrimination", "15", ["15", "15.005"], []),
)


def legal_records(session: Session, lab: Lab, officers: list[User], actor: User) -> None:
    """Designation for the scale type, officer cards for ``officers`` and one stamp batch."""
    from lims.services.access import legal
    from lims.services.certificates import stamps

    legal.record_designation(
        session,
        legal.DesignationInput(lab.id, "125/QĐ-TĐC", DESIGNATED[0], AUTHORITY, ("can-ban",), DESIGNATED[1]),
        actor=actor,
    )
    for n, user in enumerate(officers, start=1):
        legal.add_card(
            session, legal.CardInput(user.id, f"KĐV-{n:04d}", AUTHORITY, ("can-ban",), *CARDS), actor=actor
        )
    stamps.receive_batch(
        session,
        stamps.BatchInput(lab.id, STAMPS[0], STAMPS[1], STAMPS[2], date(2025, 5, 1), "BB-17/TĐC"),
        actor=actor,
    )


@dataclass
class Lab4:
    lab: Lab
    technician: User
    reviewer: User
    signatory: User
    instruments: dict[str, CustomerInstrument]
    standards: dict[str, dict[str, Any]]  # code -> role -> standard


def _cert(session: Session, std: Any, unit: str, low: float, high: float, expanded: float) -> None:
    make_calibration(
        session,
        std,
        points=[
            {"value": low, "unit": unit, "expanded_uncertainty": expanded, "k": 2},
            {"value": high, "unit": unit, "expanded_uncertainty": expanded, "k": 2},
        ],
    )


def build(session: Session, *, authorise: bool = True) -> Lab4:
    sync_procedures(session)
    lab = make_lab(session)
    ent = make_enterprise(session)
    tech = make_user(session, Role.TECHNICIAN)
    rev = make_user(session, Role.REVIEWER)
    sig = make_user(session, Role.SIGNATORY)
    if authorise:
        for code in CODES:
            for user, role in (
                (tech, AuthorisedRole.PERFORM),
                (rev, AuthorisedRole.REVIEW),
                (sig, AuthorisedRole.SIGN),
            ):
                authorisations.grant(
                    session,
                    authorisations.Grant(
                        user.id, code, role, date(2025, 1, 1), "training record TR-1; 5 supervised jobs"
                    ),
                )
        legal_records(session, lab, [tech, sig], sig)
    inst = {
        "VER-NAWI-R76": make_instrument(
            session, ent, unit="kg", range_max=Decimal(30), resolution=Decimal("0.005"), accuracy_class="III"
        ),
        "CAL-PG-DKD": make_instrument(
            session, ent, unit="bar", range_max=Decimal(16), resolution=Decimal("0.1"), accuracy_class="1.6"
        ),
        "CAL-TH-BATH": make_instrument(
            session, ent, unit="°C", range_min=Decimal(-50), range_max=Decimal(200), resolution=Decimal("0.1")
        ),
        # the 20 V DC range, both polarities (CAL-DMM-DCV 2.0, EURAMET cg-15: 0, ±… % of full scale)
        "CAL-DMM-DCV": make_instrument(
            session, ent, unit="V", range_min=Decimal(-20), range_max=Decimal(20), resolution=Decimal("0.001")
        ),
    }
    # Weights certified in grams: the bench converts to the procedure's kilograms.
    weights = make_standard(session, lab_id=lab.id, unit="g", drift_limit=Decimal("0.05"))
    _cert(session, weights, "g", 100, 30000, 0.08)
    gauge = make_standard(
        session, lab_id=lab.id, quantity=Quantity.PRESSURE, unit="bar", drift_limit=Decimal("0.0008")
    )
    _cert(session, gauge, "bar", 0, 16, 0.0016)
    prt = make_standard(
        session,
        lab_id=lab.id,
        quantity=Quantity.TEMPERATURE,
        unit="°C",
        drift_limit=Decimal("0.010"),
        characteristics={"self_heating": 0.001},
    )
    _cert(session, prt, "°C", -50, 200, 0.020)
    bath = make_standard(
        session,
        lab_id=lab.id,
        quantity=Quantity.TEMPERATURE,
        unit="°C",
        range_min=Decimal(-50),
        range_max=Decimal(200),
        characteristics={"stability": 0.005, "uniformity": 0.010},
    )
    _cert(session, bath, "°C", -50, 200, 0.05)
    readout = make_standard(
        session,
        lab_id=lab.id,
        quantity=Quantity.TEMPERATURE,
        unit="°C",
        characteristics={"readout": True, "readout_equivalent": 0.001},
    )
    _cert(session, readout, "Ω", 1, 400, 0.0006)
    calibrator = make_standard(
        session,
        lab_id=lab.id,
        quantity=Quantity.ELECTRICAL,
        unit="V",
        drift_limit=Decimal("0.00003"),
        characteristics={"stability_relative_per_year": 0.000005, "stability_floor_per_year": 0.000001},
    )
    _cert(session, calibrator, "V", -20, 20, 0.00004)
    standards = {
        "VER-NAWI-R76": {"weights": weights},
        "CAL-PG-DKD": {"reference": gauge},
        "CAL-TH-BATH": {"reference": prt, "readout": readout, "bath": bath},
        "CAL-DMM-DCV": {"calibrator": calibrator},
    }
    return Lab4(lab, tech, rev, sig, inst, standards)


def new_job(session: Session, setup: Lab4, code: str, **requirements: Any) -> Any:
    proc = latest_procedure(session, code)
    if code == "VER-NAWI-R76":
        requirements.setdefault("legal_characteristics", SCALE_CHARACTERISTICS)
    return jobs.create_job(
        session,
        jobs.JobRequest(
            setup.lab.id, setup.instruments[code].id, proc.id, requested_on=ON, requirements=requirements
        ),
    )


def start(session: Session, setup: Lab4, job: Any) -> Any:
    now = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
    jobs.record_intake(
        session, job.id, jobs.Intake("no visible damage", "carrying case"), expected_version=job.version
    )
    move(session, job, "received", setup.technician, now=now)
    move(session, job, "in_progress", setup.technician, now=now)
    for role, std in setup.standards[code_of(session, job)].items():
        jobs.add_standard(session, job.id, std.id, role, on=ON, expected_version=job.version)
    return job


def started_job(session: Session, setup: Lab4, code: str, **requirements: Any) -> Any:
    """A new job of ``code`` (:func:`new_job`), received and in progress with its standards (:func:`start`)."""
    return start(session, setup, new_job(session, setup, code, **requirements))


def move(session: Session, job: Job, state: str, user: User, *, now: datetime) -> None:
    """``user`` moves ``job`` to ``state`` with no comment, at the version the test holds."""
    jobs.transition_job(
        session, job.id, state, user=user, comment=None, expected_version=job.version, now=now
    )


def add_transition(
    session: Session,
    job: Job,
    from_state: JobState,
    to_state: JobState,
    actor: User,
    *,
    at: datetime,
    comment: str | None = None,
) -> JobTransition:
    """A step written straight into ``job``'s history in ``actor``'s role (a history the dashboard and portal
    tests stage, with dates the workflow itself would not give); the job's state is left as it is."""
    row = JobTransition(
        job_id=job.id,
        from_state=from_state,
        to_state=to_state,
        actor_id=actor.id,
        role=actor.role.value,
        comment=comment,
        at=at,
    )
    session.add(row)
    return row


def measure_and_review(session: Session, setup: Lab4, job: Job, *, now: datetime) -> None:
    """The technician marks ``job`` measured, then the reviewer reviews it."""
    move(session, job, "measured", setup.technician, now=now)
    move(session, job, "reviewed", setup.reviewer, now=now)


def sign(
    session: Session, job: Job, user: User, *, meaning: str, now: datetime, password: str = PASSWORD
) -> ElectronicSignature:
    """``user`` signs ``job``'s results (the job's approval), at the version the test holds."""
    return signatures.sign_job(
        session,
        job.id,
        user=user,
        password=password,
        meaning=meaning,
        expected_version=job.version,
        now=now,
    )


def save_point(
    session: Session, job: Job, point: PointInput, user: User, *, now: datetime, on: date = ON
) -> Measurement:
    """``user`` saves one point of ``job`` on the bench, at the version the test holds."""
    return measurements.save_point(
        session, job.id, point, user=user, expected_version=job.version, on=on, now=now
    )


def code_of(session: Session, job: Any) -> str:
    return str(job.procedure.code)


def record_scale_tests(session: Session, setup: Lab4, job: Any, *, now: Any) -> list[Any]:
    """Record :data:`SCALE_TESTS` on a started VER-NAWI-R76 job (the bench's own service, as the technician)."""
    from lims.services.bench.weighing_tests import WeighingTestInput, save_weighing_test

    return [
        save_weighing_test(
            session,
            job.id,
            WeighingTestInput(kind, load, readings, added),
            user=setup.technician,
            expected_version=job.version,
            on=ON,
            now=now,
        )
        for kind, load, readings, added in SCALE_TESTS
    ]
