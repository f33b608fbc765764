"""A :class:`~lims.domain.traceability.TraceabilityGraph` held in dictionaries.

Used by the tests, the demo data and anything that already has the records in memory. The database-backed
graph must choose calibrations by the same rule: the calibration relied on at a date is the latest one whose
calibration date is not after that date.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from lims.domain.calibration_points import InvalidRecord
from lims.domain.traceability import CalibrationLink, StandardNode


class InMemoryGraph:
    """Standards, their calibrations and the standards each internal calibration used.

    >>> from lims.domain.traceability import Issuer, IssuerKind
    >>> s = StandardNode("s1", "M-01", "1 kg", "mass")
    >>> vmi = Issuer(IssuerKind.NATIONAL_METROLOGY_INSTITUTE, "VMI")
    >>> c = CalibrationLink("c1", "s1", date(2025, 1, 1), "V-1", vmi, date(2025, 1, 2),
    ...                     date(2026, 1, 1), True)
    >>> g = InMemoryGraph([s], [c])
    >>> g.calibrations_of("s1", date(2024, 12, 31)) is None, g.calibrations_of("s1", date(2025, 5, 1)).id
    (True, 'c1')
    """

    def __init__(
        self,
        standards: Iterable[StandardNode],
        calibrations: Iterable[CalibrationLink],
        used: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.standards: dict[str, StandardNode] = {}
        for standard in standards:
            if standard.id in self.standards:
                raise InvalidRecord("standards", f"duplicate standard id {standard.id!r}")
            self.standards[standard.id] = standard
        self._by_standard: dict[str, list[CalibrationLink]] = {}
        self.calibrations: dict[str, CalibrationLink] = {}
        for cal in calibrations:
            if cal.id in self.calibrations:
                raise InvalidRecord("calibrations", f"duplicate calibration id {cal.id!r}")
            if cal.standard_id not in self.standards:
                raise InvalidRecord(
                    "calibrations", f"calibration {cal.id!r} names unknown standard {cal.standard_id!r}"
                )
            self.calibrations[cal.id] = cal
            self._by_standard.setdefault(cal.standard_id, []).append(cal)
        for history in self._by_standard.values():
            history.sort(key=lambda c: (c.calibrated_on, c.id))
        self._used: dict[str, tuple[str, ...]] = {}
        for cal_id, standard_ids in (used or {}).items():
            if cal_id not in self.calibrations:
                raise InvalidRecord("used", f"unknown calibration {cal_id!r}")
            unknown = [s for s in standard_ids if s not in self.standards]
            if unknown:
                raise InvalidRecord("used", f"calibration {cal_id!r} names unknown standards {unknown}")
            self._used[cal_id] = tuple(standard_ids)

    def calibrations_of(self, standard_id: str, on: date) -> CalibrationLink | None:
        history = self._by_standard.get(standard_id, [])
        index = bisect.bisect_right([c.calibrated_on for c in history], on)
        return history[index - 1] if index else None

    def standards_used_by(self, calibration: CalibrationLink) -> Sequence[StandardNode]:
        return [self.standards[s] for s in self._used.get(calibration.id, ())]
