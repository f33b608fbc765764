"""Demonstration jobs: one set per shipped procedure, across the lifecycle, with real readings and results.

Everything goes through the services a technician, reviewer and signatory use (numbering, transitions with
authorisation checks, the traceability guard, the bench computation and the signature), so the demo shows
what the application really does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.domain import workflow as wf
from lims.domain.authorisation import AuthorisedRole
from lims.models import (
    CmcEntry,
    CustomerInstrument,
    Enterprise,
    Lab,
    MeasurementStandard,
    User,
)
from lims.services.access import authorisations
from lims.services.access.laboratory import find_laboratory
from lims.services.bench import measurements, rooms
from lims.services.bench.weighing_tests import WeighingTestInput, save_weighing_test
from lims.services.certificates import signatures, stamps
from lims.services.certificates.failure import issue_failure_notice
from lims.services.certificates.issue import amend_certificate, issue_certificate
from lims.services.certificates.settings import certificate_settings
from lims.services.certificates.signing_keys import ensure_test_pki
from lims.services.common.storage import open_storage
from lims.services.demo import rooms as demo_rooms
from lims.services.demo.accounts import DEMO_PASSWORD
from lims.services.demo.legal import FIRST_STAMP, SCALE_CHARACTERISTICS, load_demo_legal
from lims.services.demo.schedule import Schedule, registration_day
from lims.services.jobs import jobs
from lims.services.jobs import points as points_module
from lims.services.jobs.points import test_points
from lims.services.jobs.procedures import domain_procedure, latest_procedure, sync_procedures

# procedure -> (instrument spec, standards by role (asset numbers), reading offset, environment)
PLANS = {
    # A 15 kg × 5 g class III retail scale (n = 3 000), verified per OIML R 76-1 annex A with F1 weights and
    # change-point weights of 0.5 g (0.1 e); see WEIGHING below.
    "VER-NAWI-R76": (
        ("Cân điện tử", "Ohaus", "Defender 3000", "kg", "0", "15", "0.005", "III", True),
        {"weights": "CDL-KL-002"},
        0.005,
        {"temperature": "24.0 25.5"},
    ),
    "CAL-PG-DKD": (
        ("Áp kế kiểu lò xo", "Wika", "213.53", "bar", "0", "16", "0.1", "1.6", False),
        {"reference": "CDL-AS-002"},
        0.1,
        # Δh: the controller's reference level 0.15 m above the gauge's centre (head correction, DKD-R 6-1)
        {"temperature": "21.5 22.0", "humidity": "58", "height_difference": "0.15"},
    ),
    "CAL-TH-BATH": (
        ("Nhiệt kế điện tử", "Testo", "720", "°C", "-50", "150", "0.1", None, False),
        {"reference": "CDL-NH-001", "readout": "CDL-NH-002", "bath": "CDL-NH-003"},
        0.1,
        {"temperature": "23", "humidity": "52"},
    ),
    "CAL-DMM-DCV": (
        # the 6 V DC range of a 6000-count handheld DMM (both polarities, EURAMET cg-15)
        ("Đồng hồ vạn năng hiện số", "Fluke", "179", "V", "-6", "6", "0.001", None, False),
        {"calibrator": "CDL-DI-001"},
        0.001,
        {"temperature": "23.4", "humidity": "48"},
    ),
    # A 220 g × 0.1 mg analytical balance, class I (e = 1 mg), calibrated per EURAMET cg-18 with the E2 set.
    "CAL-NAWI-CG18": (
        ("Cân phân tích", "Mettler Toledo", "MS204TS", "g", "0", "220", "0.0001", "I", False),
        {"weights": "CDL-KL-001"},
        0.0001,
        {"temperature": "21.4 21.9", "humidity": "47"},
    ),
}
# A DMM's errors follow its gain and offset: 0.03 % of reading (−1.6 mV at −5.4 V, +1.6 mV at +5.4 V) and at
# most one count of offset with the input shorted, so the zero test reads 0.000 or 0.001 V (EURAMET cg-15).
GAIN = {"CAL-DMM-DCV": 0.0003}
MAX_OFFSET_STEPS = {"CAL-DMM-DCV": 1}
STATES = ("requested", "received", "in_progress", "measured", "reviewed", "approved", "on_hold", "issued")
# One more scale verification that fails: the load cell reads high near Max (an overload a customer reports
# often), so the error at the top test load is several verification intervals e beyond the MPE; the lab
# issues the notice of failed verification (lims.services.certificates.failure), no certificate, no stamp.
FAILED = "failed"
FAILED_TOP_LOAD_STEPS = 6  # +6 e = +30 g at 15 kg (e = 5 g): MPE there is 1,5 e initial, 3 e in service
# The standards each plan uses; their certificates are lims/services/demo/traceability.py's.
BENCH_STANDARDS = (
    "CDL-KL-001",
    "CDL-KL-002",
    "CDL-AS-002",
    "CDL-NH-001",
    "CDL-NH-002",
    "CDL-NH-003",
    "CDL-DI-001",
)
DRIFT = {
    "CDL-KL-002": Decimal("0.05"),
    "CDL-AS-002": Decimal("0.08"),
    "CDL-NH-001": Decimal("0.005"),
    "CDL-DI-001": Decimal("0.00003"),
    # the E2 set between calibrations, from its history (half-width, g): the balance calibrations
    # (EURAMET cg-18 7.1.2.3)
    "CDL-KL-001": Decimal("0.00003"),
}
#: Verification interval e agreed at contract review for instruments whose e differs from d (class I/II).
VERIFICATION_INTERVAL = {"CAL-NAWI-CG18": "0.001"}
# The accreditation scope: each row belongs to a procedure (a LIMS procedure, or the lab's written in-house
# method for the calibrations of its own standards, QT-…), and none claims less than its standards realise
# (lims.services.standards.capabilities.unrealisable; a test checks the demo).
CMC: list[tuple[str, str, int | Decimal, int | Decimal, dict[str, Any]]] = [
    ("mass", "kg", 0, 20, {"fixed_uncertainty": Decimal("0.0005"), "procedure_code": "VER-NAWI-R76"}),
    # weights of class F1 by comparison with E2 (OIML R 111-1 annex C): U = 0.02 mg + 1.3·10⁻⁶·m
    (
        "mass",
        "g",
        1,
        20000,
        {"a": Decimal("0.00002"), "b": Decimal("0.0000013"), "procedure_code": "QT-KL-01"},
    ),
    ("pressure", "bar", 0, 20, {"fixed_uncertainty": Decimal("0.015"), "procedure_code": "CAL-PG-DKD"}),
    # pressure controllers against the piston gauge (DKD-R 6-1): U = 0.1 kPa + 1·10⁻⁴·p
    (
        "pressure",
        "kPa",
        0,
        7000,
        {"a": Decimal("0.1"), "b": Decimal("0.0001"), "procedure_code": "QT-AS-02"},
    ),
    ("temperature", "°C", -40, 250, {"fixed_uncertainty": Decimal("0.03"), "procedure_code": "CAL-TH-BATH"}),
    # baths characterised with the SPRT and its readout (EURAMET cg-13, from memory)
    ("temperature", "°C", -40, 250, {"fixed_uncertainty": Decimal("0.03"), "procedure_code": "QT-NH-03"}),
    (
        "DC voltage",
        "V",
        -20,
        20,
        {"a": Decimal("0.00001"), "b": Decimal("0.000005"), "procedure_code": "CAL-DMM-DCV"},
    ),
    # the other DMM functions per EURAMET cg-15, each row at least the calibrator's certificate U at every
    # point it covers (traceability.CALIBRATOR_DCI, _R, _ACV): DC current 10 nA + 40·10⁻⁶·|I| to ±100 mA and
    # 10 nA + 2·10⁻⁴·|I| to ±10 A (the transconductance stage) ...
    (
        "DC current",
        "A",
        Decimal("-0.1"),
        Decimal("0.1"),
        {"a": Decimal("0.00000001"), "b": Decimal("0.00004"), "procedure_code": "CAL-DMM-DCI"},
    ),
    (
        "DC current",
        "A",
        -10,
        10,
        {"a": Decimal("0.00000001"), "b": Decimal("0.0002"), "procedure_code": "CAL-DMM-DCI"},
    ),
    # ... resistance 0.5 mΩ + 25·10⁻⁶·R to 100 kΩ and 0.5 mΩ + 5·10⁻⁴·R to 100 MΩ ...
    (
        "resistance",
        "Ω",
        0,
        100000,
        {"a": Decimal("0.0005"), "b": Decimal("0.000025"), "procedure_code": "CAL-DMM-R"},
    ),
    (
        "resistance",
        "Ω",
        0,
        100000000,
        {"a": Decimal("0.0005"), "b": Decimal("0.0005"), "procedure_code": "CAL-DMM-R"},
    ),
    # ... AC voltage 20 µV + 10⁻⁴·V from 0.1 V to 100 V, at every frequency the calibrator's certificate states
    (
        "AC voltage",
        "V",
        Decimal("0.1"),
        100,
        {"a": Decimal("0.00002"), "b": Decimal("0.0001"), "procedure_code": "CAL-DMM-ACV"},
    ),
]
#: Procedures the demo's staff are authorised for without demo jobs of their own (the other DMM functions).
AUTHORISED_ONLY = ("CAL-DMM-DCI", "CAL-DMM-ACV", "CAL-DMM-R")
def _bench_standards(session: Session) -> dict[str, MeasurementStandard]:
    found = {
        s.asset_number: s
        for s in session.scalars(
            select(MeasurementStandard).where(MeasurementStandard.asset_number.in_(BENCH_STANDARDS))
        )
    }
    for asset, limit in DRIFT.items():
        found[asset].drift_limit = limit
    session.flush()
    return found


def _readings(nominal: float, step: float, n: int, drift_steps: int, gain: float = 0.0) -> list[str]:
    digits = max(0, -Decimal(repr(step)).as_tuple().exponent)  # type: ignore[operator]
    shown = nominal + round(gain * nominal / step) * step
    return [f"{shown + step * (drift_steps + (i % 2)):.{digits}f}" for i in range(n)]


def _series(nominal: float, step: float, n: int, point: int, job: int) -> list[str]:
    """A gauge's DKD-R 6-1 series M1 ↑, M2 ↓ …: an error that changes along the range and a hysteresis of
    one division's fifth at some points only, as a Bourdon tube shows."""
    digits = max(0, -Decimal(repr(step)).as_tuple().exponent)  # type: ignore[operator]
    error = step * ((point + job) % 3 - (1 if point > 2 else 0))
    lag = step * ((point + job + 1) % 2)
    return [f"{nominal + error + (lag if k % 2 else 0.0):.{digits}f}" for k in range(n)]


