"""Issuing benchmark (issue 6): 1 000 certificates issued in one batch on the embedded database (SQLite).

Run:  .venv/bin/python bench/issue_batch.py [--count 1000] [--workers 1] [--workers 2] [--profile 50]

Setup (not timed): a fresh SQLite database with the demo data; one DC-voltage calibration job with ten
test points taken through the real services (bench, review, electronic signature), then copied to
``--count`` approved jobs with their measurements, standards and signature.

Timed:

1. one certificate of that job (ten result rows): build the data from the database, render the PDF with
   the DCC embedded, validate the DCC, render the labels (median and minimum of ``--repeat`` runs);
2. ``lims.services.certificates.issue.issue_batch`` for ``--count`` jobs in one transaction: lock the counter
   and take the numbers, record the transitions, build the data, render (on ``--workers`` processes),
   hash, store PDF + DCC + labels write-once and add the rows, then commit. Each ``--workers`` value runs
   on its own fresh copy of the jobs.

``--profile N`` profiles a sequential batch of N certificates and prints where the time goes, by package.
The load average is printed because the machine may be shared.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import functools
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select

from certificates.data import Signatory
from lims.db import Database
from lims.domain import workflow as wf
from lims.migrate import upgrade
from lims.models import (
    ElectronicSignature,
    Job,
    JobStandard,
    JobState,
    Measurement,
    MeasurementStandard,
    User,
)
from lims.services.bench import measurements
from lims.services.certificates import data as certificate_data
from lims.services.certificates import issue as certificates
from lims.services.certificates import signatures
from lims.services.certificates.settings import CertificateSettings
from lims.services.certificates.signing_keys import load_signing_settings
from lims.services.common.storage import DatabaseStorage
from lims.services.demo.seed import DEMO_PASSWORD, load_demo
from lims.services.jobs import jobs
from lims.services.jobs.procedures import latest_procedure
from lims.services.records import audit

TODAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
SETTINGS = CertificateSettings(public_url="https://lims.example.vn", software_release="bench")


@functools.cache
def signed_settings() -> CertificateSettings:
    """SETTINGS with test signing keys (made once in a temporary folder): every issued PDF is signed."""
    folder = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    return dataclasses.replace(SETTINGS, signing=load_signing_settings(folder, {}, demo=True))


def _template_job(session: object) -> int:
    """A CAL-DMM-DCV job with ten points, approved through the services."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    users = {u.username: u for u in session.scalars(select(User))}
    tech, rev, sig = users["ktv.lan"], users["kt.hung"], users["ky.thu"]
    proc = latest_procedure(session, "CAL-DMM-DCV")
    any_dmm = session.scalars(select(Job).where(Job.procedure_id == proc.id)).first()
    assert any_dmm is not None
    day = datetime.combine(TODAY - timedelta(days=3), dtime(8, 30), tzinfo=UTC)
    job = jobs.create_job(
        session,
        jobs.JobRequest(
            any_dmm.lab_id,
            any_dmm.instrument_id,
            proc.id,
            requested_on=day.date(),
            requirements={"points": [2.0 * i for i in range(1, 11)], "conformity_statement": True},
        ),
    )
    jobs.record_intake(session, job.id, jobs.Intake("Nguyên vẹn", "không có"), expected_version=None)
    jobs.apply_transition(session, job, wf.State.RECEIVED, user=tech, comment=None, now=day)
    jobs.apply_transition(session, job, wf.State.IN_PROGRESS, user=tech, comment=None, now=day)
    calibrator = session.scalars(
        select(MeasurementStandard).where(MeasurementStandard.asset_number == "CDL-DI-001")
    ).one()
    jobs.add_standard(session, job.id, calibrator.id, "calibrator", on=day.date(), expected_version=None)
    for i, nominal in enumerate(measurements.test_points(job)):
        readings = [f"{nominal + 0.001 * (k % 2):.3f}" for k in range(5)]
        measurements.save_point(
            session,
            job.id,
            measurements.PointInput(i, readings, f"{nominal:.6g}", {"temperature": "23.4", "humidity": "48"}),
            user=tech,
            expected_version=None,
            on=day.date(),
            now=day,
        )
    jobs.apply_transition(session, job, wf.State.MEASURED, user=tech, comment=None, now=day)
    jobs.apply_transition(
        session, job, wf.State.REVIEWED, user=rev, comment=None, now=day + timedelta(hours=2)
    )
    signatures.sign_job(
        session,
        job.id,
        user=sig,
        password=DEMO_PASSWORD,
        meaning="Phê duyệt",
        expected_version=None,
        now=day + timedelta(hours=3),
    )
    session.flush()
    return job.id


