"""Approved jobs ready for a certificate (built through the real services), and a storage that fails."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lims.domain.authorisation import AuthorisedRole
from lims.models import Certificate, Job, Quantity, User, VerificationFailureNotice
from lims.services.access import authorisations
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.certificates.failure import issue_failure_notice
from lims.services.certificates.issue import issue_certificate
from lims.services.certificates.settings import CertificateSettings
from lims.services.common.storage import DatabaseStorage
from lims.services.demo.seed import CALIBRATOR_SPECIFICATION
from lims.services.demo.traceability import CALIBRATOR
from lims.services.jobs.points import instrument_under_test
from lims.services.jobs.procedures import domain_procedure
from tests import pkitools
from tests.factories import make_calibration, make_instrument, make_standard
from tests.services import jobsetup

MEASURED_AT = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
ISSUED_AT = datetime(2025, 6, 3, 2, 30, tzinfo=UTC)  # 09:30 in Hà Nội
SETTINGS = CertificateSettings(
    public_url="https://lims.example.vn", software_release="lims test", signing=pkitools.signing_settings()
)
ENVIRONMENT = {
    "VER-NAWI-R76": {"temperature": "24 24.6"},
    "CAL-PG-DKD": {"temperature": "21.5 22.0", "humidity": "55", "height_difference": "0.15"},
    "CAL-TH-BATH": {"temperature": "23", "humidity": "50"},
    "CAL-DMM-DCV": {"temperature": "23.1 23.4", "humidity": "48"},
    "CAL-DMM-ACV": {"temperature": "23.1 23.4", "humidity": "48"},  # tests/services/test_dmm_function_jobs.py
}


def lab(session: Session) -> jobsetup.Lab4:
    setup = jobsetup.build(session)
    setup.lab.email = "hieuchuan@lab.example.vn"
    setup.lab.address = "Số 8 Hoàng Quốc Việt, Cầu Giấy, Hà Nội"
    setup.signatory.function_title = "Phó Giám đốc"
    setup.signatory.full_name = "Nguyễn Thị Thu Hằng"
    session.flush()
    return setup


def approved_job(session: Session, setup: jobsetup.Lab4, code: str, **requirements: Any) -> Any:
    """A job of ``code`` measured at every point (errors well inside the MPE), reviewed and signed."""
    job = jobsetup.started_job(session, setup, code, **requirements)
    proc_step = float(job.instrument.resolution)
    proc = domain_procedure(job.procedure)
    per_point = proc.readings_per_point(instrument_under_test(job))
    weighing: dict[str, list[str]] = {}
    if proc.weighing is not None:  # the scale (VER-NAWI-R76 2.0): annex A tests, then E_c = 0 at every load
        jobsetup.record_scale_tests(session, setup, job, now=MEASURED_AT)
        proc_step, weighing = 0.0, {"added": [jobsetup.CHANGE_POINT_KG] * per_point}
    for index, nominal in enumerate(measurements.test_points(job)):
        readings = [
            f"{nominal + proc_step * (i % 2):.6g}"
            for i in range(max(per_point, 5) if per_point > 4 else per_point)
        ]
        jobsetup.save_point(
            session,
            job,
            PointInput(index, readings, f"{nominal:.6g}", ENVIRONMENT[code], weighing=weighing),
            setup.technician,
            now=MEASURED_AT,
        )
    jobsetup.measure_and_review(session, setup, job, now=MEASURED_AT)
    jobsetup.sign(session, job, setup.signatory, meaning="Phê duyệt kết quả", now=MEASURED_AT)
    return job


NEW = ("CAL-DMM-ACV", "CAL-DMM-DCI", "CAL-DMM-R")


def dmm_functions_lab(session: Session) -> jobsetup.Lab4:
    """The job tests' lab, its staff authorised for the new procedures, a 6½-digit DMM's 10 V AC and 10 mA DC
    ranges, and a multifunction calibrator certified (2025-01-10) for every function the demo's is."""
    setup = lab(session)
    for code in NEW:
        for user, role in (
            (setup.technician, AuthorisedRole.PERFORM),
            (setup.reviewer, AuthorisedRole.REVIEW),
            (setup.signatory, AuthorisedRole.SIGN),
        ):
            authorisations.grant(
                session, authorisations.Grant(user.id, code, role, date(2025, 1, 1), "training record TR-2")
            )
    ent = setup.instruments["CAL-DMM-DCV"].enterprise
    setup.instruments["CAL-DMM-ACV"] = make_instrument(
        session,
        ent,
        instrument_type="Đồng hồ vạn năng hiện số",
        unit="V",
        range_min=Decimal(0),
        range_max=Decimal(10),
        resolution=Decimal("0.00001"),
    )
    setup.instruments["CAL-DMM-DCI"] = make_instrument(
        session,
        ent,
        instrument_type="Đồng hồ vạn năng hiện số",
        unit="mA",
        range_min=Decimal(-10),
        range_max=Decimal(10),
        resolution=Decimal("0.00001"),
    )
    calibrator = make_standard(
        session,
        lab_id=setup.lab.id,
        quantity=Quantity.ELECTRICAL,
        unit="V",
        range_min=Decimal(-1020),
        range_max=Decimal(1020),
        characteristics=dict(CALIBRATOR_SPECIFICATION),
    )
    make_calibration(
        session,
        calibrator,
        points=[
            {"value": row[0], "unit": row[1], "expanded_uncertainty": row[2], "k": 2.0}
            | ({"frequency_hz": row[3]} if len(row) == 4 else {})
            for row in CALIBRATOR
        ],
    )
    for code in NEW:
        setup.standards[code] = {"calibrator": calibrator}
    return setup


def issue(
    session: Session,
    job: Job,
    actor: User,
    *,
    now: datetime,
    settings: CertificateSettings = SETTINGS,
    **options: Any,
) -> Certificate:
    """``actor`` issues ``job``'s certificate, its files stored in the database; ``options`` are
    :func:`~lims.services.certificates.issue.issue_certificate`'s (``stamp_number``, ``expected_version``)."""
    return issue_certificate(
        session, job.id, actor, storage=DatabaseStorage(session), settings=settings, now=now, **options
    )


def failure_notice(
    session: Session, job: Job, actor: User, *, now: datetime, settings: CertificateSettings = SETTINGS
) -> VerificationFailureNotice:
    """``actor`` issues the notice of failed verification of ``job``, stored in the database."""
    return issue_failure_notice(
        session, job.id, actor, storage=DatabaseStorage(session), settings=settings, now=now
    )
