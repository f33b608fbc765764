"""Traceability of certificates and standards, resolved from the database.

One recursive query finds every standard reachable from the subject, following at each standard the
calibration relied on at the date of use (the latest one not after that date) and the standards that
calibration used; the records found are then loaded in three queries and handed to the pure rules of
:mod:`lims.domain.traceability`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, bindparam, or_, select, text
from sqlalchemy.orm import Session

from lims.domain import traceability as tr
from lims.domain.calibration_points import CalibrationPoint
from lims.domain.capability import CmcEntry as DomainCmc
from lims.domain.oiml_r111 import weight_class
from lims.domain.test_points import split_frequency
from lims.domain.traceability_memory import InMemoryGraph
from lims.errors import N_, NotFound
from lims.models import (
    Certificate,
    CmcEntry,
    Job,
    JobReferenceMaterial,
    JobStandard,
    Measurement,
    MeasurementStandard,
    Quantity,
    ReferenceMaterial,
    StandardCalibration,
    StandardCalibrationSource,
    StandardStatusChange,
)

MAX_DEPTH = 32


class UnknownSubject(NotFound):
    template = N_("No certificate or standard is known as %(ident)s.")


def _walk_sql(dialect: str, count: int) -> str:
    """Every (standard, date of use) the chain reaches, with the calibration relied on at that date."""
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
SELECT DISTINCT w.standard_id,
       (SELECT c3.id FROM standard_calibration c3
        WHERE c3.standard_id = w.standard_id AND c3.calibrated_on <= w.on_date
        ORDER BY c3.calibrated_on DESC, c3.id DESC LIMIT 1) AS calibration_id
FROM walk w
"""  # noqa: S608 - only numbered placeholders and constants are interpolated


def _walk(session: Session, start: Sequence[int], on: date) -> list[tuple[int, int | None]]:
    if not start:
        return []
    stmt = text(_walk_sql(session.get_bind().dialect.name, len(start))).bindparams(
        bindparam("on", on, type_=Date), *(bindparam(f"s{i}", sid) for i, sid in enumerate(start))
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]


def reachable_standards(session: Session, start: Sequence[int], on: date) -> set[int]:
    """Ids of every standard the subject's chain can reach on ``on`` (one recursive query)."""
    return {standard_id for standard_id, _ in _walk(session, start, on)}


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


def stored_point(p: dict[str, object]) -> CalibrationPoint:
    """A calibration point as stored in ``standard_calibration.points`` (nominal, unit, U, k, correction)."""
    correction = p.get("correction")
    frequency = p.get("frequency_hz")  # an AC point's frequency (a multifunction calibrator's AC voltage)
    return CalibrationPoint(
        float(p["value"]),  # type: ignore[arg-type]
        str(p["unit"]),
        float(p["expanded_uncertainty"]),  # type: ignore[arg-type]
        float(p.get("k", 2.0)),  # type: ignore[arg-type]
        None if correction is None else float(correction),  # type: ignore[arg-type]
        None if frequency is None else float(frequency),  # type: ignore[arg-type]
    )


def lab_scope(
    session: Session, lab_id: int | None = None, *, procedure_code: str | None = None
) -> tuple[DomainCmc, ...]:
    """The accredited CMC rows (of one lab, or of every lab when the lab is not known); with
    ``procedure_code``, only that procedure's rows (and rows recorded before rows named a procedure)."""
    stmt = select(CmcEntry).where(CmcEntry.accredited.is_(True))
    if lab_id is not None:
        stmt = stmt.where(CmcEntry.lab_id == lab_id)
    if procedure_code is not None:
        stmt = stmt.where(or_(CmcEntry.procedure_code == procedure_code, CmcEntry.procedure_code.is_(None)))
    return tuple(
        DomainCmc(
            r.quantity,
            r.unit,
            float(r.range_min),
            float(r.range_max),
            fixed=None if r.fixed_uncertainty is None else float(r.fixed_uncertainty),
            a=float(r.a),
            b=float(r.b),
            procedure_code=r.procedure_code,
        )
        for r in session.scalars(stmt.order_by(CmcEntry.id))
    )


def job_points(session: Session, job_id: int) -> tuple[CalibrationPoint, ...]:
    """The values where a job used its standards: each recorded point's nominal value and U."""
    points = []
    for measurement in session.scalars(
        select(Measurement).where(Measurement.job_id == job_id).order_by(Measurement.point_index)
    ):
        point = measurement.point
        if point is None or point.expanded_uncertainty is None or point.expanded_uncertainty <= 0:
            continue
        # an AC point was used at its frequency: its U is looked up among the certificate's points there
        frequency = split_frequency(point.quantity)[1]
        points.append(
            CalibrationPoint(
                float(point.nominal), point.unit, float(point.expanded_uncertainty), frequency_hz=frequency
            )
        )
    return tuple(points)


