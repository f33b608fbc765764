"""A withdrawn procedure version (VER-NAWI-R76 1.0, superseded by 2.0): not offered, not accepted for new jobs;
its existing jobs still display and are judged by the one decision engine, without a special case."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates.metrology import NoStatementReason, Verdict
from lims.models import Job, JobState, Procedure
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from lims.services.certificates import issue as svc
from lims.services.common.storage import DatabaseStorage
from lims.services.jobs import jobs
from lims.services.jobs.procedures import (
    ProcedureWithdrawn,
    latest_procedures,
    list_procedures,
    sync_procedures,
)
from tests.services import certsetup, jobsetup
from tests.webutil import login, post_form


def _row(session: Session, version: str) -> Procedure:
    row = session.scalar(
        select(Procedure).where(Procedure.code == "VER-NAWI-R76", Procedure.version == version)
    )
    assert row is not None
    return row


def _job_on_1_0(session: Session, setup: jobsetup.Lab4) -> Any:
    """A job registered on 1.0 before it was withdrawn, as an existing database holds it."""
    old = _row(session, "1.0")
    old.is_active = True  # as it was before this release
    job = jobs.create_job(
        session,
        jobs.JobRequest(
            setup.lab.id,
            setup.instruments["VER-NAWI-R76"].id,
            old.id,
            requested_on=jobsetup.ON,
            requirements={"legal_characteristics": jobsetup.SCALE_CHARACTERISTICS},
        ),
    )
    sync_procedures(session)  # `lims db upgrade` withdraws it again
    return job


def test_sync_withdraws_the_superseded_version_and_new_jobs_refuse_it(session: Session) -> None:
    setup = jobsetup.build(session)  # syncs the shipped files
    old, new = _row(session, "1.0"), _row(session, "2.0")
    assert (old.is_active, new.is_active) == (False, True)
    definition = dict(old.definition)
    old.is_active = True  # a database from before this release: 1.0 still active
    sync_procedures(session)
    assert old.is_active is False and old.definition == definition  # only withdrawn, never rewritten
    assert old not in list_procedures(session) and old in list_procedures(session, active_only=False)
    assert [p.version for p in latest_procedures(session) if p.code == "VER-NAWI-R76"] == ["2.0"]
    with pytest.raises(ProcedureWithdrawn) as refused:
        jobs.create_job(
            session,
            jobs.JobRequest(
                setup.lab.id, setup.instruments["VER-NAWI-R76"].id, old.id, requested_on=jobsetup.ON
            ),
        )
    assert refused.value.params == {"code": "VER-NAWI-R76", "version": "1.0", "current": "2.0"}
    assert (
        jobs.create_job(
            session,
            jobs.JobRequest(
                setup.lab.id, setup.instruments["VER-NAWI-R76"].id, new.id, requested_on=jobsetup.ON
            ),
        ).procedure.version
        == "2.0"
    )


def test_a_job_on_the_withdrawn_version_is_judged_by_the_engine_without_exception(session: Session) -> None:
    """VER-NAWI-R76 1.0 (rounding not eliminated) on the 30 kg × 5 g class III scale, three equal readings at
    every load, the weights' value equal to the load: E = 0. u(I) = 0 (ν = 2); u(δI_digL) = u(δI_dig0) =
    2.5 g/√3 = 1.4434 g; u(m_ref) = 0.04 g; u(δm_D) = 0.028868 g: u_c = 2.0419 g, U = 2 × u_c = 4.08 g. At
    15 kg the MPE is 7.5 g, MPE/3 = 2.5 g < U: no statement (simple acceptance not earned), not a pass. The old
    exception judged such a point on its error alone and issued a certificate; now the certificate is refused
    and the notice names the points whose uncertainty is too large."""
    setup = certsetup.lab(session)
    job = jobsetup.start(session, setup, _job_on_1_0(session, setup))
    points = measurements.test_points(job)
    assert points == (3.0, 7.5, 15.0, 22.5, 30.0)  # 1.0's loads: 10 … 100 % of Max
    for index, nominal in enumerate(points):
        jobsetup.save_point(
            session,
            job,
            PointInput(index, [f"{nominal:g}"] * 3, f"{nominal:g}", certsetup.ENVIRONMENT["VER-NAWI-R76"]),
            setup.technician,
            now=certsetup.MEASURED_AT,
        )
    at_15 = measurements.measurements(session, job.id)[2].point
    assert at_15 is not None and at_15.error == Decimal(0) and at_15.mpe == Decimal("0.0075")
    assert float(at_15.standard_uncertainty) == pytest.approx(2.0419e-3, rel=1e-4)
    assert 3 * at_15.expanded_uncertainty > at_15.mpe
    assert (at_15.verdict, at_15.no_statement_reason) == (
        Verdict.NO_STATEMENT,
        NoStatementReason.TUR_BELOW_MINIMUM,
    )
    jobsetup.measure_and_review(session, setup, job, now=certsetup.MEASURED_AT)
    jobsetup.sign(session, job, setup.signatory, meaning="Phê duyệt", now=certsetup.MEASURED_AT)
    with pytest.raises(svc.CertificateError, match="did not pass verification"):
        certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT, stamp_number="HN-25-000120")
    notice = certsetup.failure_notice(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    assert notice.failed_requirement == (
        "Độ không đảm bảo đo quá lớn so với sai số lớn nhất cho phép để kết luận phù hợp tại: "
        "3 kg, 7,5 kg, 15 kg, 22,5 kg, 30 kg"
    )
    assert job.state == JobState.ISSUED


def test_a_job_on_the_withdrawn_version_still_displays(client: FlaskClient, session: Session) -> None:
    setup = jobsetup.build(session)
    job = _job_on_1_0(session, setup)
    session.commit()
    login(client, setup.technician.username)
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "VER-NAWI-R76 1.0" in page
    assert (
        "phiên bản đã ngừng áp dụng: giữ lại cho các công việc đã thực hiện theo phiên bản này, không dùng cho công việc mới"
        in page
    )
    offered = client.get(f"/instruments/{job.instrument_id}").get_data(as_text=True)
    assert "VER-NAWI-R76 2.0" in offered and "VER-NAWI-R76 1.0" not in offered
    # a form posted with the old version's id (a page open since before the upgrade) is refused, nothing saved
    before = session.scalar(select(func.count()).select_from(Job))
    posted = post_form(
        client,
        "/jobs/new",
        {"instrument_id": str(job.instrument_id), "procedure_id": str(job.procedure_id)},
        token_from=f"/instruments/{job.instrument_id}",
    )
    assert posted.status_code == 302 and posted.headers["Location"].endswith(
        f"/instruments/{job.instrument_id}"
    )
    shown = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert (
        "Quy trình VER-NAWI-R76 phiên bản 1.0 đã ngừng áp dụng: chỉ giữ lại cho các công việc đã thực hiện theo "
        "phiên bản này, công việc mới dùng phiên bản 2.0."
    ) in shown
    assert session.scalar(select(func.count()).select_from(Job)) == before


def test_withdrawing_a_version_leaves_its_jobs_and_issued_certificates_as_they_were(
    session: Session, tmp_path: Path
) -> None:
    """A lab supersedes CAL-DMM-DCV 2.0 by a 2.1 of its own (docs/procedures.md, "How a lab adds a procedure"):
    the certificate issued on 2.0 stays valid with its stored bytes, the job keeps its version and results, and
    new work goes to 2.1."""
    import hashlib
    import json
    from importlib import resources

    from lims.models import CertificateStatus
    from lims.services.certificates import register
    from lims.services.jobs.procedures import latest_procedure

    setup = certsetup.lab(session)
    job = certsetup.approved_job(session, setup, "CAL-DMM-DCV")
    results = {i: m.point for i, m in measurements.measurements(session, job.id).items()}
    cert = certsetup.issue(session, job, setup.signatory, now=certsetup.ISSUED_AT)
    for entry in resources.files("lims.domain").joinpath("procedures").iterdir():
        if entry.name.endswith(".json"):
            (tmp_path / entry.name).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
        elif entry.name == "shared":  # the blocks the files name (docs/procedures.md, step 6) go along
            (tmp_path / "shared").mkdir()
            for block in entry.iterdir():
                (tmp_path / "shared" / block.name).write_text(
                    block.read_text(encoding="utf-8"), encoding="utf-8"
                )
    current = json.loads((tmp_path / "CAL-DMM-DCV_2.0.json").read_text(encoding="utf-8"))
    (tmp_path / "CAL-DMM-DCV_2.1.json").write_text(json.dumps(current | {"version": "2.1"}), encoding="utf-8")
    (tmp_path / "CAL-DMM-DCV_2.0.json").write_text(
        json.dumps(current | {"superseded_by": "2.1"}), encoding="utf-8"
    )
    sync_procedures(session, tmp_path)
    assert (job.procedure.version, job.procedure.is_active) == ("2.0", False)
    assert latest_procedure(session, "CAL-DMM-DCV").version == "2.1"
    assert {i: m.point for i, m in measurements.measurements(session, job.id).items()} == results
    public = register.public_verification(session, cert.number)
    assert public is not None and (public.status, public.superseded_by) == (CertificateStatus.VALID, None)
    pdf = svc.stored_bytes(DatabaseStorage(session), cert, "pdf")
    assert hashlib.sha256(pdf).hexdigest() == cert.pdf_sha256
