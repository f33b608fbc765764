"""``lims demo --scale N`` on both databases: proportional counts, tenancy, the audit chain, pages that render."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from certificates.signature_check import verify_pdf
from lims.config import Settings
from lims.models import (
    AuditEntry,
    Certificate,
    CustomerInstrument,
    ElectronicSignature,
    Enterprise,
    Job,
    JobState,
    Measurement,
    MeasurementStandard,
    Role,
    StandardCalibration,
    StoredFile,
    User,
)
from lims.services.certificates.signing_keys import load_signing_settings
from lims.services.customers import portal
from lims.services.demo import scale
from lims.services.demo.scale import ScaleDataRefused, ScalePlan, ScaleSizeInvalid, load_scale
from lims.services.demo.seed import DEMO_PASSWORD
from lims.services.records.audit import history, verify_chain
from lims.services.records.database import open_database
from tests.builtonce import copy_sqlite
from tests.conftest import DEMO_TODAY, built_data_set
from tests.webutil import login

TODAY = DEMO_TODAY  # the shared data set's date: the grown demo starts from a copy of that demo
N = 400


def _count(session: Session, model: type, *where: object) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


SCALED = pytest.mark.demo(scale=N, seed=7, today=TODAY)  # built once per backend and run


@pytest.fixture
def scaled(request: pytest.FixtureRequest, session: Session) -> Session:
    """The test's session on the demo grown to N instruments (``load_scale(session, N, seed=7, today=TODAY)``)."""
    assert request.node.get_closest_marker("demo") is not None, "mark the test with @SCALED"
    return session


@SCALED
def test_counts_are_proportional_to_n(scaled: Session, tmp_path: Path) -> None:
    session = scaled
    generated = select(Enterprise.id).where(Enterprise.email.like("qa.dn%"))
    assert _count(session, Enterprise, Enterprise.id.in_(generated)) == ScalePlan(N).enterprises == 4
    assert _count(session, User, User.username.like("kh.dn%"), User.role == Role.CUSTOMER) == 4
    assert _count(session, CustomerInstrument, CustomerInstrument.enterprise_id.in_(generated)) == N
    assert _count(session, Job, Job.enterprise_id.in_(generated)) == N  # one job per instrument
    states = dict(session.execute(select(Job.state, func.count()).group_by(Job.state)).all())
    assert set(states) == set(JobState)  # every state of the workflow is represented
    issued = states[JobState.ISSUED]
    generated_jobs = select(Job.id).where(Job.enterprise_id.in_(generated))
    generated_issued = _count(session, Job, Job.id.in_(generated_jobs), Job.state == JobState.ISSUED)
    # one certificate per generated issued job, none for the others (the base demo adds its own, amended)
    assert _count(session, Certificate, Certificate.job_id.in_(generated_jobs)) == generated_issued
    assert _count(session, ElectronicSignature) >= issued + states[JobState.APPROVED]
    # about four measured points per instrument (complete jobs), none for jobs not started
    points = _count(session, Measurement)
    assert 3 * N <= points <= 6 * N
    not_started = select(Job.id).where(
        Job.state.in_([JobState.REQUESTED, JobState.RECEIVED, JobState.ON_HOLD])
    )
    assert _count(session, Measurement, Measurement.job_id.in_(not_started)) == 0
    # the certificates share a handful of real PDF blobs, stored once
    keys = set(session.scalars(select(Certificate.pdf_key).where(Certificate.job_id.in_(generated_jobs))))
    assert 1 <= len(keys) <= 2
    roots = load_signing_settings(Settings.from_env().instance_path, {}).roots()
    for key in keys:
        data = session.scalar(select(StoredFile.data).where(StoredFile.key == key))
        assert data is not None and data.startswith(b"%PDF")
        # signed like every issued demo PDF (issue 17): pyHanko against the demo's test root, and pdfsig
        report = verify_pdf(data, trust_roots=roots)
        assert report is not None and report.ok and report.signer.issuer.startswith("TEST ROOT CA"), key
        if shutil.which("pdfsig"):
            path = tmp_path / "sample.pdf"
            path.write_bytes(data)
            out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60, check=False)
            assert "Signature Validation: Signature is Valid." in out.stdout, out.stdout
    # copies of the bench standards, each with a calibration history against the demo references
    copies = session.scalars(
        select(MeasurementStandard.id).where(MeasurementStandard.asset_number.like("%-S0001"))
    )
    for std_id in copies:
        assert _count(session, StandardCalibration, StandardCalibration.standard_id == std_id) == 3


