"""Scope and CMC (issue 16 item 6): every row belongs to a procedure, and no row claims less than the
uncertainty its procedure's own standards realise (SQLite and PostgreSQL)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from lims.models import JobKind, JobStandard, Procedure, Quantity
from lims.services.standards.capabilities import CmcError, CmcInput, save_cmc, unrealisable
from tests.factories import make_calibration, make_job, make_lab, make_standard


def _procedure(session: Session, code: str = "CAL-DMM-DCV-T", unit: str = "V") -> Procedure:
    proc = Procedure(
        code=code,
        version="1.0",
        title_vi="Thử",
        title_en="Test",
        quantity=Quantity.ELECTRICAL,
        kind=JobKind.CALIBRATION,
        definition={"code": code, "quantity": "DC voltage", "unit": unit},
    )
    session.add(proc)
    session.flush()
    return proc


def _row(lab_id: int, **over: object) -> CmcInput:
    values: dict[str, object] = {
        "lab_id": lab_id,
        "quantity": "DC voltage",
        "unit": "V",
        "range_min": Decimal(0),
        "range_max": Decimal(20),
        "fixed_uncertainty": None,
        "a": Decimal("0.00001"),
        "b": Decimal("0.000005"),
        "procedure_code": "CAL-DMM-DCV-T",
        "accredited": True,
    }
    values.update(over)
    return CmcInput(**values)  # type: ignore[arg-type]


def _calibrator_in_a_job(session: Session, lab_id: int) -> None:
    proc = _procedure(session)
    calibrator = make_standard(session, lab_id=lab_id, unit="V", quantity=Quantity.ELECTRICAL)
    # the calibrator's certificate: 40 µV from 0 V to 20 V
    make_calibration(
        session,
        calibrator,
        points=[
            {"value": 0, "unit": "V", "expanded_uncertainty": 0.00004, "k": 2},
            {"value": 20000, "unit": "mV", "expanded_uncertainty": 0.04, "k": 2},
        ],
    )
    job = make_job(session, procedure_id=proc.id)
    session.add(JobStandard(job_id=job.id, standard_id=calibrator.id, role="calibrator"))
    session.flush()


def test_a_cmc_smaller_than_the_calibrators_certificate_is_refused(session: Session) -> None:
    lab = make_lab(session)
    _calibrator_in_a_job(session, lab.id)
    # 10 µV + 5e-6 × 2 V = 20 µV at 2 V (and 10 µV at 0 V) against the calibrator's 40 µV
    with pytest.raises(CmcError) as info:
        save_cmc(session, _row(lab.id))
    assert "0 V" in str(info.value) and "4e-05" in str(info.value)
    # 40 µV + 5e-6·x is never below 40 µV: accepted
    row = save_cmc(session, _row(lab.id, a=Decimal("0.00004")))
    assert unrealisable(session, row) == []


def test_a_row_names_its_procedure_in_the_procedures_unit(session: Session) -> None:
    lab = make_lab(session)
    _procedure(session)
    with pytest.raises(CmcError, match="procedure"):
        save_cmc(session, _row(lab.id, procedure_code=""))
    with pytest.raises(CmcError, match="measures in V"):
        save_cmc(session, _row(lab.id, unit="g"))
    # mV is a unit of the procedure's dimension
    assert save_cmc(session, _row(lab.id, unit="mV", range_max=Decimal(100), a=Decimal("0.001"))).unit == "mV"
