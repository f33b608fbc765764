"""The walk behind :func:`lims.domain.traceability.resolve_chain` and the checks made on each reliance.

Iterative depth-first search (no recursion limit on deep chains). Every calibration is expanded at most once,
so the walk visits each (standard, date of use) reliance once per relying calibration and terminates on any
finite graph. A calibration met again while it is still on the current path closes a cycle.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from lims.domain.calibration_points import CalibrationPoint, smallest_uncertainty_ratio, uncertainty_at_points
from lims.domain.traceability import (
    CalibrationLink,
    CalibrationSubject,
    CertificateSubject,
    ChainLink,
    Finding,
    FindingKind,
    StandardNode,
    Subject,
    TraceabilityGraph,
)


def check_reliance(
    standard: StandardNode,
    used_on: date,
    calibration: CalibrationLink | None,
    *,
    link: int | None,
    used_at: Sequence[CalibrationPoint] = (),
    minimum_ratio: float = 4.0,
) -> list[Finding]:
    """Findings for one reliance on ``standard`` on ``used_on`` through ``calibration``.

    ``used_at`` are the results of the level below (the calibration or certificate that relied on the
    standard); they are compared with the standard's certificate for the uncertainty ratio.

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


class _Walk:
    def __init__(self, graph: TraceabilityGraph, minimum_ratio: float) -> None:
        self.graph = graph
        self.minimum_ratio = minimum_ratio
        self.links: list[ChainLink] = []
        self.findings: list[Finding] = []
        self.expanded: set[str] = set()
        self.on_path: set[str] = set()
        self.cache: dict[tuple[str, date], CalibrationLink | None] = {}
        # frames: (calibration expanded, asset number of its standard, upstream standards still to visit)
        self.stack: list[tuple[CalibrationLink, str, int, Iterator[StandardNode]]] = []

    def calibration_for(self, standard: StandardNode, on: date) -> CalibrationLink | None:
        key = (standard.id, on)
        if key not in self.cache:
            self.cache[key] = self.graph.calibrations_of(standard.id, on)
        return self.cache[key]

    def rely(
        self,
        source: str | None,
        used_at: Sequence[CalibrationPoint],
        standard: StandardNode,
        on: date,
        calibration: CalibrationLink | None = None,
        parent: int | None = None,
    ) -> None:
        """Record that ``source`` relied on ``standard`` on ``on`` and go up its chain."""
        cal = calibration if calibration is not None else self.calibration_for(standard, on)
        stated = uncertainty_at_points(cal.points, used_at) if cal is not None else None
        index = len(self.links)
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
            check_reliance(standard, on, cal, link=index, used_at=used_at, minimum_ratio=self.minimum_ratio)
        )
        if cal is None or cal.issuer.terminal:
            return
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
            return
        if cal.id in self.expanded:
            return
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
            return
        self.on_path.add(cal.id)
        self.stack.append((cal, standard.asset_number, index, iter(upstream)))

    def run(self) -> None:
        while self.stack:
            cal, asset, parent, upstream = self.stack[-1]
            nxt = next(upstream, None)
            if nxt is None:
                self.stack.pop()
                self.on_path.discard(cal.id)
                continue
            self.rely(asset, cal.points, nxt, cal.calibrated_on, parent=parent)


def walk(
    subject: Subject, on: date, graph: TraceabilityGraph, *, minimum_ratio: float = 4.0
) -> tuple[list[ChainLink], list[Finding]]:
    """Links and findings of ``subject`` relied on at ``on`` (see ``resolve_chain``)."""
    state = _Walk(graph, minimum_ratio)
    if isinstance(subject, CertificateSubject):
        if not subject.standards:
            state.findings.append(
                Finding(
                    FindingKind.NO_TERMINAL_LINK,
                    f"certificate {subject.certificate_number} names no measurement standard",
                    None,
                )
            )
        for standard in subject.standards:
            state.rely(subject.certificate_number, subject.points, standard, on)
            state.run()
    elif isinstance(subject, CalibrationSubject):
        state.rely(None, (), subject.standard, on, subject.calibration)
        state.run()
    else:
        state.rely(None, subject.points, subject.standard, on)
        state.run()
    return state.links, state.findings
