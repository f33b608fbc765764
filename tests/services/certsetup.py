"""Approved jobs ready for a certificate (built through the real services), and a storage that fails."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.certificates import signatures
from lims.services.certificates.settings import CertificateSettings
from lims.services.jobs import jobs
from lims.services.jobs.points import instrument_under_test
from lims.services.jobs.procedures import domain_procedure
from tests import pkitools
from tests.factories import PASSWORD
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
    job = jobsetup.start(session, setup, jobsetup.new_job(session, setup, code, **requirements))
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
        measurements.save_point(
            session,
            job.id,
            PointInput(index, readings, f"{nominal:.6g}", ENVIRONMENT[code], weighing=weighing),
            user=setup.technician,
            expected_version=job.version,
            on=jobsetup.ON,
            now=MEASURED_AT,
        )
    jobs.transition_job(
        session,
        job.id,
        "measured",
        user=setup.technician,
        comment=None,
        expected_version=job.version,
        now=MEASURED_AT,
    )
    jobs.transition_job(
        session,
        job.id,
        "reviewed",
        user=setup.reviewer,
        comment=None,
        expected_version=job.version,
        now=MEASURED_AT,
    )
    signatures.sign_job(
        session,
        job.id,
        user=setup.signatory,
        password=PASSWORD,
        meaning="Phê duyệt kết quả",
        expected_version=job.version,
        now=MEASURED_AT,
    )
    return job
