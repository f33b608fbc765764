"""``lims demo --scale N``: the demonstration data set grown to N customer instruments, for proof at scale.

N counts the enterprises' instruments (phương tiện đo). Everything else is proportional to it:

* enterprises: N / 100 (at least 1), each with a customer user (the first of every ten an enterprise admin);
* the lab's working standards: one more copy of each bench standard per 5 000 instruments, with this lab's
  calibration against the demo's reference standards (the calibration chain) and a yearly history;
* one job per instrument, in every state of the workflow (mostly issued, the rest spread over the others),
  with its state history, the standards it used, the readings and results of its test points (the
  issued, approved, reviewed and measured ones complete, in-progress ones two points; a weighing job also its
  weighing tests and, for each load, the no-load indications or change-point weights), the signatory's
  electronic signature and, for issued jobs, a certificate row;
* one audit entry per generated audited row, chained with the same hashing as every other entry.

So N = 1 000 000 gives 10 000 enterprises, 1 000 000 jobs and about 4 000 000 measurement records (the demo
procedures have three to six test points; the issue asked for about 5 000 000).

The small demo data set (``lims demo``) is loaded first, through the services, so every demo login and
page keeps working; the scaled rows are then written in bulk (``lims.services.records.bulk_write``: COPY on
PostgreSQL, with their audit entries), copying the demo's real rows as templates: the instruments, procedures, readings and computed results of the demo's jobs. The
results are therefore real computations, repeated; the readings are not re-measured per job.

Certificates: the few PDFs are real renderings of the certificate layout (``certificates.pdf``), signed
with the demo's test keys like every issued PDF, stored once in the file store; every certificate row of the
same kind points to the same blob (its printed number is the sample's, not the row's). This is a
load-testing data set, not a record of anything.

Deterministic: the same N, seed and date give the same rows (apart from the timestamps of the audit
entries and of ``created_at`` of rows other than jobs, which are the time of generation, and the sample PDFs'
hashes: an ECDSA signature differs at each signing). A job's ``created_at`` is its registration, and its
history, signature and certificate follow the small demo's working-day schedule
(:class:`lims.services.demo.schedule.Schedule`).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from lims.errors import N_, LimsError
from lims.localtime import lab_zone
from lims.models import (
    AuditEntry,
    Certificate,
    CertificateStatus,
    CustomerInstrument,
    ElectronicSignature,
    Enterprise,
    Job,
    JobCounter,
    JobState,
    JobTransition,
    Measurement,
    MeasurementStandard,
    Role,
    StandardCalibration,
    User,
    WeighingTest,
)
from lims.services.demo.scale_names import (
    BRANDS,
    FORMS,
    LOCATIONS,
    PLACES,
    STREETS,
    TRADES,
    _person,
    _tax_codes,
)
from lims.services.demo.scale_rows import FLOW, _Batch, _copy_standards, _history, _sample_pdfs, _templates
from lims.services.demo.schedule import Schedule, registration_day
from lims.services.demo.seed import database_is_empty, load_demo
from lims.services.records.audit import ACTOR_KEY, SYSTEM, Actor
from lims.services.records.bulk_write import AuditAppender, BulkWriter, NextIds, fix_sequences

INSTRUMENTS_PER_ENTERPRISE = 100
INSTRUMENTS_PER_STANDARD_COPY = 5000
CHUNK = 5000
DEFAULT_SEED = 2026

# Out of 100 jobs: the state they are left in (most are issued; every other state is represented).
STATE_MIX: tuple[tuple[JobState, int], ...] = (
    (JobState.ISSUED, 78),
    (JobState.APPROVED, 3),
    (JobState.REVIEWED, 3),
    (JobState.MEASURED, 3),
    (JobState.IN_PROGRESS, 4),
    (JobState.RECEIVED, 3),
    (JobState.REQUESTED, 3),
    (JobState.ON_HOLD, 1),
    (JobState.CANCELLED, 1),
    (JobState.REJECTED, 1),
)


class ScaleDataRefused(LimsError):
    template = N_("The database already holds data; scale data loads into an empty database.")


class ScaleSizeInvalid(LimsError):
    template = N_("The scale must be a whole number of instruments from %(low)s to %(high)s.")


@dataclass(frozen=True, slots=True)
class ScalePlan:
    """How many rows of each kind ``instruments`` means."""

    instruments: int

    @property
    def enterprises(self) -> int:
        return max(1, self.instruments // INSTRUMENTS_PER_ENTERPRISE)

    @property
    def standard_copies(self) -> int:
        return max(1, self.instruments // INSTRUMENTS_PER_STANDARD_COPY)


@dataclass(slots=True)
class ScaleReport:
    plan: ScalePlan
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, table: str, n: int) -> None:
        self.counts[table] = self.counts.get(table, 0) + n


MAX_INSTRUMENTS = 5_000_000


def _state_table() -> list[JobState]:
    table: list[JobState] = []
    for state, weight in STATE_MIX:
        table += [state] * weight
    return table


def load_scale(
    session: Session,
    instruments: int,
    *,
    seed: int = DEFAULT_SEED,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> ScaleReport:
    """Load the demo data set, then grow it to ``instruments`` instruments (see the module docstring)."""
    if not 1 <= instruments <= MAX_INSTRUMENTS:
        raise ScaleSizeInvalid(low=1, high=MAX_INSTRUMENTS)
    if not database_is_empty(session):
        raise ScaleDataRefused()
    say = progress or (lambda _msg: None)
    today = today or date.today()
    plan = ScalePlan(instruments)
    report = ScaleReport(plan)
    rng = random.Random(seed)
    say("demo data set")
    load_demo(session, today=today)
    session.flush()

    now = datetime.now(UTC)
    actor: Actor = session.info.get(ACTOR_KEY, SYSTEM)
    chain = AuditAppender(session, actor, now)
    out = BulkWriter(session, chain, report.add)
    ids = NextIds(session)
    templates = _templates(session)
    pdfs = _sample_pdfs(session, today)
    staff = {u.username: u for u in session.scalars(select(User).where(User.role != Role.CUSTOMER))}
    technicians = [staff["ktv.lan"], staff["ktv.minh"]]
    reviewer, signatory = staff["kt.hung"], staff["ky.thu"]
    password_hash = session.scalar(select(User.password_hash).where(User.username == "kh.annam"))
    assert password_hash is not None

    # Enterprises and their customer users.
    say(f"{plan.enterprises} enterprises")
    used_codes = set(session.scalars(select(Enterprise.tax_code)))
    enterprise_ids = []
    ent_rows, user_rows = [], []
    first_ent = ids.take(Enterprise, plan.enterprises)
    first_user = ids.take(User, plan.enterprises)
    for n in range(plan.enterprises):
        city, province, districts = PLACES[0] if n % 4 else PLACES[1]
        trade, sector = rng.choice(TRADES)
        eid = first_ent + n
        enterprise_ids.append(eid)
        ent_rows.append(
            {
                "id": eid,
                "name": f"{rng.choice(FORMS)} {trade} {rng.choice(BRANDS)} {n + 1:05d}",
                "tax_code": _tax_codes(rng, province, used_codes),
                "address": f"Số {rng.randrange(1, 400)} {rng.choice(STREETS)}, {rng.choice(districts)}, {city}",
                "province": city,
                "sector": sector,
                "contact_name": _person(rng),
                "email": f"qa.dn{n + 1:05d}@example.vn",
                "phone": f"0{'24' if province == '01' else '236'} {rng.randrange(10**7):07d}",
                "notes": None,
                "is_active": True,
                "created_at": now,
            }
        )
        user_rows.append(
            {
                "id": first_user + n,
                "username": f"kh.dn{n + 1:05d}",
                "full_name": _person(rng),
                "email": f"kh.dn{n + 1:05d}@example.vn",
                "function_title": "Cán bộ quản lý thiết bị đo",
                "role": Role.CUSTOMER,
                "enterprise_id": eid,
                "password_hash": password_hash,
                "language": "vi",
                "is_active": True,
                "is_enterprise_admin": n % 10 == 0,
                "created_at": now,
                "password_changed_at": now,
            }
        )
    out.put(Enterprise, ent_rows)
    out.put(User, user_rows)

    # Copies of the bench's working standards, calibrated by this lab against the demo's references.
    say(f"{plan.standard_copies} copies of each bench standard")
    standard_map = _copy_standards(session, out, ids, templates, plan.standard_copies, now)

    # Instruments, jobs and everything under them, chunk by chunk.
    states = _state_table()
    counters = {row.year: row.last_number for row in session.scalars(select(JobCounter))}
    signer_name = signatory.full_name
    for start in range(0, instruments, CHUNK):
        size = min(CHUNK, instruments - start)
        say(f"instruments {start + 1}–{start + size}")
        batch = _Batch()
        inst_id = ids.take(CustomerInstrument, size)
        job_id = ids.take(Job, size)
        for k in range(size):
            i = start + k
            tpl = templates[rng.randrange(len(templates))]
            state = states[rng.randrange(len(states))]
            eid = enterprise_ids[rng.randrange(len(enterprise_ids))]
            tech = technicians[i % 2]
            age = rng.randrange(400) if state == JobState.ISSUED else rng.randrange(30)
            # the small demo's working-day schedule (lims.services.demo.schedule.Schedule), in the lab's zone
            requested = registration_day(today - timedelta(days=age + 12), state, today)
            counters[requested.year] = counters.get(requested.year, 0) + 1
            when = Schedule(requested, i)
            received = when.received.astimezone(lab_zone()).date()
            day = when.first_point
            reached = FLOW.index(state) if state in FLOW else (1 if state == JobState.ON_HOLD else 0)
            iid, jid = inst_id + k, job_id + k
            inst = dict(tpl.instrument)
            inst.update(
                id=iid,
                enterprise_id=eid,
                serial_number=f"{(inst['model'] or 'SN').replace(' ', '')}-{i + 1:07d}",
                location=rng.choice(LOCATIONS),
                created_at=now,
                updated_at=None,
                last_calibrated_on=None,
                next_due_on=None,
            )
            if state == JobState.ISSUED:
                measured = received  # measured the afternoon it was received
                inst["last_calibrated_on"] = measured
                inst["next_due_on"] = measured + timedelta(days=365)
            else:
                inst["next_due_on"] = today + timedelta(days=rng.randrange(-30, 335))
            batch.instruments.append(inst)
            job = dict(tpl.job)
            job.update(
                id=jid,
                number=f"JOB-{requested.year}-{counters[requested.year]:05d}",
                enterprise_id=eid,
                instrument_id=iid,
                state=state,
                requested_on=requested,
                due_on=requested + timedelta(days=10),
                received_on=received if reached >= 1 else None,
                measured_on=None,
                technician_id=tech.id if reached >= 1 else None,
                reviewer_id=None,
                signatory_id=None,
                measured_by_id=tech.id if reached >= 3 else None,
                reviewed_by_id=reviewer.id if reached >= 4 else None,
                approved_by_id=signatory.id if reached >= 5 else None,
                held_from=JobState.RECEIVED if state == JobState.ON_HOLD else None,
                condition_on_arrival=tpl.job["condition_on_arrival"] if reached >= 1 else None,
                accessories=tpl.job["accessories"] if reached >= 1 else None,
                version=1 + reached,
                created_at=when.registered,
                updated_at=None,
            )
            batch.jobs.append(job)
            _history(batch, job, state, reached, when, tech, reviewer, signatory)
            if reached >= 2:
                points = tpl.measurements if reached >= 3 else tpl.measurements[:2]
                job["measured_on"] = received
                for m in points:
                    row = dict(m)
                    row.update(job_id=jid, saved_by_id=tech.id, created_at=now, updated_at=day)
                    batch.measurements.append(row)
                for w in tpl.weighing_rows(len(points)):
                    row = dict(w)
                    row.update(job_id=jid, saved_by_id=tech.id, created_at=now, updated_at=day)
                    batch.weighing.append(row)
                for std_id, role in tpl.standards:
                    batch.links.append(
                        {
                            "job_id": jid,
                            "standard_id": standard_map[std_id][i % len(standard_map[std_id])],
                            "role": role,
                        }
                    )
            if reached >= 5:
                signed = when.approved
                batch.signatures.append(
                    {
                        "job_id": jid,
                        "signer_id": signatory.id,
                        "printed_name": signer_name,
                        "meaning": "Phê duyệt: đã xem xét kết quả và cho phép ban hành",
                        "signed_at": signed,
                        "content_sha256": tpl.results_sha256,
                    }
                )
            if state == JobState.ISSUED:
                kind = job["kind"].value
                key, sha = pdfs[kind]
                prefix = "HC" if kind == "calibration" else "KĐ"
                batch.certificates.append(
                    {
                        "number": f"{prefix}-{requested.year}-{jid:07d}",
                        "job_id": jid,
                        "kind": job["kind"],
                        "status": CertificateStatus.VALID,
                        "revision": 0,
                        "replaces_id": None,
                        "amendment_reason": None,
                        "withdrawal_reason": None,
                        "issued_at": when.issued,
                        "issued_by_id": signatory.id,
                        "pdf_key": key,
                        "pdf_sha256": sha,
                        "dcc_key": None,
                        "dcc_sha256": None,
                        "created_at": now,
                    }
                )
        batch.write(out, ids)
    for year, last in counters.items():
        if session.get(JobCounter, year) is None:
            session.add(JobCounter(year=year, last_number=last))
        else:
            session.execute(update(JobCounter).where(JobCounter.year == year).values(last_number=last))
    chain.close()
    fix_sequences(
        session,
        (
            Enterprise,
            User,
            MeasurementStandard,
            StandardCalibration,
            CustomerInstrument,
            Job,
            Measurement,
            JobTransition,
            ElectronicSignature,
            Certificate,
            WeighingTest,
            AuditEntry,
        ),
    )
    session.flush()
    say("statistics (ANALYZE)")
    session.execute(text("ANALYZE"))
    return report
