"""The rows ``lims demo --scale`` copies and writes (lims.services.demo.scale): the demo's complete jobs as
templates, the sample certificate PDFs, the bench standards' copies, each job's state history and the batch of
rows written together."""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lims.errors import N_, LimsError
from lims.models import (
    Certificate,
    CustomerInstrument,
    ElectronicSignature,
    Job,
    JobStandard,
    JobState,
    JobTransition,
    Measurement,
    MeasurementStandard,
    StandardCalibration,
    StandardCalibrationSource,
    User,
    WeighingTest,
)
from lims.services.common.storage import DatabaseStorage
from lims.services.demo.schedule import Schedule
from lims.services.records.audit import _plain
from lims.services.records.bulk_write import BulkWriter, NextIds

FLOW = (
    JobState.REQUESTED,
    JobState.RECEIVED,
    JobState.IN_PROGRESS,
    JobState.MEASURED,
    JobState.REVIEWED,
    JobState.APPROVED,
    JobState.ISSUED,
)


def _row(obj: Any) -> dict[str, Any]:
    return {c.name: getattr(obj, c.key) for c in obj.__table__.columns}


@dataclass
class _Template:
    instrument: dict[str, Any]
    job: dict[str, Any]
    measurements: list[dict[str, Any]]
    standards: list[tuple[int, str | None]]  # (demo standard id, role)
    # A weighing job's tests (point_index -1) and its loads' entries (the no-load indication read before each
    # load, or the change-point weights): without them the balance procedure refuses the job's points.
    weighing: list[dict[str, Any]] = field(default_factory=list)

    def weighing_rows(self, points: int) -> list[dict[str, Any]]:
        """The weighing rows that go with the first ``points`` measurements: every test, the loads of those points."""
        return [w for w in self.weighing if w["point_index"] < points]

    @functools.cached_property
    def results_sha256(self) -> str:
        """What the signatory's signature covers: the digest of the results (the same for every copy)."""
        results = [_plain(m["result"]) for m in self.measurements]
        return hashlib.sha256(json.dumps(results, sort_keys=True).encode()).hexdigest()


def _templates(session: Session) -> list[_Template]:
    """The demo's complete jobs (approved, all points measured), one per procedure."""
    out = []
    for job in session.scalars(select(Job).where(Job.state == JobState.APPROVED).order_by(Job.id)):
        points = [
            _row(m)
            for m in session.scalars(
                select(Measurement).where(Measurement.job_id == job.id).order_by(Measurement.point_index)
            )
        ]
        links = [
            (link.standard_id, link.role)
            for link in session.scalars(select(JobStandard).where(JobStandard.job_id == job.id))
        ]
        weighing = [
            _row(w)
            for w in session.scalars(
                select(WeighingTest).where(WeighingTest.job_id == job.id).order_by(WeighingTest.id)
            )
        ]
        out.append(_Template(_row(job.instrument), _row(job), points, links, weighing))
    if not out:  # pragma: no cover - the demo always has approved jobs
        raise LimsError(N_("The demo data set has no complete job to copy."))
    return out


def _sample_pdfs(session: Session, today: date) -> dict[str, tuple[str, str]]:
    """Real renderings of the certificate layout, one calibration and one verification, stored once and
    signed (PAdES) with the demo's test keys like every issued PDF (issue 17): pdfsig and /verify report a
    valid signature on them too."""
    from dataclasses import replace

    from certificates.examples import example_calibration, example_verification
    from certificates.pdf import render_pdf
    from certificates.signing import sign_pdf
    from lims.config import Settings
    from lims.services.certificates.settings import certificate_settings

    conf = Settings.from_env()
    # The keys load_demo made under the instance folder (made here if missing: a demo), the signatory's own.
    identity = certificate_settings(replace(conf, demo=True)).signing.identity_for("ky.thu")
    signed_at = datetime.combine(today, time(2, 30), UTC)
    store = DatabaseStorage(session)
    out = {}
    for kind, data in (
        ("calibration", example_calibration(number="HC-MAU-00001")),
        ("verification", example_verification(number="KĐ-MẪU-00001")),
    ):
        pdf = sign_pdf(
            render_pdf(data, invariant=True),
            identity,
            signing_time=signed_at,
            reason=f"Mẫu giấy chứng nhận {data.number} / Sample certificate {data.number}",
            location=data.lab.address.city,
        )
        stored = store.put(f"scale-samples/certificate-{kind}.pdf", pdf, "application/pdf")
        out[kind] = (stored.key, stored.sha256)
    return out


@dataclass(slots=True)
class _Batch:
    instruments: list[dict[str, Any]] = field(default_factory=list)
    jobs: list[dict[str, Any]] = field(default_factory=list)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    measurements: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    signatures: list[dict[str, Any]] = field(default_factory=list)
    certificates: list[dict[str, Any]] = field(default_factory=list)
    weighing: list[dict[str, Any]] = field(default_factory=list)

    def write(self, out: BulkWriter, ids: NextIds) -> None:
        for model, rows in (
            (Measurement, self.measurements),
            (JobTransition, self.transitions),
            (ElectronicSignature, self.signatures),
            (Certificate, self.certificates),
            (WeighingTest, self.weighing),
        ):
            first = ids.take(model, len(rows))
            for n, row in enumerate(rows):
                row["id"] = first + n
        out.put(CustomerInstrument, self.instruments)
        out.put(Job, self.jobs)
        out.put(JobTransition, self.transitions)
        out.put(JobStandard, self.links)
        out.put(Measurement, self.measurements)
        out.put(WeighingTest, self.weighing)
        out.put(ElectronicSignature, self.signatures)
        out.put(Certificate, self.certificates)


