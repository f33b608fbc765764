"""one certificate register: in-house certificate numbers unique, duplicates reported

Every certificate the lab issues, customer or in-house, is numbered from the register's counters; in-house
calibration certificates of the lab's own standards take the ``in_house`` counter and their own series
(``NB-2026-00001``), see docs/certificates.md "One register" (issue 16 item 5).

Before the constraint is added, the upgrade looks for numbers already used twice:

* two in-house calibrations (``standard_calibration`` issued by ``this_lab``) with one number;
* an in-house calibration whose number is also a customer certificate's number (``certificate.number``).

Issued certificates are never renumbered silently: when any is found the upgrade stops with
:class:`DuplicateCertificateNumbers`, whose message lists every number and the documents that carry it, and
the database stays at 0017. The lab resolves each one (an in-house certificate re-identified by a
replacement that names the old number, ISO/IEC 17025:2017 7.8.8) and runs the upgrade again.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 07:30:00
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")

INDEX = "uq_standard_calibration_in_house_number"
IN_HOUSE = sa.text("issuer_kind = 'this_lab'")


class DuplicateCertificateNumbers(RuntimeError):
    """Certificate numbers used twice were found; ``duplicates`` maps each number to its documents."""

    def __init__(self, duplicates: dict[str, list[str]]) -> None:
        self.duplicates = duplicates
        lines = [f"  {number}: " + "; ".join(documents) for number, documents in sorted(duplicates.items())]
        super().__init__(
            f"{len(duplicates)} certificate number(s) are used by more than one document; issued "
            "certificates are not renumbered automatically. Resolve each (re-identify the in-house "
            "certificate by a replacement that names the old number) and upgrade again:\n" + "\n".join(lines)
        )


def find_duplicates(connection: sa.Connection) -> dict[str, list[str]]:
    """Every number carried by two documents of this lab, with a description of each document."""
    found: dict[str, list[str]] = {}
    in_house = connection.execute(
        sa.text(
            "SELECT c.certificate_number, c.id, c.calibrated_on, s.asset_number "
            "FROM standard_calibration c JOIN measurement_standard s ON s.id = c.standard_id "
            "WHERE c.issuer_kind = 'this_lab' ORDER BY c.certificate_number, c.id"
        )
    ).all()
    by_number: dict[str, list[str]] = {}
    for number, cal_id, calibrated_on, asset in in_house:
        by_number.setdefault(number, []).append(
            f"in-house calibration #{cal_id} of standard {asset} ({calibrated_on})"
        )
    customer = connection.execute(
        sa.text("SELECT number, id, job_id FROM certificate ORDER BY number, id")
    ).all()
    customer_by_number: dict[str, list[str]] = {}
    for number, cert_id, job_id in customer:
        customer_by_number.setdefault(number, []).append(f"customer certificate #{cert_id} (job #{job_id})")
    for number, documents in by_number.items():
        others = customer_by_number.get(number, [])
        if len(documents) + len(others) > 1:
            found[number] = [*others, *documents]
    return found


def upgrade() -> None:
    duplicates = find_duplicates(op.get_bind())
    if duplicates:
        error = DuplicateCertificateNumbers(duplicates)
        log.error("%s", error)
        raise error
    op.create_index(
        INDEX,
        "standard_calibration",
        ["certificate_number"],
        unique=True,
        sqlite_where=IN_HOUSE,
        postgresql_where=IN_HOUSE,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="standard_calibration")
