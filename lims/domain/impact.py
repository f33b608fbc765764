"""Reverse traceability: what a suspect standard affected (ISO/IEC 17025:2017 7.10, 6.4.9).

When a standard is found out of tolerance, its certificate is withdrawn or an intermediate check fails, the
lab must examine the effect on earlier work. :func:`assess_impact` takes the event and a plain list of
:class:`Usage` records (every job, and every calibration of the lab's own standards, with the standards it
relied on) and returns every usage affected

* directly: it relied on the suspect standard on or after ``suspect_from`` (and before ``suspect_until``
  when the standard has since been recalibrated), or
* further down the chain: it relied on a standard that *this lab* calibrated with an affected standard,
  between that calibration and the next calibration of that standard.

Customer notices are drafted by :mod:`lims.domain.impact_notices`.
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from lims.domain.calibration_points import InvalidRecord


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class EventKind(StrEnum):
    OUT_OF_TOLERANCE = "out_of_tolerance"
    CERTIFICATE_WITHDRAWN = "certificate_withdrawn"
    FAILED_CHECK = "failed_check"


@dataclass(frozen=True, slots=True)
class SuspectEvent:
    """A standard whose values are suspect from ``suspect_from`` (inclusive; normally the day of its last
    good calibration or check) until ``suspect_until`` (exclusive; ``None`` while not yet recalibrated)."""

    standard_id: str
    asset_number: str
    kind: EventKind
    found_on: date
    suspect_from: date
    suspect_until: date | None = None
    details: str = ""

    def __post_init__(self) -> None:
        if self.suspect_from > self.found_on:
            raise InvalidRecord("suspect_from", "must not be after the date the problem was found")
        if self.suspect_until is not None and self.suspect_until <= self.suspect_from:
            raise InvalidRecord("suspect_until", "must be after suspect_from")


@dataclass(frozen=True, slots=True)
class Usage:
    """A job (or an internal calibration of one of this lab's standards) and the standards it relied on.

    ``customer`` is ``None`` for the lab's own work; ``calibrated_standard_id`` is set when the job
    calibrated one of the lab's standards (its values then carry the suspicion further).
    """

    job_id: str
    performed_on: date
    standard_ids: tuple[str, ...]
    certificate_number: str | None = None
    customer: str | None = None
    calibrated_standard_id: str | None = None

    def __post_init__(self) -> None:
        if not self.job_id.strip():
            raise InvalidRecord("job_id", "must not be empty")
        if self.calibrated_standard_id is not None and self.calibrated_standard_id in self.standard_ids:
            raise InvalidRecord("calibrated_standard_id", "a standard cannot be used to calibrate itself")


@dataclass(frozen=True, slots=True)
class AffectedUsage:
    """An affected usage; each path runs from the suspect standard to a standard the usage relied on."""

    usage: Usage
    paths: tuple[tuple[str, ...], ...]

    @property
    def level(self) -> int:
        """1 when the suspect standard was used directly, 2 through one intermediate standard, …"""
        return min(len(p) for p in self.paths)


@dataclass(frozen=True, slots=True)
class ImpactReport:
    event: SuspectEvent
    affected: tuple[AffectedUsage, ...]
    labels: Mapping[str, str]

    @property
    def customers(self) -> tuple[str, ...]:
        """Customers concerned, NFC-normalised (one name however its diacritics were typed), sorted."""
        return tuple(sorted({_nfc(a.usage.customer) for a in self.affected if a.usage.customer is not None}))

    @property
    def certificates(self) -> tuple[str, ...]:
        return tuple(a.usage.certificate_number for a in self.affected if a.usage.certificate_number)

    def for_customer(self, customer: str) -> tuple[AffectedUsage, ...]:
        wanted = _nfc(customer)
        return tuple(
            a for a in self.affected if a.usage.customer is not None and _nfc(a.usage.customer) == wanted
        )

    def label(self, standard_id: str) -> str:
        return self.labels.get(standard_id, standard_id)

    def to_dict(self) -> dict[str, Any]:
        e = self.event
        return {
            "standard": e.asset_number,
            "kind": e.kind.value,
            "found_on": e.found_on.isoformat(),
            "suspect_from": e.suspect_from.isoformat(),
            "suspect_until": e.suspect_until.isoformat() if e.suspect_until else None,
            "customers": list(self.customers),
            "affected": [
                {
                    "job": a.usage.job_id,
                    "certificate": a.usage.certificate_number,
                    "customer": a.usage.customer,
                    "performed_on": a.usage.performed_on.isoformat(),
                    "level": a.level,
                    "paths": [[self.label(s) for s in p] for p in a.paths],
                    "calibrated_standard": (
                        self.label(a.usage.calibrated_standard_id) if a.usage.calibrated_standard_id else None
                    ),
                }
                for a in self.affected
            ],
        }


def assess_impact(
    event: SuspectEvent,
    usages: Iterable[Usage],
    *,
    recalibrations: Mapping[str, Sequence[date]] | None = None,
    asset_numbers: Mapping[str, str] | None = None,
) -> ImpactReport:
    """Every usage affected by ``event``, directly or down the chain, oldest first.

    ``recalibrations`` lists further calibration dates of the lab's standards that are not in ``usages``
    (external calibrations); a standard calibrated with a suspect one stays suspect until its next
    calibration, internal or external. ``asset_numbers`` maps standard ids to labels for the report.

    >>> e = SuspectEvent("ref", "M-REF", EventKind.OUT_OF_TOLERANCE, date(2025, 6, 1), date(2025, 1, 10))
    >>> uses = [Usage("J-1", date(2025, 2, 1), ("work",), calibrated_standard_id="w2"),
    ...         Usage("J-2", date(2025, 1, 20), ("ref",), calibrated_standard_id="work"),
    ...         Usage("J-3", date(2025, 3, 1), ("w2",), "HC-3", "Customer A")]
    >>> [(a.usage.job_id, a.level) for a in assess_impact(e, uses).affected]
    [('J-2', 1), ('J-1', 2), ('J-3', 3)]
    """
    records = sorted(usages, key=lambda u: (u.performed_on, u.job_id))
    if len({u.job_id for u in records}) != len(records):
        raise InvalidRecord("usages", "job ids must be unique")
    calibrations: dict[str, list[date]] = {}
    for u in records:
        if u.calibrated_standard_id is not None:
            calibrations.setdefault(u.calibrated_standard_id, []).append(u.performed_on)
    for standard_id, dates in (recalibrations or {}).items():
        calibrations.setdefault(standard_id, []).extend(dates)

    def next_calibration(standard_id: str, after: date) -> date | None:
        later = [d for d in calibrations.get(standard_id, []) if d > after]
        return min(later) if later else None

    paths: dict[str, list[tuple[str, ...]]] = {}
    seen_windows: set[tuple[str, date]] = set()
    queue: deque[tuple[str, date, date | None, tuple[str, ...]]] = deque(
        [(event.standard_id, event.suspect_from, event.suspect_until, (event.standard_id,))]
    )
    while queue:  # breadth first: shorter paths are found first
        standard_id, start, end, path = queue.popleft()
        if (standard_id, start) in seen_windows:
            continue
        seen_windows.add((standard_id, start))
        for u in records:
            if standard_id not in u.standard_ids or u.performed_on < start:
                continue
            if end is not None and u.performed_on >= end:
                continue
            found = paths.setdefault(u.job_id, [])
            if path not in found:
                found.append(path)
            derived = u.calibrated_standard_id
            if derived is not None:  # terminates: one window per (standard, start date)
                queue.append(
                    (derived, u.performed_on, next_calibration(derived, u.performed_on), (*path, derived))
                )
    affected = tuple(
        AffectedUsage(u, tuple(sorted(paths[u.job_id], key=lambda p: (len(p), p))))
        for u in records
        if u.job_id in paths
    )
    labels = dict(asset_numbers or {})
    labels.setdefault(event.standard_id, event.asset_number)
    return ImpactReport(event, affected, labels)
