"""A small world for API tests: two enterprises with instruments, jobs and issued certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from certificates.metrology import CoverageDistribution, PointResult
from certificates.metrology.codec import encode
from lims.models import Certificate, Enterprise, Job, JobKind, JobState, Measurement, Role, User
from lims.services.access import api_tokens
from lims.services.common.storage import detached_signature_key, open_storage, sha256_hex
from tests.factories import make_enterprise, make_instrument, make_job, make_lab, make_user

# A 200 g point: error 0.01 g with U = 0.0123 g (k = 2) → reported 0.010 g ± 0.012 g (GUM 7.2.6)
POINT = PointResult(
    quantity="mass",
    unit="g",
    nominal=Decimal("200"),
    reference_value=Decimal("200"),
    indication=Decimal("200.01"),
    error=Decimal("0.01"),
    standard_uncertainty=Decimal("0.00615"),
    effective_dof=None,
    coverage_factor=Decimal("2"),
    coverage_probability=Decimal("0.9545"),
    distribution=CoverageDistribution.NORMAL,
    expanded_uncertainty=Decimal("0.0123"),
)

P7S = b"0\x82\x01\x00 detached CMS of side "
PDF = b"%PDF-1.7\n% test certificate\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def token_for(session: Session, user: User, *scopes: str, days: int = 30, name: str = "test") -> str:
    created = api_tokens.create_token(
        session, user, api_tokens.NewToken(name, days, scopes or (str(api_tokens.Scope.READ),))
    )
    session.commit()
    return created.secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class Side:
    enterprise: Enterprise
    customer: User
    token: str
    instrument_id: int
    job: Job
    certificate: Certificate
    pdf: bytes
    dcc: bytes


def _side(session: Session, app: Flask, label: str) -> Side:
    lab = make_lab(session)
    enterprise = make_enterprise(session)
    customer = make_user(session, Role.CUSTOMER, enterprise_id=enterprise.id)
    instrument = make_instrument(session, enterprise)
    job = make_job(session, lab=lab, enterprise=enterprise, instrument=instrument, state=JobState.ISSUED)
    session.add(
        Measurement(
            job_id=job.id, point_index=0, nominal=Decimal(100), unit="g", readings=["100.01", "100.02"], result={}
        )
    )
    session.add(
        Measurement(
            job_id=job.id,
            point_index=1,
            nominal=Decimal(200),
            unit="g",
            readings=["200.01"],
            result=encode(POINT),
        )
    )
    pdf = PDF.replace(b"test", label.encode())
    dcc = (
        f'<?xml version="1.0" encoding="UTF-8"?><dcc:digitalCalibrationCertificate side="{label}"/>'.encode()
    )
    storage = open_storage(app.config["SETTINGS"], session)
    number = f"HC-2026-{job.id:05d}"
    storage.put(f"certificates/{number}.pdf", pdf, "application/pdf")
    storage.put(f"certificates/{number}.xml", dcc, "application/xml")
    # the DCC's detached signature beside it, as issuing stores it (lims.services.certificates.issue)
    storage.put(detached_signature_key(f"certificates/{number}.xml"), P7S + label.encode(),
                "application/pkcs7-signature")
    certificate = Certificate(
        number=number,
        job_id=job.id,
        kind=JobKind.CALIBRATION,
        issued_at=datetime(2026, 3, 2, tzinfo=UTC),
        issued_by_id=make_user(session, Role.SIGNATORY).id,
        pdf_key=f"certificates/{number}.pdf",
        pdf_sha256=sha256_hex(pdf),
        dcc_key=f"certificates/{number}.xml",
        dcc_sha256=sha256_hex(dcc),
    )
    session.add(certificate)
    session.commit()
    return Side(
        enterprise,
        customer,
        token_for(session, customer, "read", "write"),
        instrument.id,
        job,
        certificate,
        pdf,
        dcc,
    )


@dataclass
class World:
    a: Side
    b: Side
    staff: User
    staff_token: str


@pytest.fixture
def world(app: Flask, session: Session) -> World:
    a = _side(session, app, "A")
    b = _side(session, app, "B")
    staff = make_user(session, Role.TECHNICIAN)
    return World(a, b, staff, token_for(session, staff, "read", "bench"))
