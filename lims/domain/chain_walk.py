"""The walk behind :func:`lims.domain.traceability.resolve_chain` and the checks made on each reliance.

Iterative depth-first search (no recursion limit on deep chains). Every calibration is expanded at most once,
so the walk visits each (standard, date of use) reliance once per relying calibration and terminates on any
finite graph. A calibration met again while it is still on the current path closes a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

from lims.domain.calibration_points import (
    CalibrationPoint,
    calibrated_range,
    smallest_uncertainty_ratio,
    uncertainty_at_points,
)
from lims.domain.capability import CmcEntry
from lims.domain.oiml_r111 import check_weight_uncertainty
from lims.domain.traceability import (
    CalibrationLink,
    CalibrationSubject,
    CertificateSubject,
    ChainLink,
    Finding,
    FindingKind,
    IssuerKind,
    StandardNode,
    Subject,
    TraceabilityGraph,
)
from lims.domain.unit_conversion import comparable, convert_difference, convert_value

_REL = 1e-9  # relative tolerance for "equal" in range and uncertainty comparisons (float noise only)


def cmc_at(scope: Sequence[CmcEntry], value: float, unit: str) -> float | None:
    """The smallest CMC (expanded uncertainty, in ``unit``) of the entries covering ``value`` ``unit``.

    Entries are matched by dimension (pint) and range, whatever their quantity's name, because the
    quantity names of certificates ("mass") and of the scope ("mass of weights") are free text.

    >>> scope = (CmcEntry("mass", "kg", 0, 20, a=2e-8, b=1.3e-6),)
    >>> round(cmc_at(scope, 1000.0, "g"), 6)  # 0.00002 g + 1.3e-6 × 1000 g = 0.00132 g
    0.00132
    >>> cmc_at(scope, 30000.0, "g") is None
    True
    """
    found: list[float] = []
    for entry in scope:
        at = convert_value(value, unit, entry.unit)
        if at is None or not entry.range_min * (1 - _REL) - _REL <= at <= entry.range_max * (1 + _REL) + _REL:
            continue
        cmc = convert_difference(entry.uncertainty_at(at), entry.unit, unit)
        if cmc is not None:
            found.append(cmc)
    return min(found) if found else None


def check_reliance(
    standard: StandardNode,
    used_on: date,
    calibration: CalibrationLink | None,
    *,
    link: int | None,
    used_at: Sequence[CalibrationPoint] = (),
    minimum_ratio: float = 4.0,
    scope: Sequence[CmcEntry] = (),
) -> list[Finding]:
    """Findings for one reliance on ``standard`` on ``used_on`` through ``calibration``.

    ``used_at`` are the results of the level below (the calibration or certificate that relied on the
    standard); they are compared with the standard's certificate for the uncertainty ratio. ``scope`` is the
    lab's CMC, against which a calibration issued by this lab is held (ILAC-P14 5.4).

    >>> from datetime import date
    >>> from lims.domain.traceability import StandardNode
    >>> [f.kind.value for f in check_reliance(StandardNode("s", "T-01", "PRT", "temperature"),
    ...                                        date(2025, 1, 1), None, link=0)]
    ['no_calibration']
    """
    asset = standard.asset_number
    name = f"standard {asset} ({standard.name})"
    found: list[Finding] = []

    def add(kind: FindingKind, message: str) -> None:
        found.append(Finding(kind, message, link, asset))

    day = used_on.isoformat()
    if standard.status_history:
        status = standard.status_on(used_on)
        if status is None:
            add(FindingKind.NOT_IN_SERVICE, f"{name} had no status yet on {day} (not placed in service)")
        elif not status.status.usable:
            reason = f": {status.reason}" if status.reason else ""
            add(
                FindingKind.NOT_IN_SERVICE,
                f"{name} was {status.status.value.replace('_', ' ')} since {status.on.isoformat()}{reason}; "
                f"used on {day}",
            )
    material = standard.reference_material
    if material is not None:
        if used_on > material.expiry:
            add(
                FindingKind.MATERIAL_EXPIRED,
                f"{name} expired on {material.expiry.isoformat()}; used on {day}",
            )
        use_by = material.opened_use_by
        if use_by is not None and used_on > use_by:
            add(
                FindingKind.MATERIAL_SHELF_LIFE_EXCEEDED,
                f"{name} opened on {material.opened_on}: shelf life after opening ended on "
                f"{use_by.isoformat()}; used on {day}",
            )
    if calibration is None:
        add(FindingKind.NO_CALIBRATION, f"{name} has no calibration to rely on for {day}")
        return found
    cert = f"certificate {calibration.certificate_number} of {name}"
    if used_on < calibration.calibrated_on or used_on < calibration.issued_on:
        add(
            FindingKind.NOT_YET_VALID,
            f"{cert} (calibrated {calibration.calibrated_on.isoformat()}, issued "
            f"{calibration.issued_on.isoformat()}) was not yet valid on {day}",
        )
    if used_on > calibration.valid_until:
        add(
            FindingKind.EXPIRED,
            f"{cert} was valid until {calibration.valid_until.isoformat()}; used on {day}",
        )
    if not calibration.has_file:
        add(FindingKind.MISSING_FILE, f"{cert}: the certificate file is not stored")
    if standard.weight_class:
        for point in calibration.points:
            judged = check_weight_uncertainty(
                standard.weight_class,
                point.value,
                point.unit,
                point.expanded_uncertainty,
                point.coverage_factor,
            )
            if judged is not None and not judged.conforms:
                add(
                    FindingKind.WEIGHT_CLASS_UNCERTAINTY,
                    f"{cert} states U = {judged.expanded_uncertainty_mg:.3g} mg (k = 2) at "
                    f"{point.value:g} {point.unit}; class {standard.weight_class} allows at most MPE/3 = "
                    f"{judged.mpe_mg:g}/3 = {judged.limit_mg:.3g} mg (OIML R 111-1 5.2)",
                )
    if calibration.issuer.kind is IssuerKind.THIS_LAB and scope:
        for point in calibration.points:
            cmc = cmc_at(scope, point.value, point.unit)
            if cmc is not None and point.expanded_uncertainty < cmc * (1 - _REL):
                add(
                    FindingKind.BELOW_CMC,
                    f"{cert} (issued by this lab) states U = {point.expanded_uncertainty:.3g} {point.unit} at "
                    f"{point.value:g} {point.unit}, smaller than the lab's CMC of {cmc:.3g} {point.unit} there "
                    "(ILAC-P14 5.4)",
                )
    ratio = smallest_uncertainty_ratio(used_at, calibration.points)
    if ratio is not None:
        detail = (
            f"at {ratio.at_value:g} {ratio.unit}: U below = {ratio.lower_expanded_uncertainty:.3g}, "
            f"U of {cert} = {ratio.reference_expanded_uncertainty:.3g} (ratio {ratio.ratio:.2f}:1)"
        )
        if ratio.ratio <= 1.0:
            add(
                FindingKind.UNCERTAINTY_NOT_SMALLER,
                f"the reference's uncertainty is not smaller than the level below {detail}",
            )
        elif ratio.ratio < minimum_ratio:
            add(
                FindingKind.INSUFFICIENT_UNCERTAINTY_RATIO,
                f"uncertainty ratio under {minimum_ratio:g}:1 {detail}",
            )
    return found


@dataclass(slots=True)
class _Level:
    """One set of standards relied on together: by the subject, or by one internal calibration."""

    used_at: Sequence[CalibrationPoint]
    source: str
    children: list[int] = field(default_factory=list)
    #: False for a standard judged alone (the guard, the register): its companions are not known there
    whole_set: bool = True


def check_level(
    used_at: Sequence[CalibrationPoint],
    relied: Sequence[tuple[int, StandardNode, CalibrationLink | None]],
    *,
    source: str,
    whole_set: bool = True,
) -> list[Finding]:
    """Findings on the standards relied on *together* at one level (``relied``: link index, standard and
    the calibration relied on), for the values of use ``used_at``.

    * ``out_of_calibrated_range``: a value of use that no standard of the same dimension covers (its
      certificate says nothing there; nothing is extrapolated). Standards of another dimension (the
      thermometer of an air-density correction) are not judged against it.
    * ``readout_missing``: a sensor that needs a readout is used without one (judged only where the whole
      set of standards is known: a certificate, an internal calibration; not a standard judged alone).

    A zero of a quantity without an offset (0 Pa gauge, 0 V) is realised by venting or shorting, not by the
    standard, so it is not range-checked.

    >>> from datetime import date
    >>> from lims.domain.traceability import Issuer
    >>> vmi = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "VMI")
    >>> e2 = CalibrationLink("c", "e2", date(2025, 1, 1), "V-1", vmi, date(2025, 1, 2), date(2026, 1, 1), True,
    ...                      (CalibrationPoint(0.001, "g", 6e-6), CalibrationPoint(1000.0, "g", 0.0005)))
    >>> node = StandardNode("e2", "KL-001", "E2 1 mg - 1 kg", "mass")
    >>> [f.kind.value for f in check_level((CalibrationPoint(10.0, "kg", 0.016),), [(0, node, e2)],
    ...                                     source="KL-002")]
    ['out_of_calibrated_range']
    """
    found: list[Finding] = []
    uncovered: dict[int, list[CalibrationPoint]] = {}
    for point in used_at:
        if point.value == 0 and not comparable(point.unit, "K"):
            # a zero of a ratio-scale quantity (vented gauge, shorted input, empty pan) is realised without
            # the standard; a temperature of 0 °C is a value like any other
            continue
        candidates: list[tuple[int, StandardNode, tuple[float, float]]] = []
        for index, standard, calibration in relied:
            if calibration is None:
                continue
            span = calibrated_range(calibration.points, point.unit, frequency_hz=point.frequency_hz)
            if span is not None:
                candidates.append((index, standard, span))
        if not candidates:
            continue
        if any(
            low - abs(low) * _REL - _REL <= point.value <= high + abs(high) * _REL + _REL
            for _, _, (low, high) in candidates
        ):
            continue
        uncovered.setdefault(candidates[0][0], []).append(point)
    for index, points in uncovered.items():
        same = [(i, s, c) for i, s, c in relied if c is not None and i == index]
        _, standard, calibration = same[0]
        assert calibration is not None
        span = calibrated_range(calibration.points, points[0].unit, frequency_hz=points[0].frequency_hz)
        assert span is not None
        values = ", ".join(f"{p.value:g} {p.unit}" for p in points)
        found.append(
            Finding(
                FindingKind.OUT_OF_CALIBRATED_RANGE,
                f"{source} used standard {standard.asset_number} ({standard.name}) at {values}, outside the "
                f"range its certificate {calibration.certificate_number} covers ({span[0]:g} … {span[1]:g} "
                f"{points[0].unit}); nothing is extrapolated, so the value has no stated uncertainty there",
                index,
                standard.asset_number,
            )
        )
    if whole_set and not any(standard.readout for _, standard, _ in relied):
        for index, standard, _ in relied:
            if standard.requires_readout:
                found.append(
                    Finding(
                        FindingKind.READOUT_MISSING,
                        f"{source} used standard {standard.asset_number} ({standard.name}), which measures only "
                        "through a readout, but names no readout: the readout's calibration is missing from "
                        "the chain and from the budget",
                        index,
                        standard.asset_number,
                    )
                )
    return found


class _Walk:
    def __init__(self, graph: TraceabilityGraph, minimum_ratio: float, scope: Sequence[CmcEntry]) -> None:
        self.graph = graph
        self.minimum_ratio = minimum_ratio
        self.scope = scope
        self.links: list[ChainLink] = []
        self.findings: list[Finding] = []
        self.expanded: set[str] = set()
        self.on_path: set[str] = set()
        self.cache: dict[tuple[str, date], CalibrationLink | None] = {}
        self.nodes: dict[int, StandardNode] = {}
        # frames: (calibration expanded, asset number of its standard, link index, upstream still to visit,
        # the level its upstream standards form)
        self.stack: list[tuple[CalibrationLink, str, int, Iterator[StandardNode], _Level]] = []

    def calibration_for(self, standard: StandardNode, on: date) -> CalibrationLink | None:
        key = (standard.id, on)
        if key not in self.cache:
            self.cache[key] = self.graph.calibrations_of(standard.id, on)
        return self.cache[key]

    def close_level(self, level: _Level) -> None:
        relied = [(i, self.nodes[i], self.links[i].calibration) for i in level.children]
        self.findings.extend(
            check_level(level.used_at, relied, source=level.source, whole_set=level.whole_set)
        )

    def rely(
        self,
        source: str | None,
        used_at: Sequence[CalibrationPoint],
        standard: StandardNode,
        on: date,
        calibration: CalibrationLink | None = None,
        parent: int | None = None,
    ) -> int:
        """Record that ``source`` relied on ``standard`` on ``on`` and go up its chain; the link's index."""
        cal = calibration if calibration is not None else self.calibration_for(standard, on)
        stated = uncertainty_at_points(cal.points, used_at) if cal is not None else None
        index = len(self.links)
        self.nodes[index] = standard
        self.links.append(
            ChainLink(
                source,
                standard.asset_number,
                on,
                cal,
                stated[0] if stated else None,
                stated[1] if stated else None,
                parent,
            )
        )
        self.findings.extend(
            check_reliance(
                standard,
                on,
                cal,
                link=index,
                used_at=used_at,
                minimum_ratio=self.minimum_ratio,
                scope=self.scope,
            )
        )
        if cal is None or cal.issuer.terminal:
            return index
        if cal.id in self.on_path:
            self.findings.append(
                Finding(
                    FindingKind.CYCLE,
                    f"certificate {cal.certificate_number} of standard {standard.asset_number} depends on itself "
                    "through the standards used to issue it",
                    index,
                    standard.asset_number,
                )
            )
            return index
        if cal.id in self.expanded:
            return index
        self.expanded.add(cal.id)
        upstream = list(self.graph.standards_used_by(cal))
        if not upstream:
            self.findings.append(
                Finding(
                    FindingKind.NO_TERMINAL_LINK,
                    f"certificate {cal.certificate_number} of standard {standard.asset_number} was issued by "
                    "this lab but names no reference standard: the chain ends without a terminal link",
                    index,
                    standard.asset_number,
                )
            )
            return index
        self.on_path.add(cal.id)
        level = _Level(
            cal.points, f"certificate {cal.certificate_number} of standard {standard.asset_number}"
        )
        self.stack.append((cal, standard.asset_number, index, iter(upstream), level))
        return index

    def run(self) -> None:
        while self.stack:
            cal, asset, parent, upstream, level = self.stack[-1]
            nxt = next(upstream, None)
            if nxt is None:
                self.stack.pop()
                self.on_path.discard(cal.id)
                self.close_level(level)
                continue
            level.children.append(self.rely(asset, cal.points, nxt, cal.calibrated_on, parent=parent))


def walk(
    subject: Subject,
    on: date,
    graph: TraceabilityGraph,
    *,
    minimum_ratio: float = 4.0,
    scope: Sequence[CmcEntry] = (),
) -> tuple[list[ChainLink], list[Finding]]:
    """Links and findings of ``subject`` relied on at ``on`` (see ``resolve_chain``)."""
    state = _Walk(graph, minimum_ratio, scope)
    if isinstance(subject, CertificateSubject):
        if not subject.standards:
            state.findings.append(
                Finding(
                    FindingKind.NO_TERMINAL_LINK,
                    f"certificate {subject.certificate_number} names no measurement standard",
                    None,
                )
            )
        level = _Level(subject.points, f"certificate {subject.certificate_number}")
        for standard in subject.standards:
            level.children.append(state.rely(subject.certificate_number, subject.points, standard, on))
            state.run()
        state.close_level(level)
    elif isinstance(subject, CalibrationSubject):
        state.rely(None, (), subject.standard, on, subject.calibration)
        state.run()
    else:
        level = _Level(
            subject.points, f"the use of standard {subject.standard.asset_number}", whole_set=False
        )
        level.children.append(state.rely(None, subject.points, subject.standard, on))
        state.run()
        state.close_level(level)
    return state.links, state.findings
