"""One certificate register (issue 16 item 5): in-house calibrations are numbered by the register's counter
in their own series, and no number is ever used twice (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lims.domain.traceability import IssuerKind
from lims.models import Certificate, JobKind, StandardCalibration
from lims.services.common.register_numbers import number_in_use
from lims.services.standards.calibrations import CalibrationInput, add_calibration
from lims.services.standards.standards import StandardError
from tests.factories import make_calibration, make_job, make_standard, make_user


def _in_house(standard_id: int, source_id: int, number: str = "") -> CalibrationInput:
    return CalibrationInput(
        standard_id=standard_id,
        calibrated_on=date(2026, 3, 2),
        certificate_number=number,
        issuer_kind=IssuerKind.THIS_LAB,
        issuer_name="Trung tâm Đo lường",
        issued_on=date(2026, 3, 3),
        valid_until=date(2027, 3, 1),
        points_text="1000 g 0.0015 2 0.0004\n20000 g 0.03 2",
        source_ids=(source_id,),
    )


def test_in_house_calibrations_take_numbers_from_the_register_in_their_own_series(session: Session) -> None:
    reference = make_standard(session)
    make_calibration(
        session, reference, points=[{"value": 1000, "unit": "g", "expanded_uncertainty": 0.0002}]
    )
    first, second = make_standard(session), make_standard(session)
    a = add_calibration(session, _in_house(first.id, reference.id))
    b = add_calibration(session, _in_house(second.id, reference.id))
    assert (a.certificate_number, b.certificate_number) == ("NB-2026-00001", "NB-2026-00002")
    assert number_in_use(session, "NB-2026-00001") == "in_house"
    # the table of points keeps k and the stated correction
    assert a.points[0] == {
        "value": 1000.0,
        "unit": "g",
        "expanded_uncertainty": 0.0015,
        "k": 2.0,
        "correction": 0.0004,
    }


def test_a_typed_number_for_an_in_house_calibration_is_refused(session: Session) -> None:
    reference, working = make_standard(session), make_standard(session)
    make_calibration(session, reference)
    with pytest.raises(StandardError, match="register"):
        add_calibration(session, _in_house(working.id, reference.id, number="HC-2026-00003"))


def test_a_customer_certificate_number_is_in_use_for_both_kinds(session: Session) -> None:
    job = make_job(session)
    session.add(
        Certificate(
            number="HC-2026-00003",
            job_id=job.id,
            kind=JobKind.CALIBRATION,
            issued_at=datetime(2026, 3, 1, tzinfo=UTC),
            issued_by_id=make_user(session).id,
        )
    )
    session.flush()
    assert number_in_use(session, "HC-2026-00003") == "certificate"
    assert number_in_use(session, "NB-2026-00099") is None


def test_the_database_refuses_two_in_house_certificates_with_one_number(session: Session) -> None:
    one, two = make_standard(session), make_standard(session)
    make_calibration(
        session, one, certificate_number="NB-2026-00007", issuer_kind=IssuerKind.THIS_LAB, issuer_name="Lab"
    )
    # an external issuer's number may repeat (two issuers, two series); this lab's may not
    make_calibration(session, two, certificate_number="NB-2026-00007")
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(
            StandardCalibration(
                standard_id=two.id,
                calibrated_on=date(2026, 1, 1),
                certificate_number="NB-2026-00007",
                issuer_kind=IssuerKind.THIS_LAB,
                issuer_name="Lab",
                issued_on=date(2026, 1, 1),
                valid_until=date(2027, 1, 1),
                points=[],
            )
        )
        session.flush()


def test_an_external_certificate_keeps_its_issuers_number_which_is_required(session: Session) -> None:
    from dataclasses import replace

    standard = make_standard(session)
    external = replace(
        _in_house(standard.id, standard.id),
        issuer_kind=IssuerKind.NATIONAL_METROLOGY_INSTITUTE,
        issuer_name="Viện Đo lường Việt Nam",
        source_ids=(),
    )
    with pytest.raises(StandardError, match="issuer's certificate"):
        add_calibration(session, external)
    assert add_calibration(
        session, replace(external, certificate_number="V01.2026.0007")
    ).certificate_number == ("V01.2026.0007")
