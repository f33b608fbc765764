"""Traceability of certificates and standards, resolved from the database.

One recursive query finds every standard reachable from the subject, following at each standard the
calibration relied on at the date of use (the latest one not after that date) and the standards that
calibration used; the records found are then loaded in three queries and handed to the pure rules of
:mod:`lims.domain.traceability`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, bindparam, select, text
from sqlalchemy.orm import Session

from lims.domain import traceability as tr
from lims.domain.calibration_points import CalibrationPoint
from lims.domain.traceability_memory import InMemoryGraph
from lims.errors import N_, NotFound
from lims.models import (
    Certificate,
    Job,
    JobReferenceMaterial,
    JobStandard,
    MeasurementStandard,
    ReferenceMaterial,
    StandardCalibration,
    StandardCalibrationSource,
    StandardStatusChange,
)

MAX_DEPTH = 32


class UnknownSubject(NotFound):
    template = N_("No certificate or standard is known as %(ident)s.")


def _reachable_sql(dialect: str, count: int) -> str:
    start = ":on" if dialect == "sqlite" else "CAST(:on AS DATE)"
    ids = ", ".join(f":s{i}" for i in range(count))
    return f"""
WITH RECURSIVE walk(standard_id, on_date, depth) AS (
    SELECT id, {start}, 0 FROM measurement_standard WHERE id IN ({ids})
  UNION
    SELECT src.standard_id, c.calibrated_on, w.depth + 1
    FROM walk w
    JOIN standard_calibration c ON c.standard_id = w.standard_id
    JOIN standard_calibration_source src ON src.calibration_id = c.id
    WHERE w.depth < {MAX_DEPTH}
      AND c.calibrated_on = (SELECT MAX(c2.calibrated_on) FROM standard_calibration c2
                             WHERE c2.standard_id = w.standard_id AND c2.calibrated_on <= w.on_date)
)
SELECT DISTINCT standard_id FROM walk
"""  # noqa: S608 - only numbered placeholders and constants are interpolated


def reachable_standards(session: Session, start: Sequence[int], on: date) -> set[int]:
    """Ids of every standard the subject's chain can reach on ``on`` (one recursive query)."""
    if not start:
        return set()
    stmt = text(_reachable_sql(session.get_bind().dialect.name, len(start))).bindparams(
        bindparam("on", on, type_=Date), *(bindparam(f"s{i}", sid) for i, sid in enumerate(start))
    )
    return {row[0] for row in session.execute(stmt)}


def _node(standard: MeasurementStandard, history: Iterable[StandardStatusChange]) -> tr.StandardNode:
    changes = tuple(
        tr.StatusChange(c.effective_on, tr.StandardStatus(c.status.value), c.reason) for c in history
    )
    if not changes:
        # No recorded history: the current status is the only one known, so it applies throughout.
        changes = (tr.StatusChange(date.min, tr.StandardStatus(standard.status.value)),)
    return tr.StandardNode(
        str(standard.asset_number), standard.asset_number, standard.name, standard.quantity.value, changes
    )


def _link(cal: StandardCalibration, node_id: str) -> tr.CalibrationLink:
    issuer = tr.Issuer(
        tr.IssuerKind(cal.issuer_kind.value),
        cal.issuer_name,
        kcdb_cmc_reference=cal.kcdb_cmc_reference,
        accreditation_body=cal.accreditation_body,
        accreditation_number=cal.accreditation_number,
    )
    points = tuple(
        CalibrationPoint(
            float(p["value"]), str(p["unit"]), float(p["expanded_uncertainty"]), float(p.get("k", 2.0))
        )
        for p in cal.points
    )
    return tr.CalibrationLink(
        str(cal.id),
        node_id,
        cal.calibrated_on,
        cal.certificate_number,
        issuer,
        cal.issued_on,
        cal.valid_until,
        cal.file_sha256 is not None,
        points,
    )


def _material(rm: ReferenceMaterial) -> tuple[tr.StandardNode, tr.CalibrationLink | None]:
    node_id = f"RM:{rm.code}"
    status = tr.StatusChange(date.min, tr.StandardStatus(rm.status.value))
    node = tr.StandardNode(
        node_id,
        rm.code,
        rm.name,
        "reference_material",
        (status,),
        tr.ReferenceMaterial(rm.expiry_on, rm.opened_on, rm.shelf_life_days_after_opening),
    )
    if not rm.certificate_number or rm.certificate_issued_on is None:
        return node, None
    issuer = tr.Issuer(tr.IssuerKind.REFERENCE_MATERIAL_PRODUCER, rm.producer)
    point = CalibrationPoint(
        float(rm.certified_value), rm.unit, float(rm.expanded_uncertainty), float(rm.coverage_factor)
    )
    link = tr.CalibrationLink(
        f"rm{rm.id}",
        node_id,
        rm.certificate_issued_on,
        rm.certificate_number,
        issuer,
        rm.certificate_issued_on,
        rm.expiry_on,
        False,
        (point,),
    )
    return node, link