#: Weighing tests of the demo's weighing jobs: kind -> (load, indications, change-point weights), procedure unit.
WEIGHING_TESTS: dict[str, dict[str, tuple[str, list[str], list[str]]]] = {
    "CAL-NAWI-CG18": {
        # cg-18 5.1: six loadings of 100 g; 5.3: 100 g (≥ Max/3) at the centre, then front, left, back, right
        "repeatability": (
            "100",
            ["100.0001", "100.0002", "100.0000", "100.0001", "100.0002", "100.0001"],
            [],
        ),
        "eccentricity": ("100", ["100.0000", "100.0001", "99.9999", "100.0002", "100.0001"], []),
    },
    "VER-NAWI-R76": {
        # R 76-1 A.4.2.3 zero: E_0 = 0 + 2.5 − 2.0 g = 0.5 g (0.1 e); A.4.10 at 7.5 kg; A.4.7 at 5 kg (Max/3);
        # A.4.8 discrimination at 7.5 kg: 1.4 d = 7 g added moves 7.500 to 7.505 kg.
        "zero": ("0", ["0.000"], ["0.0020"]),
        "repeatability": ("7.5", ["7.500"] * 6, ["0.0020", "0.0020", "0.0020", "0.0015", "0.0020", "0.0020"]),
        "eccentricity": ("5", ["5.000"] * 5, ["0.0020", "0.0015", "0.0025", "0.0015", "0.0020"]),
        "discrimination": ("7.5", ["7.500", "7.505"], []),
    },
}


