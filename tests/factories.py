"""Typed factories: keyword overrides, ``session.flush()``, return the model."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from lims.domain.taxcode import check_digit
from lims.models import CustomerInstrument, Enterprise, Job, JobKind, JobState, Lab, Role, User
from lims.services.access.accounts import NewUser, create_user

PASSWORD = "Test#Password2026"
_seq = itertools.count(1)


def valid_tax_code(seed: int | None = None) -> str:
    """A fresh valid tax code; every candidate draws a new number, so two calls never collide."""
    n = next(_seq) if seed is None else seed
    while True:
        nine = f"01{(7000000 + n) % 10_000_000:07d}"
        digit = check_digit(nine)
        if digit is not None:
            return nine + str(digit)
        n = next(_seq) if seed is None else n + 1


def make_lab(session: Session, **over: Any) -> Lab:
    n = next(_seq)
    lab = Lab(
        **{
            "code": f"LAB{n}",
            "name_vi": "Phòng thí nghiệm thử",
            "name_en": "Test lab",
            "address": "Hà Nội",
            **over,
        }
    )
    session.add(lab)
    session.flush()
    return lab


def make_enterprise(session: Session, **over: Any) -> Enterprise:
    n = next(_seq)
    ent = Enterprise(
        **{"name": f"Công ty Thử nghiệm {n}", "tax_code": valid_tax_code(), "address": "Hà Nội", **over}
    )
    session.add(ent)
    session.flush()
    return ent


def make_user(session: Session, role: Role = Role.TECHNICIAN, **over: Any) -> User:
    n = next(_seq)
    enterprise_id = over.pop("enterprise_id", None)
    if role == Role.CUSTOMER and enterprise_id is None:
        enterprise_id = make_enterprise(session).id
    fields: dict[str, Any] = {
        "username": f"{role.value}{n}",
        "full_name": f"Người dùng {n}",
        "role": role,
        "password": PASSWORD,
        "enterprise_id": enterprise_id,
        **over,
    }
    return create_user(session, NewUser(**fields))


def make_instrument(session: Session, enterprise: Enterprise, **over: Any) -> CustomerInstrument:
    n = next(_seq)
    inst = CustomerInstrument(
        **{
            "enterprise_id": enterprise.id,
            "instrument_type": "Cân kỹ thuật",
            "serial_number": f"SN-{n}",
            "unit": "g",
            "range_min": Decimal(0),
            "range_max": Decimal(3200),
            "resolution": Decimal("0.01"),
            "next_due_on": date.today() + timedelta(days=100),
            **over,
        }
    )
    session.add(inst)
    session.flush()
    return inst


def make_job(session: Session, **over: Any) -> Job:
    n = next(_seq)
    lab = over.pop("lab", None) or make_lab(session)
    enterprise = over.pop("enterprise", None) or make_enterprise(session)
    instrument = over.pop("instrument", None) or make_instrument(session, enterprise)
    job = Job(
        **{
            "number": f"CV-2026-{n:05d}",
            "lab_id": lab.id,
            "enterprise_id": enterprise.id,
            "instrument_id": instrument.id,
            "kind": JobKind.CALIBRATION,
            "state": JobState.RECEIVED,
            "requested_on": date.today(),
            **over,
        }
    )
    session.add(job)
    session.flush()
    return job


def make_standard(session: Session, **over: Any) -> Any:
    from lims.models import MeasurementStandard, Quantity, StandardLevel

    n = next(_seq)
    lab_id = over.pop("lab_id", None) or make_lab(session).id
    std = MeasurementStandard(
        **{
            "lab_id": lab_id,
            "asset_number": f"STD-{n}",
            "name": f"Chuẩn {n}",
            "quantity": Quantity.MASS,
            "unit": "g",
            "level": StandardLevel.WORKING,
            **over,
        }
    )
    session.add(std)
    session.flush()
    return std


def make_calibration(session: Session, standard: Any, **over: Any) -> Any:
    from lims.domain.traceability import IssuerKind
    from lims.models import StandardCalibration, StandardCalibrationSource

    n = next(_seq)
    sources = over.pop("sources", ())
    calibrated_on = over.pop("calibrated_on", date(2025, 1, 10))
    as_found = {key: over.pop(f"as_found_{key}") for key in ("error", "limit", "unit") if f"as_found_{key}" in over}
    cal = StandardCalibration(
        **{
            "standard_id": standard.id,
            "calibrated_on": calibrated_on,
            "certificate_number": f"V{n}",
            "issuer_kind": IssuerKind.NATIONAL_METROLOGY_INSTITUTE,
            "issuer_name": "Viện Đo lường Việt Nam",
            "issued_on": calibrated_on + timedelta(days=3),
            "valid_until": calibrated_on + timedelta(days=365),
            "points": [{"value": 1000, "unit": "g", "expanded_uncertainty": 0.0016, "k": 2}],
            "file_sha256": "0" * 64,
            **over,
        }
    )
    session.add(cal)
    session.flush()
    for source in sources:
        session.add(StandardCalibrationSource(calibration_id=cal.id, standard_id=source.id))
    if as_found:  # as_found_error, as_found_limit, as_found_unit: the calibration's result before adjustment
        from lims.models import CalibrationAsFound

        cal.as_found = CalibrationAsFound(calibration_id=cal.id, **as_found)
    session.flush()
    return cal


_issued_files_cache: dict[tuple[str, str], Any] = {}


def issued_files(number: str, *, variant: str = "") -> Any:
    """Real certificate files (PDF with embedded DCC, DCC) for ``number``, rendered once per test run.

    ``variant`` changes the rendered data (the customer's name), so two revisions get different bytes."""
    from dataclasses import replace

    from certificates.bundle import issue_files
    from certificates.examples import example_calibration

    cache_key = (number, variant)
    if cache_key not in _issued_files_cache:
        data = example_calibration(3, number=number)
        if variant:
            data = replace(data, remarks=(*data.remarks, _text(variant)))
        _issued_files_cache[cache_key] = issue_files(data, software_release="test", invariant=True)
    return _issued_files_cache[cache_key]


def _text(value: str) -> Any:
    from certificates.wording import Text

    return Text(value, value)


def make_certificate(
    session: Session,
    job: Job | None = None,
    *,
    storage: Any = None,
    pdf: bytes | None = None,
    dcc: bytes | None = None,
    **over: Any,
) -> Any:
    """An issued certificate row. With ``storage``, real files are stored through it (``pdf``/``dcc``
    if given, else rendered by ``issued_files``) and their keys and SHA-256 recorded."""
    from datetime import UTC, datetime

    from lims.models import Certificate, CertificateStatus
    from lims.services.common.storage import sha256_hex

    n = next(_seq)
    job = job or make_job(session, state=JobState.ISSUED)
    number = over.pop("number", None) or f"HC-2026-{90000 + n:05d}"
    issued_by_id = over.pop("issued_by_id", None) or make_user(session, Role.SIGNATORY).id
    fields: dict[str, Any] = {
        "number": number,
        "job_id": job.id,
        "kind": job.kind,
        "status": CertificateStatus.VALID,
        "revision": 0,
        "issued_at": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        "issued_by_id": issued_by_id,
        **over,
    }
    if storage is not None:
        if pdf is None or dcc is None:
            files = issued_files(number, variant=str(fields.get("revision") or ""))
            pdf = files.pdf if pdf is None else pdf
            dcc = files.dcc if dcc is None else dcc
        stored_pdf = storage.put(f"certificates/{sha256_hex(pdf)}.pdf", pdf, "application/pdf")
        stored_dcc = storage.put(f"certificates/{sha256_hex(dcc)}.xml", dcc, "application/xml")
        fields.update(
            pdf_key=stored_pdf.key,
            pdf_sha256=stored_pdf.sha256,
            dcc_key=stored_dcc.key,
            dcc_sha256=stored_dcc.sha256,
        )
    certificate = Certificate(**fields)
    session.add(certificate)
    session.flush()
    return certificate


def authorise_all_procedures(session: Session) -> User:
    """A technician authorised to perform every synced procedure (a request's capability review needs one)."""
    from lims.domain.authorisation import AuthorisedRole
    from lims.services.access import authorisations
    from lims.services.jobs.procedures import list_procedures

    tech = make_user(session, Role.TECHNICIAN)
    for code in sorted({p.code for p in list_procedures(session)}):
        authorisations.grant(
            session,
            authorisations.Grant(tech.id, code, AuthorisedRole.PERFORM, date(2025, 1, 1), "training record TR-9"),
        )
    return tech