@dataclass(frozen=True, slots=True)
class LoadedGraph:
    graph: InMemoryGraph
    nodes: dict[int, tr.StandardNode]
    materials: dict[int, tr.StandardNode]


def load_graph(
    session: Session, standard_ids: Sequence[int], on: date, material_ids: Sequence[int] = ()
) -> LoadedGraph:
    ids = reachable_standards(session, standard_ids, on)
    standards = (
        list(session.scalars(select(MeasurementStandard).where(MeasurementStandard.id.in_(ids))))
        if ids
        else []
    )
    history: dict[int, list[StandardStatusChange]] = defaultdict(list)
    calibrations: list[StandardCalibration] = []
    sources: dict[int, list[int]] = defaultdict(list)
    if ids:
        for change in session.scalars(
            select(StandardStatusChange)
            .where(StandardStatusChange.standard_id.in_(ids))
            .order_by(StandardStatusChange.effective_on, StandardStatusChange.id)
        ):
            history[change.standard_id].append(change)
        calibrations = list(
            session.scalars(
                select(StandardCalibration).where(
                    StandardCalibration.standard_id.in_(ids), StandardCalibration.calibrated_on <= on
                )
            )
        )
        cal_ids = [c.id for c in calibrations]
        if cal_ids:
            for row in session.execute(
                select(StandardCalibrationSource).where(StandardCalibrationSource.calibration_id.in_(cal_ids))
            ).scalars():
                if row.standard_id in ids:
                    sources[row.calibration_id].append(row.standard_id)
    nodes = {s.id: _node(s, history[s.id]) for s in standards}
    links = [_link(c, nodes[c.standard_id].id) for c in calibrations]
    used = {str(cal_id): [nodes[s].id for s in sids] for cal_id, sids in sources.items()}
    materials: dict[int, tr.StandardNode] = {}
    if material_ids:
        for rm in session.scalars(select(ReferenceMaterial).where(ReferenceMaterial.id.in_(material_ids))):
            node, link = _material(rm)
            materials[rm.id] = node
            if link is not None:
                links.append(link)
    graph = InMemoryGraph([*nodes.values(), *materials.values()], links, used)
    return LoadedGraph(graph, nodes, materials)


def _job_resources(session: Session, job_id: int) -> tuple[list[int], list[int]]:
    standards = list(session.scalars(select(JobStandard.standard_id).where(JobStandard.job_id == job_id)))
    materials = list(
        session.scalars(
            select(JobReferenceMaterial.reference_material_id).where(JobReferenceMaterial.job_id == job_id)
        )
    )
    return standards, materials


def certificate_chain(session: Session, number: str, *, on: date | None = None) -> tr.TraceabilityChain:
    """The chain of a certificate of this lab, as it stood on the measurement date (or ``on``)."""
    certificate = session.scalar(select(Certificate).where(Certificate.number == number))
    if certificate is None:
        raise UnknownSubject(ident=number)
    job = session.get(Job, certificate.job_id)
    assert job is not None
    when = on or job.measured_on or certificate.issued_at.date()
    standard_ids, material_ids = _job_resources(session, job.id)
    loaded = load_graph(session, standard_ids, when, material_ids)
    subject = tr.CertificateSubject(
        number,
        (*(loaded.nodes[s] for s in standard_ids), *(loaded.materials[m] for m in material_ids)),
    )
    return tr.resolve_chain(subject, when, loaded.graph)


def standard_chain(session: Session, asset_number: str, *, on: date) -> tr.TraceabilityChain:
    standard = session.scalar(
        select(MeasurementStandard).where(MeasurementStandard.asset_number == asset_number)
    )
    if standard is None:
        raise UnknownSubject(ident=asset_number)
    loaded = load_graph(session, [standard.id], on)
    return tr.resolve_chain(tr.StandardSubject(loaded.nodes[standard.id]), on, loaded.graph)


def chain_for(session: Session, ident: str, *, on: date | None, today: date) -> tr.TraceabilityChain:
    """Resolve ``ident``: a certificate number of this lab, else a standard's asset number."""
    ident = ident.strip()
    if session.scalar(select(Certificate.id).where(Certificate.number == ident)) is not None:
        return certificate_chain(session, ident, on=on)
    return standard_chain(session, ident, on=on or today)