def _weighing_job(
    session: Session,
    job: Any,
    code: str,
    todo: tuple[float, ...],
    s: int,
    env: dict[str, str],
    *,
    user: User,
    now: datetime,
    failed: bool = False,
) -> None:
    """The weighing tests and test loads of a balance calibration or a scale verification (see WEIGHING_TESTS);
    on the failed verification the load cell reads FAILED_TOP_LOAD_STEPS verification intervals high at Max.

    Balance (d = 0.1 mg): the error grows to +0.3 mg at Max, no-load indication 0.0000 g before each load; the
    E2 weights' conventional masses differ from nominal by a few hundredths of a milligram. Scale (e = 5 g):
    the change-point weights give errors of 0 to +1 g, the decreasing loads 0.5 g apart from the increasing.
    """
    for kind, (load, indications, added) in WEIGHING_TESTS[code].items():
        save_weighing_test(
            session,
            job.id,
            WeighingTestInput(kind, load, indications, added),
            user=user,
            expected_version=None,
            on=now.date(),
            now=now,
        )
    for i, nominal in enumerate(todo):
        if code == "CAL-NAWI-CG18":
            error_g = (0.0, 0.0001, 0.0001, 0.0002, 0.0003)[i % 5] + (0.0001 if (i + s) % 4 == 3 else 0.0)
            data = measurements.PointInput(
                i,
                [f"{nominal + error_g:.4f}"],
                f"{nominal + 0.00001 * (1 + i % 3):.5f}",
                env,
                weighing={"zero": ["0.0000"]},
            )
        else:
            up = ("0.0020", "0.0020", "0.0015", "0.0015", "0.0010")[i % 5]
            down = ("0.0020", "0.0015", "0.0015", "0.0010", "0.0010")[(i + s) % 5 if s % 2 else i % 5]
            shown = nominal + (FAILED_TOP_LOAD_STEPS * 0.005 if failed and i == len(todo) - 1 else 0.0)
            data = measurements.PointInput(
                i, [f"{shown:.3f}", f"{shown:.3f}"], f"{nominal:.6g}", env, weighing={"added": [up, down]}
            )
        measurements.save_point(
            session, job.id, data, user=user, expected_version=None, on=now.date(), now=now
        )