@dataclass(frozen=True, slots=True)
class LoadedGraph:
    graph: InMemoryGraph
    nodes: dict[int, tr.StandardNode]
    materials: dict[int, tr.StandardNode]


_S = MeasurementStandard
_C = StandardCalibration
_H = StandardStatusChange


def load_graph(
    session: Session, standard_ids: Sequence[int], on: date, material_ids: Sequence[int] = ()
) -> LoadedGraph:
    """The sub-graph the chain needs: one recursive query, then plain rows (no ORM objects) for the
    standards, the calibrations relied on, their sources and the status histories."""
    walk = _walk(session, standard_ids, on)
    ids = sorted({standard_id for standard_id, _ in walk})
    cal_ids = sorted({cal_id for _, cal_id in walk if cal_id is not None})
    history: dict[int, list[tr.StatusChange]] = defaultdict(list)
    nodes: dict[int, tr.StandardNode] = {}
    links: list[tr.CalibrationLink] = []
    used: dict[str, list[str]] = {}
    if ids:
        for change_row in session.execute(
            select(_H.standard_id, _H.effective_on, _H.status, _H.reason)
            .where(_H.standard_id.in_(ids))
            .order_by(_H.effective_on, _H.id)
        ):
            history[change_row.standard_id].append(
                tr.StatusChange(
                    change_row.effective_on, tr.StandardStatus(change_row.status.value), change_row.reason
                )
            )
        for standard_row in session.execute(
            select(
                _S.id, _S.asset_number, _S.name, _S.quantity, _S.status, _S.accuracy, _S.characteristics
            ).where(_S.id.in_(ids))
        ):
            # Without a recorded history the current status is the only one known, so it applies throughout.
            changes = tuple(history[standard_row.id]) or (
                tr.StatusChange(date.min, tr.StandardStatus(standard_row.status.value)),
            )
            traits = standard_row.characteristics or {}
            nodes[standard_row.id] = tr.StandardNode(
                standard_row.asset_number,
                standard_row.asset_number,
                standard_row.name,
                standard_row.quantity.value,
                changes,
                weight_class=weight_class(standard_row.accuracy)
                if standard_row.quantity == Quantity.MASS
                else None,
                requires_readout=bool(traits.get("requires_readout")),
                readout=bool(traits.get("readout")),
            )
    if cal_ids:
        for cal_row in session.execute(
            select(
                _C.id,
                _C.standard_id,
                _C.calibrated_on,
                _C.certificate_number,
                _C.issuer_kind,
                _C.issuer_name,
                _C.kcdb_cmc_reference,
                _C.accreditation_body,
                _C.accreditation_number,
                _C.issued_on,
                _C.valid_until,
                _C.file_sha256,
                _C.points,
            ).where(_C.id.in_(cal_ids))
        ):
            issuer = tr.Issuer(
                tr.IssuerKind(cal_row.issuer_kind.value),
                cal_row.issuer_name,
                kcdb_cmc_reference=cal_row.kcdb_cmc_reference,
                accreditation_body=cal_row.accreditation_body,
                accreditation_number=cal_row.accreditation_number,
            )
            points = tuple(stored_point(p) for p in cal_row.points)
            links.append(
                tr.CalibrationLink(
                    str(cal_row.id),
                    nodes[cal_row.standard_id].id,
                    cal_row.calibrated_on,
                    cal_row.certificate_number,
                    issuer,
                    cal_row.issued_on,
                    cal_row.valid_until,
                    cal_row.file_sha256 is not None,
                    points,
                )
            )
        for source_row in session.execute(
            select(StandardCalibrationSource.calibration_id, StandardCalibrationSource.standard_id).where(
                StandardCalibrationSource.calibration_id.in_(cal_ids)
            )
        ):
            if source_row.standard_id in nodes:
                used.setdefault(str(source_row.calibration_id), []).append(nodes[source_row.standard_id].id)
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
        job_points(session, job.id),
    )
    return tr.resolve_chain(subject, when, loaded.graph, scope=lab_scope(session, job.lab_id))


def standard_chain(session: Session, asset_number: str, *, on: date) -> tr.TraceabilityChain:
    row = session.execute(
        select(MeasurementStandard.id, MeasurementStandard.lab_id).where(
            MeasurementStandard.asset_number == asset_number
        )
    ).first()
    if row is None:
        raise UnknownSubject(ident=asset_number)
    standard_id = row.id
    loaded = load_graph(session, [standard_id], on)
    return tr.resolve_chain(
        tr.StandardSubject(loaded.nodes[standard_id]), on, loaded.graph, scope=lab_scope(session, row.lab_id)
    )


def chain_for(session: Session, ident: str, *, on: date | None, today: date) -> tr.TraceabilityChain:
    """Resolve ``ident``: a certificate number of this lab, else a standard's asset number."""
    ident = ident.strip()
    if session.scalar(select(Certificate.id).where(Certificate.number == ident)) is not None:
        return certificate_chain(session, ident, on=on)
    return standard_chain(session, ident, on=on or today)