def _copies(session: object, template_id: int, count: int, tag: str) -> list[int]:
    """``count`` approved copies of the template job (core inserts: setup, not timed)."""
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    job = session.get_one(Job, template_id)
    points = list(session.scalars(select(Measurement).where(Measurement.job_id == template_id)))
    links = list(session.scalars(select(JobStandard).where(JobStandard.job_id == template_id)))
    signature = session.scalars(
        select(ElectronicSignature).where(ElectronicSignature.job_id == template_id)
    ).one()
    columns = [c.key for c in Job.__table__.columns if c.key not in ("id", "number")]
    rows = [
        {**{c: getattr(job, c) for c in columns}, "number": f"JOB-B{tag}-{n:05d}", "state": JobState.APPROVED}
        for n in range(count)
    ]
    session.execute(insert(Job), rows)
    ids = list(session.scalars(select(Job.id).where(Job.number.like(f"JOB-B{tag}-%")).order_by(Job.number)))
    m_cols = [c.key for c in Measurement.__table__.columns if c.key not in ("id", "job_id")]
    session.execute(
        insert(Measurement),
        [{**{c: getattr(m, c) for c in m_cols}, "job_id": i} for i in ids for m in points],
    )
    session.execute(
        insert(JobStandard),
        [{"job_id": i, "standard_id": s.standard_id, "role": s.role} for i in ids for s in links],
    )
    s_cols = [c.key for c in ElectronicSignature.__table__.columns if c.key not in ("id", "job_id")]
    session.execute(
        insert(ElectronicSignature),
        [{**{c: getattr(signature, c) for c in s_cols}, "job_id": i} for i in ids],
    )
    session.flush()
    return ids


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workers", type=int, action="append", help="repeat for several values (default 1)")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    workers = args.workers or [1]
    folder = Path(tempfile.mkdtemp(prefix="lims-issue-bench-"))
    try:
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade(url)
        db = Database.from_url(url)
        audit.install(db.sessionmaker)
        with db.session() as session:
            load_demo(session, today=TODAY)
            template = _template_job(session)
            signatory = session.scalars(select(User).where(User.username == "ky.thu")).one()
            session.commit()
            signatory_id = signatory.id

            # 1. one certificate of ten rows, from the database to the bytes (nothing stored)
            job = session.get_one(Job, template)
            sig = session.scalars(
                select(ElectronicSignature).where(ElectronicSignature.job_id == template)
            ).one()
            extras = certificate_data.IssueExtras(
                "HC-2026-99999",
                TODAY,
                Signatory(
                    sig.printed_name,
                    certificate_data.signatory_function("Phó Giám đốc"),
                    sig.signed_at.replace(tzinfo=UTC),
                ),
            )
            times, cpu_times, pages = [], [], 0
            for n in range(args.repeat + 1):
                start, start_cpu = time.perf_counter(), time.process_time()
                data = certificate_data.build_certificate_data(session, job, extras, SETTINGS)
                rendered = certificates._render(
                    certificates.RenderJob(data, "bench", signed_settings().signing.identity_for(None), NOW)
                )
                files = rendered.files
                if n:
                    times.append(time.perf_counter() - start)
                    cpu_times.append(time.process_time() - start_cpu)
            import pypdf

            pages = len(pypdf.PdfReader(io.BytesIO(files.pdf)).pages)
            print(
                f"one certificate, {sum(len(s.points) for s in data.results)} result rows, {pages} pages "
                f"(build + PDF + DCC + validate + labels + signatures): median {statistics.median(times) * 1000:.0f} ms, "
                f"min {min(times) * 1000:.0f} ms; CPU median {statistics.median(cpu_times) * 1000:.0f} ms, "
                f"min {min(cpu_times) * 1000:.0f} ms; load {_load()}"
            )

            if args.profile:
                ids = _copies(session, template, args.profile, "P")
                session.commit()
                profiler = cProfile.Profile()
                profiler.enable()
                certificates.issue_batch(
                    session,
                    ids,
                    signatory,
                    storage=DatabaseStorage(session),
                    settings=signed_settings(),
                    now=datetime.now(UTC),
                )
                session.commit()
                profiler.disable()
                _report(profiler, args.profile)

            for w in workers if args.count > 0 else ():
                ids = _copies(session, template, args.count, f"W{w}")
                session.commit()
                user = session.get_one(User, signatory_id)
                load_before = _load()
                wall, cpu = time.perf_counter(), time.process_time()
                children = os.times()
                certs = certificates.issue_batch(
                    session,
                    ids,
                    user,
                    storage=DatabaseStorage(session),
                    settings=signed_settings(),
                    now=datetime.now(UTC),
                    workers=w,
                )
                session.commit()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                after = os.times()
                child_cpu = (after.children_user - children.children_user) + (
                    after.children_system - children.children_system
                )
                print(
                    f"batch of {len(certs)} ({certs[0].number} … {certs[-1].number}), {w} render process(es): "
                    f"wall {wall:.1f} s, CPU {cpu + child_cpu:.1f} s (workers {child_cpu:.1f} s), "
                    f"{wall / len(certs) * 1000:.0f} ms per certificate; load {load_before} → {_load()}"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _report(profiler: cProfile.Profile, count: int) -> None:
    stats = pstats.Stats(profiler)
    by_package: dict[str, float] = defaultdict(float)
    total = 0.0
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        total += tottime
        for key in (
            "reportlab",
            "lxml",
            "xmlschema",
            "sqlalchemy",
            "certificates/",
            "lims/",
            "pypdf",
            "zlib",
            "hashlib",
            "sqlite3",
            "qrcode",
            "PIL",
        ):
            if key in filename:
                by_package[key] += tottime
                break
        else:
            by_package["other (builtins, C calls)" if filename.startswith("~") else "other"] += tottime
    print(f"profile of a sequential batch of {count}: {total:.1f} s of own time")
    for key, value in sorted(by_package.items(), key=lambda kv: -kv[1]):
        print(f"  {key:<28} {value:6.1f} s  {100 * value / total:4.0f} %")
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    print("\n".join(out.getvalue().splitlines()[-16:]))


if __name__ == "__main__":
    main()