def load_demo_jobs(session: Session, lab: Lab, enterprises: list[Enterprise], today: date) -> None:
    sync_procedures(session)
    users = {u.username: u for u in session.scalars(select(User))}
    granted = today - timedelta(days=365)
    grants = [
        ("ktv.lan", AuthorisedRole.PERFORM),
        ("ktv.minh", AuthorisedRole.PERFORM),
        ("kt.hung", AuthorisedRole.REVIEW),
        ("ky.thu", AuthorisedRole.SIGN),
    ]
    for code in (*PLANS, *AUTHORISED_ONLY):
        for username, role in grants:
            authorisations.grant(
                session,
                authorisations.Grant(
                    users[username].id,
                    code,
                    role,
                    granted,
                    "Hồ sơ đào tạo ĐT-2025; 5 công việc có giám sát",
                    expires_on=granted + timedelta(days=3 * 365),
                ),
            )
    load_demo_legal(session, lab, users, today)
    for quantity, cmc_unit, cmc_low, cmc_high, extra in CMC:
        session.add(
            CmcEntry(
                lab_id=lab.id,
                quantity=quantity,
                unit=cmc_unit,
                range_min=Decimal(cmc_low),
                range_max=Decimal(cmc_high),
                **extra,
            )
        )
    standards = _bench_standards(session)
    tech, rev, sig = users["ktv.lan"], users["kt.hung"], users["ky.thu"]
    issued: list[tuple[int, Schedule]] = []
    failed: list[tuple[int, Schedule]] = []
    for p, (code, (spec, roles, step, env)) in enumerate(PLANS.items()):
        kind, maker, model, unit, low, high, res, cls, legal = spec
        proc_row = latest_procedure(session, code)
        proc = domain_procedure(proc_row)
        technician = tech if p % 2 == 0 else users["ktv.minh"]
        states = STATES + ((FAILED,) if proc.kind.value == "verification" else ())
        for s, state in enumerate(states):
            # the failed scale belongs to the first enterprise, whose demo customer (kh.annam) sees the notice
            ent = enterprises[0 if state == FAILED else (p + s) % len(enterprises)]
            inst = CustomerInstrument(
                enterprise_id=ent.id,
                instrument_type=kind,
                manufacturer=maker,
                model=model,
                serial_number=f"{model.replace(' ', '')}-D{p}{s}",
                unit=unit,
                range_min=Decimal(low),
                range_max=Decimal(high),
                resolution=Decimal(res),
                accuracy_class=cls,
                legally_controlled=legal,
                location="Phòng QC",
            )
            session.add(inst)
            session.flush()
            requested = registration_day(
                today - timedelta(days=3 * (len(STATES) - s) + p if state != FAILED else 12 + p), state, today
            )
            when = Schedule(requested, p + s)
            job = jobs.create_job(
                session,
                jobs.JobRequest(
                    lab.id,
                    inst.id,
                    proc_row.id,
                    requested_on=requested,
                    due_on=requested + timedelta(days=10),
                    requirements={
                        "conformity_statement": proc.kind.value == "verification",
                        "decision_rule": "procedure",
                        **(
                            {"legal_characteristics": SCALE_CHARACTERISTICS}
                            if proc.kind.value == "verification"
                            else {}
                        ),
                        **(
                            {"verification_interval": VERIFICATION_INTERVAL[code]}
                            if code in VERIFICATION_INTERVAL
                            else {}
                        ),
                    },
                    registered_at=when.registered,
                ),
            )
            day = when.first_point
            if state == "requested":
                continue
            jobs.record_intake(
                session,
                job.id,
                jobs.Intake("Nguyên vẹn, không có hư hỏng nhìn thấy", "Hộp đựng, hướng dẫn sử dụng"),
                expected_version=None,
            )
            jobs.apply_transition(
                session, job, wf.State.RECEIVED, user=technician, comment=None, now=when.received
            )
            if state == "received":
                continue
            if state == "on_hold":
                jobs.apply_transition(
                    session,
                    job,
                    wf.State.ON_HOLD,
                    user=technician,
                    now=when.on_hold,
                    comment="Chờ khách hàng gửi bộ sạc kèm theo",
                )
                continue
            jobs.apply_transition(
                session, job, wf.State.IN_PROGRESS, user=technician, comment=None, now=when.started
            )
            for role_name, asset in roles.items():
                jobs.add_standard(
                    session, job.id, standards[asset].id, role_name, on=day.date(), expected_version=None
                )
            points = test_points(job)
            todo = points[:2] if state == "in_progress" else points
            in_room = (code, state) == demo_rooms.ROOM_JOB
            if in_room:  # measured in the logged room: its points take the logged conditions
                room = demo_rooms.load_demo_room(
                    session, first_point_at=day, until=datetime.combine(today, time(0), tzinfo=UTC)
                )
                rooms.set_job_room(session, job.id, room.id)
            # readings per point: the procedure's repetitions, or the DKD-R 6-1 series (M1 ↑, M2 ↓ …)
            per_point = proc.readings_per_point(points_module.instrument_under_test(job))
            if proc.weighing is not None:
                _weighing_job(
                    session, job, code, todo, s, env, user=technician, now=day, failed=state == FAILED
                )
            for i, nominal in enumerate(todo if proc.weighing is None else ()):
                measurements.save_point(
                    session,
                    job.id,
                    measurements.PointInput(
                        i,
                        # An issued verification must pass: its readings stay within one resolution step.
                        _series(nominal, step, per_point, i, s)
                        if proc.sequence_settings is not None
                        else _readings(
                            nominal,
                            step,
                            per_point,
                            _drift(
                                state,
                                i,
                                len(todo),
                                s,
                                verification=proc.kind.value == "verification",
                                max_steps=MAX_OFFSET_STEPS.get(code, 2),
                            ),
                            GAIN.get(code, 0.0),
                        ),
                        f"{nominal:.6g}",
                        env,
                    ),
                    user=technician,
                    expected_version=None,
                    on=day.date(),
                    now=day + demo_rooms.POINT_SPACING * i if in_room else day,
                )
            if state == "in_progress":
                continue
            jobs.apply_transition(
                session,
                job,
                wf.State.MEASURED,
                user=technician,
                comment=None,
                now=when.measured(len(todo), in_room),
            )
            if state == "measured":
                continue
            if in_room:  # one point was measured during the room's excursion: the reviewer justifies it
                rooms.justify(
                    session,
                    job.id,
                    demo_rooms.JUSTIFICATION,
                    user=rev,
                    now=when.reviewed - timedelta(minutes=10),
                )
            jobs.apply_transition(session, job, wf.State.REVIEWED, user=rev, comment=None, now=when.reviewed)
            if state == "reviewed":
                continue
            signatures.sign_job(
                session,
                job.id,
                user=sig,
                password=DEMO_PASSWORD,
                meaning="Phê duyệt: đã xem xét kết quả và cho phép ban hành",
                expected_version=None,
                now=when.approved,
            )
            if state in ("issued", FAILED):
                (issued if state == "issued" else failed).append((job.id, when))
    _issue_demo_certificates(session, sig, issued, failed)