@SCALED
def test_audit_chain_holds_and_records_the_generated_rows(scaled: Session) -> None:
    report = verify_chain(scaled)
    assert report.ok, report.problem
    assert report.entries > 4 * N
    job_id = scaled.scalar(select(func.max(Job.id)))
    entries = history(scaled, "job", job_id)
    assert [e.action for e in entries] == ["insert"] and entries[0].changes["id"] == [None, job_id]
    user_entry = scaled.scalar(
        select(AuditEntry).where(AuditEntry.table_name == "user_account").order_by(AuditEntry.seq.desc())
    )
    assert user_entry is not None and user_entry.changes["password_hash"] == [None, "***"]


@SCALED
def test_customers_see_only_their_enterprise(scaled: Session) -> None:
    users = scaled.scalars(select(User).where(User.username.like("kh.dn%")).order_by(User.id)).all()
    assert len(users) == 4
    for user in users:
        page = portal.search_instruments(scaled, user, portal.InstrumentQuery(), today=TODAY)
        assert page.items and {i.enterprise_id for i in page.items} == {user.enterprise_id}
        due = portal.due_list(scaled, user, today=TODAY, days=90)
        assert due.items and {i.enterprise_id for i in due.items} == {user.enterprise_id}


@pytest.mark.demo
def test_refuses_a_database_that_holds_data(session: Session) -> None:
    with pytest.raises(ScaleDataRefused):
        load_scale(session, 10, today=TODAY)
    with pytest.raises(ScaleSizeInvalid):
        load_scale(session, 0, today=TODAY)


def _fingerprint(url: str, seed: int) -> list[tuple[object, ...]]:
    """The generated jobs of ``load_scale(60, seed)`` on a copy of the demo already loaded at ``url``."""
    database = open_database(url)
    try:
        with database.session() as session:
            load_scale(session, 60, seed=seed, today=TODAY)
            session.commit()
            return [
                tuple(r)
                for r in session.execute(
                    select(
                        Job.number,
                        Job.state,
                        CustomerInstrument.serial_number,
                        Enterprise.name,
                        Enterprise.tax_code,
                    )
                    .join(CustomerInstrument, CustomerInstrument.id == Job.instrument_id)
                    .join(Enterprise, Enterprise.id == Job.enterprise_id)
                    .order_by(Job.id)
                )
            ]
    finally:
        database.engine.dispose()