def _history(
    batch: _Batch,
    job: dict[str, Any],
    state: JobState,
    reached: int,
    when: Schedule,
    tech: User,
    reviewer: User,
    signatory: User,
) -> None:
    """The job's state changes, as the workflow would have recorded them, at the working hours of ``when``
    (lims.services.demo.schedule.Schedule): the certificate's issue and the signature use the same instants."""
    who = {
        JobState.RECEIVED: tech,
        JobState.IN_PROGRESS: tech,
        JobState.MEASURED: tech,
        JobState.REVIEWED: reviewer,
        JobState.APPROVED: signatory,
        JobState.ISSUED: signatory,
    }
    instants = {
        JobState.RECEIVED: when.received,
        JobState.IN_PROGRESS: when.started,
        JobState.MEASURED: when.measured(1, in_room=False),
        JobState.REVIEWED: when.reviewed,
        JobState.APPROVED: when.approved,
        JobState.ISSUED: when.issued,
    }
    for step in range(1, reached + 1):
        to = FLOW[step]
        batch.transitions.append(
            {
                "job_id": job["id"],
                "from_state": FLOW[step - 1],
                "to_state": to,
                "actor_id": who[to].id,
                "role": who[to].role.value,
                "comment": None,
                "at": instants[to],
            }
        )
    if state in (JobState.ON_HOLD, JobState.CANCELLED, JobState.REJECTED):
        by = tech if state == JobState.ON_HOLD else signatory
        comment = {
            JobState.ON_HOLD: "Chờ khách hàng gửi bộ sạc kèm theo",
            JobState.CANCELLED: "Khách hàng hủy yêu cầu",
            JobState.REJECTED: "Phương tiện đo hư hỏng, không thể hiệu chuẩn",
        }[state]
        batch.transitions.append(
            {
                "job_id": job["id"],
                "from_state": FLOW[reached],
                "to_state": state,
                "actor_id": by.id,
                "role": by.role.value,
                "comment": comment,
                # held an hour after receipt; cancelled or refused the working day after registration
                "at": when.on_hold,
            }
        )


def _copy_standards(
    session: Session,
    out: BulkWriter,
    ids: NextIds,
    templates: list[_Template],
    copies: int,
    now: datetime,
) -> dict[int, list[int]]:
    """Each bench standard the templates use and its copies: demo id -> [copy ids…].

    The generated jobs use the copies only: each copy has this year's calibration and two earlier ones, so a
    job measured up to a year and more ago used a standard calibrated on that day (the demo's own standard has
    only its latest calibration, months old, and would have been used before it was calibrated)."""
    used = sorted({std_id for tpl in templates for std_id, _role in tpl.standards})
    mapping: dict[int, list[int]] = {}
    std_rows, cal_rows, source_rows = [], [], []
    for std_id in used:
        std = session.get(MeasurementStandard, std_id)
        assert std is not None
        current = session.scalars(
            select(StandardCalibration)
            .where(StandardCalibration.standard_id == std_id)
            .order_by(StandardCalibration.calibrated_on.desc())
        ).first()
        sources = (
            list(
                session.scalars(
                    select(StandardCalibrationSource.standard_id).where(
                        StandardCalibrationSource.calibration_id == current.id
                    )
                )
            )
            if current is not None
            else []
        )
        first = ids.take(MeasurementStandard, copies)
        mapping[std_id] = list(range(first, first + copies))
        for n in range(copies):
            row = _row(std)
            row.update(
                id=first + n,
                asset_number=f"{std.asset_number}-S{n + 1:04d}",
                serial_number=f"{std.serial_number or 'SN'}-{n + 1:04d}",
                created_at=now,
                updated_at=None,
            )
            std_rows.append(row)
            if current is None:
                continue
            for year in range(3):  # this year's calibration and two earlier ones
                cal = _row(current)
                on = current.calibrated_on - timedelta(days=365 * year)
                cal.update(
                    id=None,
                    standard_id=first + n,
                    calibrated_on=on,
                    issued_on=on,
                    valid_until=on + (current.valid_until - current.calibrated_on),
                    certificate_number=f"{current.certificate_number}-S{n + 1:04d}-{year}",
                    created_at=now,
                )
                cal_rows.append((cal, sources))
    out.put(MeasurementStandard, std_rows)
    first_cal = ids.take(StandardCalibration, len(cal_rows))
    for n, (cal, sources) in enumerate(cal_rows):
        cal["id"] = first_cal + n
        source_rows += [{"calibration_id": cal["id"], "standard_id": s} for s in sources]
    out.put(StandardCalibration, [cal for cal, _sources in cal_rows])
    out.put(StandardCalibrationSource, source_rows)
    return mapping
