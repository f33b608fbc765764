"""A worker killed with SIGKILL while it issues a certificate (issue #10 item 4): afterwards there is either a
complete issued certificate or none at all — no number burnt, no half record, no stray stored file.

The worker is a separate process with its own connection, as a gunicorn worker is. It issues a certificate
for an approved job and stops at one of three points, tells the parent through a pipe what it holds so far,
and sleeps until the parent kills it with ``SIGKILL`` (no ``finally``, no rollback, no clean disconnect):

* ``stored``: inside the issuing transaction, after the number was taken (counter row locked and
  incremented), the job moved to issued, and the PDF, DCC and label sheet were written to the database
  storage — the last ``put`` is the hook;
* ``flushed``: ``issue_certificate`` returned (the certificate row is flushed) but the worker has not
  committed;
* ``committed``: the worker committed.

The kernel closes the dead worker's socket, PostgreSQL rolls back whatever it had not committed and releases
its row locks. A fresh connection then checks ISO/IEC 17025:2017 7.8.2.1 d (a unique identification of every
report, numbers without gaps) and 7.8.8 (an issued report's bytes never change): before commit nothing is left
and issuing again takes the same number; after commit the certificate and its three stored files are whole.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import time
import traceback
from typing import Any

import pytest
from sqlalchemy import func, select, text

from lims.db import Database, make_engine
from lims.models import Certificate, CertificateCounter, Job, JobState, StoredFile, User
from lims.services.certificates.issue import issue_certificate, stored_bytes
from lims.services.common.storage import DatabaseStorage, StoredObject, detached_signature_key
from lims.services.records import audit
from tests.faults.conftest import PgServer
from tests.services import certsetup

FIRST_NUMBER = "HC-2025-00001"  # the default calibration pattern, seq 1 (certsetup issues in 2025)
SLEEP_S = 600  # the worker never wakes up on its own: the parent kills it long before


def _issuing_worker(
    url: str, application_name: str, job_id: int, user_id: int, stage: str, conn: Any
) -> None:
    """Issue the certificate of ``job_id``, report at ``stage`` and sleep until killed."""
    db = Database(make_engine(url, connect_args={"application_name": application_name}))
    audit.install(db.sessionmaker)
    stored: list[StoredObject] = []

    def hold(number: str | None) -> None:
        conn.send(("holding", number, [s.key for s in stored]))
        time.sleep(SLEEP_S)
        conn.send(("woke up", None, []))  # reached only if the parent failed to kill us

    class HoldingStorage(DatabaseStorage):
        def put(self, key: str, data: bytes, content_type: str) -> StoredObject:
            obj = super().put(key, data, content_type)
            stored.append(obj)
            if stage == "stored" and key.endswith(".labels.pdf"):
                self.session.flush()
                number = self.session.scalar(select(CertificateCounter.last_number))
                hold(f"seq {number}")
            return obj

    try:
        with db.session() as session:
            user = session.get_one(User, user_id)
            cert = issue_certificate(
                session,
                job_id,
                user,
                storage=HoldingStorage(session),
                settings=certsetup.SETTINGS,
                now=certsetup.ISSUED_AT,
            )
            if stage == "flushed":
                hold(cert.number)
            session.commit()
            hold(cert.number)
    except BaseException:
        conn.send(("crash", traceback.format_exc(), []))
        raise


def _backends(pg: PgServer, application_name: str) -> list[str]:
    with pg.admin.connect() as conn:
        return list(
            conn.execute(
                text("SELECT state FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application_name},
            ).scalars()
        )


def _kill_while_issuing(pg: PgServer, stage: str) -> tuple[int, int, tuple[str, Any, list[str]]]:
    """Set up an approved job, start a worker issuing it, SIGKILL it at ``stage``; wait until PostgreSQL
    has ended the worker's backend. Returns the job id, the signatory id and what the worker reported."""
    db = Database.from_url(pg.url)
    audit.install(db.sessionmaker)
    with db.session() as session:
        setup = certsetup.lab(session)
        job_id = certsetup.approved_job(session, setup, "CAL-DMM-DCV").id
        signatory_id = setup.signatory.id
        session.commit()
    db.engine.dispose()

    name = f"{pg.application_name}-w"
    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe(duplex=False)
    worker = context.Process(
        target=_issuing_worker, args=(pg.url, name, job_id, signatory_id, stage, child_end), daemon=True
    )
    worker.start()
    child_end.close()
    try:
        assert parent_end.poll(180), "the worker did not reach the hold point"
        report = parent_end.recv()
        assert report[0] == "holding", report
        states = _backends(pg, name)
        if stage == "committed":
            assert states in ([], ["idle"]), states
        else:  # the issuing transaction is open, waiting for the client
            assert states == ["idle in transaction"], states
        os.kill(worker.pid, signal.SIGKILL)  # type: ignore[arg-type]
        worker.join(30)
        assert worker.exitcode == -signal.SIGKILL
    finally:
        if worker.is_alive():
            worker.kill()
            worker.join(10)
        parent_end.close()
    deadline = time.monotonic() + 30
    while _backends(pg, name):  # the server notices the closed socket and rolls back
        assert time.monotonic() < deadline, "PostgreSQL kept the dead worker's backend"
        time.sleep(0.1)
    return job_id, signatory_id, report