def test_same_seed_same_data(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The generator is deterministic for a seed. The demo it grows from (the run's demo as of TODAY, built
    once: tests/builtonce.py) is copied for the three runs (load_scale's own load of it is skipped): the demo
    is the same whatever the seed."""
    if not db_url.startswith("sqlite"):
        pytest.skip("determinism is a property of the generator; checked once, on SQLite files")
    base = Path(built_data_set("sqlite", tmp_path_factory, today=TODAY))
    urls = []
    for name in ("a", "b", "c"):
        copy_sqlite(base, tmp_path / f"{name}.db")
        urls.append(f"sqlite:///{tmp_path / name}.db")
    monkeypatch.setattr(scale, "load_demo", lambda session, today: None)
    monkeypatch.setattr(scale, "database_is_empty", lambda session: True)
    first, again, other = _fingerprint(urls[0], 5), _fingerprint(urls[1], 5), _fingerprint(urls[2], 6)
    assert first == again and len(first) > 60
    assert first != other


@SCALED
def test_pages_render_on_the_generated_data(scaled: Session, app: Flask) -> None:
    client = app.test_client()
    login(client, "admin", DEMO_PASSWORD)
    for url in ("/", "/instruments/", "/instruments/?q=SN", "/jobs/", "/standards/due"):
        response = client.get(url)
        assert response.status_code == 200, url
    job = scaled.scalar(select(Job).where(Job.state == JobState.IN_PROGRESS).order_by(Job.id.desc()))
    assert job is not None
    assert client.get(f"/jobs/{job.id}").status_code == 200
    client = app.test_client()
    login(client, "ktv.lan", DEMO_PASSWORD)
    assert client.get(f"/jobs/{job.id}/bench").status_code == 200
    client = app.test_client()
    login(client, "kh.dn00002", DEMO_PASSWORD)
    assert client.get("/portal/").status_code == 200
    assert client.get("/portal/due/90").status_code == 200
    other = scaled.scalar(
        select(CustomerInstrument.id)
        .join(User, User.enterprise_id != CustomerInstrument.enterprise_id)
        .where(User.username == "kh.dn00002")
        .limit(1)
    )
    assert client.get(f"/portal/instruments/{other}").status_code == 404


@SCALED
def test_admin_dashboard_counts_audit_entries_from_the_chain_head(scaled: Session) -> None:
    from lims.services.jobs.dashboard import tiles_for

    admin = scaled.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    tiles = {t.label: t.value for t in tiles_for(scaled, admin, today=TODAY)}
    assert tiles["Audit entries"] == _count(scaled, AuditEntry) > 4 * N
    # certificates are counted over the last 30 days (ix_certificate_issued_at), not all of them
    since = datetime.combine(TODAY - timedelta(days=30), time.min, tzinfo=UTC)
    recent = scaled.scalar(select(func.count()).select_from(Certificate).where(Certificate.issued_at >= since))
    assert tiles["Certificates issued in the last 30 days"] == recent


@SCALED
def test_rows_added_afterwards_get_fresh_ids(scaled: Session) -> None:
    """The generator writes explicit ids; PostgreSQL's sequences are moved past them, so the ORM goes on."""
    from tests.factories import make_enterprise, make_instrument, make_job

    top_job = scaled.scalar(select(func.max(Job.id)))
    top_instrument = scaled.scalar(select(func.max(CustomerInstrument.id)))
    enterprise = make_enterprise(scaled)
    instrument = make_instrument(scaled, enterprise)
    job = make_job(scaled, enterprise=enterprise, instrument=instrument)
    assert instrument.id > (top_instrument or 0) and job.id > (top_job or 0)
    assert verify_chain(scaled).ok



MEASURED_OR_LATER = (JobState.MEASURED, JobState.REVIEWED, JobState.APPROVED, JobState.ISSUED)


@SCALED
def test_every_generated_job_has_the_readings_its_procedure_requires(scaled: Session) -> None:
    """Every generated job measured or later passes the workflow's completeness check (every point has a
    result, every weighing test of a weighing procedure is recorded). The points of one in-progress and one
    complete job per procedure (every job copies one of them) recompute from their stored entries as the bench
    computes a saved point: a balance's load needs the no-load indication read before each loaded one, a
    scale's the change-point weights (lims.services.bench.weighing), each standard a calibration on the day."""
    from lims.services.bench.measurements import recompute_points
    from lims.services.jobs.points import require_complete
    from lims.services.jobs.procedures import domain_procedure

    generated = select(Enterprise.id).where(Enterprise.email.like("qa.dn%"))
    jobs = scaled.scalars(
        select(Job)
        .where(Job.enterprise_id.in_(generated), Job.state.in_((JobState.IN_PROGRESS, *MEASURED_OR_LATER)))
        .order_by(Job.id)
    ).all()
    sample: dict[tuple[int | None, bool], Job] = {}
    for job in jobs:
        if job.state in MEASURED_OR_LATER:
            require_complete(scaled, job)
        sample.setdefault((job.procedure_id, job.state == JobState.IN_PROGRESS), job)
    weighing = 0
    for job in sample.values():
        points = _count(scaled, Measurement, Measurement.job_id == job.id)
        assert points >= 2
        assert job.measured_on is not None
        nested = scaled.begin_nested()
        assert recompute_points(scaled, job, job.measured_on) == points, job.number
        nested.rollback()
        assert job.procedure is not None
        weighing += domain_procedure(job.procedure).weighing is not None
    assert weighing >= 3  # balances and scales, in progress and complete
