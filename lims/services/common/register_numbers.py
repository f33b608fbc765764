"""The certificate register's counters: one place that hands out the numbers of every certificate the lab
issues, customer or in-house (ISO/IEC 17025:2017 7.8.2.1 d, unique identification; issue 16 item 5).

Customer certificates take their kind's counter (``calibration``, ``verification``) and in-house calibration
certificates of the lab's own standards take the ``in_house`` counter with their own series
(:data:`lims.domain.numbering.DEFAULT_IN_HOUSE_PATTERN`, ``NB-2026-00001``), so the two can never collide
(docs/certificates.md, "One register"). Before a number is handed out it is looked up among both kinds of
document: a number used once is never used again.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lims.domain.numbering import NumberPattern
from lims.domain.traceability import IssuerKind
from lims.models import Certificate, CertificateCounter, StandardCalibration

IN_HOUSE_COUNTER = "in_house"


def take_number(session: Session, counter_kind: str, pattern: NumberPattern, year: int) -> str:
    """The next number of ``counter_kind`` in ``year`` under ``pattern``, without gaps.

    The counter row (kind, year — 0 when the pattern shows no year) is locked with ``SELECT … FOR UPDATE``
    (PostgreSQL; SQLite serialises writers), so concurrent issues wait for each other and never share a
    number; a rolled-back issue gives its number back. The caller checks :func:`number_in_use`.
    """
    counter_year = year if pattern.has_year else 0
    query = (
        select(CertificateCounter)
        .where(CertificateCounter.kind == counter_kind, CertificateCounter.year == counter_year)
        .with_for_update()
    )
    counter = session.scalar(query)
    if counter is None:
        try:
            with session.begin_nested():
                counter = CertificateCounter(kind=counter_kind, year=counter_year, last_number=0)
                session.add(counter)
        except IntegrityError:
            counter = session.scalar(query.execution_options(populate_existing=True))
            assert counter is not None
    counter.last_number += 1
    session.flush()
    return pattern.format(year=year, seq=counter.last_number)


def number_in_use(session: Session, number: str) -> str | None:
    """What already carries ``number``: ``"certificate"`` (a customer certificate), ``"in_house"`` (an
    in-house calibration certificate of a standard), or ``None``."""
    if session.scalar(select(Certificate.id).where(Certificate.number == number)) is not None:
        return "certificate"
    in_house = select(StandardCalibration.id).where(
        StandardCalibration.certificate_number == number,
        StandardCalibration.issuer_kind == IssuerKind.THIS_LAB,
    )
    if session.scalar(in_house) is not None:
        return "in_house"
    return None
