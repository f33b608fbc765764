"""Procedures in the database: the shipped JSON files synchronised into the ``procedure`` table.

The JSON file is stored whole in ``Procedure.definition``; jobs keep the row (code and version) they were
measured with, so a later version never changes an old job's results (docs/procedures.md).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from certificates.metrology.point import IndicationKind
from lims.domain import procedures as dp
from lims.domain.procedure_files import load_procedures, procedure_definitions, version_key
from lims.errors import N_, LimsError, NotFound
from lims.models import JobKind, Procedure, Quantity

# Procedure files name their quantity in words; the register groups them in fields of measurement.
_QUANTITY = {
    "DC voltage": Quantity.ELECTRICAL,
    "AC voltage": Quantity.ELECTRICAL,
    "DC current": Quantity.ELECTRICAL,
    "resistance": Quantity.ELECTRICAL,
}


class UnknownProcedure(NotFound):
    template = N_("No procedure is known as %(code)s.")


class ProcedureWithdrawn(LimsError, ValueError):
    template = N_(
        "Procedure %(code)s version %(version)s is withdrawn: it stays for the jobs done with it, new jobs use "
        "version %(current)s."
    )


def require_current(session: Session, row: Procedure) -> None:
    """Refuse a withdrawn version for new work (:class:`ProcedureWithdrawn` names the version to use)."""
    if not row.is_active:
        try:
            current = latest_procedure(session, row.code).version
        except UnknownProcedure:
            current = "—"
        raise ProcedureWithdrawn(code=row.code, version=row.version, current=current)


def _quantity(text: str) -> Quantity:
    if text in _QUANTITY:
        return _QUANTITY[text]
    try:
        return Quantity(text)
    except ValueError:
        return Quantity.OTHER


def sync_procedures(session: Session, directory: Path | None = None) -> list[Procedure]:
    """Insert the procedure files not yet in the table (each version once); return every row synchronised.

    A version already stored is never rewritten: jobs rely on it. A file marked ``superseded_by`` withdraws
    its version from new work (``is_active`` false, stored or new row; never set back): its jobs keep it and
    still display, its certificates stay valid. Files are validated first
    (:func:`lims.domain.procedure_files.load_procedures` raises naming the file and field at fault).
    """
    load_procedures(directory)  # validates every file, and that (code, version) pairs are unique
    rows = []
    for _name, data in procedure_definitions(directory):
        proc = dp.procedure_from_dict(data)
        row = session.scalar(
            select(Procedure).where(Procedure.code == proc.code, Procedure.version == proc.version)
        )
        if row is None:
            row = Procedure(
                code=proc.code,
                version=proc.version,
                title_vi=proc.title_vi,
                title_en=proc.title_en,
                quantity=_quantity(proc.quantity),
                kind=JobKind(proc.kind.value),
                definition=data,
            )
            session.add(row)
        if proc.superseded_by is not None and row.is_active is not False:
            row.is_active = False
        rows.append(row)
    session.flush()
    return rows


def list_procedures(session: Session, *, active_only: bool = True) -> list[Procedure]:
    stmt = select(Procedure).order_by(Procedure.code, Procedure.id)
    if active_only:
        stmt = stmt.where(Procedure.is_active.is_(True))
    return list(session.scalars(stmt))


def latest_procedures(session: Session) -> list[Procedure]:
    """The newest active version of every procedure (an earlier version stays for the jobs done with it, not
    for new work), in code order."""
    latest: dict[str, Procedure] = {}
    for row in list_procedures(session):
        if row.code not in latest or version_key(row.version) > version_key(latest[row.code].version):
            latest[row.code] = row
    return list(latest.values())


def latest_procedure(session: Session, code: str) -> Procedure:
    """The newest active version of ``code``."""
    rows = [r for r in list_procedures(session) if r.code == code]
    if not rows:
        raise UnknownProcedure(code=code)
    return max(rows, key=lambda r: version_key(r.version))


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> dp.Procedure:
    return dp.procedure_from_dict(json.loads(text))


def domain_procedure(row: Procedure) -> dp.Procedure:
    """The validated procedure of a row (parsed once per distinct definition)."""
    return _parsed(json.dumps(row.definition, sort_keys=True))


def indication_kind(row: Procedure | None) -> IndicationKind:
    """What the indication of the procedure's point results holds (:attr:`dp.Procedure.indication_kind`);
    a job without a procedure has plain indications."""
    return IndicationKind.MEAN if row is None else domain_procedure(row).indication_kind


def summary(row: Procedure) -> dict[str, Any]:
    """What ``lims procedures list --json`` prints for a row."""
    proc = domain_procedure(row)
    return {
        "code": row.code,
        "version": row.version,
        "quantity": proc.quantity,
        "unit": proc.unit,
        "kind": row.kind.value,
        "title": row.title_en,
        "title_vi": row.title_vi,
        "withdrawn": not row.is_active,
    }
