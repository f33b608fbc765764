"""Shared set-up of the portal's web tests: a lab with procedures, certificates stored with real bytes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from certificates.bundle import issue_files
from certificates.examples import example_calibration
from lims.models import Certificate, CertificateStatus, Job, JobKind, Role
from lims.services.common.storage import open_storage
from tests.factories import make_user


def make_certificate(
    app: Flask,
    session: Session,
    job: Job,
    number: str,
    *,
    status: CertificateStatus = CertificateStatus.VALID,
) -> tuple[Certificate, Any]:
    """A certificate row of ``job`` whose PDF and DCC are real renderings stored through the storage."""
    files = issue_files(example_calibration(3, number=number), invariant=True)
    storage = open_storage(app.config["SETTINGS"], session)
    safe = files.pdf_sha256[:16]
    storage.put(f"certificates/{safe}.pdf", files.pdf, "application/pdf")
    storage.put(f"certificates/{safe}.xml", files.dcc, "application/xml")
    issuer = make_user(session, Role.SIGNATORY)
    cert = Certificate(
        number=number,
        job_id=job.id,
        kind=JobKind.CALIBRATION,
        status=status,
        issued_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        issued_by_id=issuer.id,
        pdf_key=f"certificates/{safe}.pdf",
        pdf_sha256=files.pdf_sha256,
        dcc_key=f"certificates/{safe}.xml",
        dcc_sha256=files.dcc_sha256,
    )
    session.add(cert)
    session.flush()
    return cert, files