def _drift(state: str, point: int, points: int, job: int, *, verification: bool, max_steps: int) -> int:
    """Reading offset in resolution steps: none on an issued verification (it passes), the failed
    verification's top load reads FAILED_TOP_LOAD_STEPS high, the others wander by up to ``max_steps``."""
    if state == FAILED:
        return FAILED_TOP_LOAD_STEPS if point == points - 1 else 0
    return 0 if state == "issued" and verification else (point + job) % (max_steps + 1)


def _issue_demo_certificates(
    session: Session,
    signatory: User,
    issued: list[tuple[int, Schedule]],
    failed: list[tuple[int, Schedule]],
) -> None:
    """Certificates of the demo's issued jobs (calibration and verification), one amendment, and the
    notice of the failed verification (signed like the certificates)."""
    from lims.config import Settings
    from lims.models import Job, JobKind

    conf = Settings.from_env()
    # The demo's certificates are signed with test keys made under the instance folder (their subjects say
    # TEST KEY), the signatory's own and the laboratory's, and may carry a loopback address: a demo.
    lab = find_laboratory(session)
    ensure_test_pki(
        conf.instance_path,
        organisation=lab.name_vi if lab is not None else "Phòng thí nghiệm demo",
        signatories={signatory.username: signatory.full_name},
    )
    cert_settings = replace(certificate_settings(replace(conf, demo=True)), demo=True)
    storage = open_storage(conf, session)
    amended = None
    stamp_no = FIRST_STAMP
    for job_id, when in issued:
        job = session.get_one(Job, job_id)
        stamp = None
        if job.kind == JobKind.VERIFICATION:  # taken from the demo batch (lims.services.demo.legal)
            stamp, stamp_no = stamps.display(stamps.batches(session)[0], stamp_no), stamp_no + 1
        cert = issue_certificate(
            session,
            job_id,
            signatory,
            storage=storage,
            settings=cert_settings,
            stamp_number=stamp,
            now=when.issued,
        )
        if amended is None and job.kind == JobKind.CALIBRATION:
            amended = (cert.number, when.amended)
    if amended is not None:
        amend_certificate(
            session,
            amended[0],
            signatory,
            "Bổ sung điều kiện môi trường bị thiếu trên bản đã ban hành",
            storage=storage,
            settings=cert_settings,
            now=amended[1],
        )
    for job_id, when in failed:
        issue_failure_notice(
            session, job_id, signatory, storage=storage, settings=cert_settings, now=when.issued
        )