def _assert_complete(session: Any, cert: Certificate) -> None:
    """The certificate row, its four stored files (PDF, DCC, the DCC's .p7s, labels) and their SHA-256, and
    the job issued under its number."""
    storage = DatabaseStorage(session)
    for fmt, digest in (("pdf", cert.pdf_sha256), ("dcc", cert.dcc_sha256), ("labels", cert.labels_sha256)):
        data = stored_bytes(storage, cert, fmt)  # get() itself re-checks the catalogue's SHA-256
        assert digest and hashlib.sha256(data).hexdigest() == digest, fmt
    assert stored_bytes(storage, cert, "pdf").startswith(b"%PDF-")
    assert b"digitalCalibrationCertificate" in stored_bytes(storage, cert, "dcc")
    job = session.get_one(Job, cert.job_id)
    assert job.state == JobState.ISSUED
    referenced = {cert.pdf_key, cert.dcc_key, detached_signature_key(cert.dcc_key), cert.labels_key}
    assert set(session.scalars(select(StoredFile.key).where(StoredFile.key.like("issued/%")))) == referenced


@pytest.mark.postgres
@pytest.mark.parametrize("stage", ["stored", "flushed"])
def test_worker_killed_before_commit_leaves_no_certificate_and_no_burnt_number(
    pg_server: PgServer, stage: str
) -> None:
    job_id, signatory_id, (_, held, keys) = _kill_while_issuing(pg_server, stage)
    assert held == ("seq 1" if stage == "stored" else FIRST_NUMBER)
    assert len(keys) == 4 and all(k.startswith("issued/calibration/") for k in keys)

    fresh = Database.from_url(pg_server.url)  # a new engine: nothing cached from before the kill
    audit.install(fresh.sessionmaker)
    try:
        with fresh.session() as session:
            assert session.scalar(select(func.count()).select_from(Certificate)) == 0
            assert session.get_one(Job, job_id).state == JobState.APPROVED
            assert session.scalar(select(func.count()).select_from(CertificateCounter)) == 0  # not advanced
            # The files the dead transaction wrote are gone with it: no orphan bytes, no catalogue rows.
            assert (
                session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.key.in_(keys)))
                == 0
            )
            assert (
                session.scalar(
                    select(func.count()).select_from(StoredFile).where(StoredFile.key.like("issued/%"))
                )
                == 0
            )

            # Issuing again works and takes the number the dead worker had: no gap.
            signatory = session.get_one(User, signatory_id)
            cert = issue_certificate(
                session,
                job_id,
                signatory,
                storage=DatabaseStorage(session),
                settings=certsetup.SETTINGS,
                now=certsetup.ISSUED_AT,
            )
            session.commit()
            assert cert.number == FIRST_NUMBER
        with fresh.session() as session:
            cert = session.scalars(select(Certificate)).one()
            assert cert.number == FIRST_NUMBER
            assert session.scalar(select(CertificateCounter.last_number)) == 1
            _assert_complete(session, cert)
    finally:
        fresh.engine.dispose()


@pytest.mark.postgres
def test_worker_killed_after_commit_leaves_a_complete_certificate(pg_server: PgServer) -> None:
    job_id, _signatory_id, (_, held, keys) = _kill_while_issuing(pg_server, "committed")
    assert held == FIRST_NUMBER
    fresh = Database.from_url(pg_server.url)
    try:
        with fresh.session() as session:
            cert = session.scalars(select(Certificate)).one()
            assert (cert.number, cert.job_id) == (FIRST_NUMBER, job_id)
            assert {cert.pdf_key, cert.dcc_key, detached_signature_key(cert.dcc_key), cert.labels_key} == set(keys)
            assert session.scalar(select(CertificateCounter.last_number)) == 1
            _assert_complete(session, cert)
    finally:
        fresh.engine.dispose()
