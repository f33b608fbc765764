"""Workflow guard: what a measurement may rely on (issue 4 item 10; ISO/IEC 17025:2017 6.4.4, 6.4.9, 6.5).

A measurement may only rely on standards and reference materials that, on the measurement date, are in
service, inside their calibration validity, inside their expiry and shelf life, and whose traceability chain
has no blocking finding. Everything else is refused with a message naming the standard and the reason. The
rules are exactly the blocking findings of :func:`lims.domain.traceability.resolve_chain` evaluated for each
standard on the measurement date, so the guard, the auditor's view and ``lims traceability show`` agree.

A standard may not be retired while an open job relies on it (:func:`ensure_can_retire`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from lims.domain.capability import CmcEntry
from lims.domain.errors import DomainError
from lims.domain.traceability import (
    Finding,
    FindingKind,
    StandardNode,
    StandardSubject,
    TraceabilityGraph,
    resolve_chain,
)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why ``standard`` (asset number) may not be relied on; ``kind`` is a finding kind.

    ``at`` is the asset number where the problem sits: the standard itself, or a standard further up its
    chain (then the message says so).
    """

    standard: str
    kind: FindingKind
    message: str
    at: str | None

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class GuardResult:
    refusals: tuple[Refusal, ...]
    warnings: tuple[Refusal, ...]

    @property
    def allowed(self) -> bool:
        return not self.refusals


class StandardRefused(DomainError, ValueError):
    """A measurement tried to rely on standards the guard refuses; ``refusals`` lists each one."""

    def __init__(self, refusals: Sequence[Refusal]) -> None:
        self.refusals = tuple(refusals)
        super().__init__("; ".join(r.message for r in self.refusals))


class StandardInUse(DomainError, ValueError):
    """Retiring a standard that open jobs still rely on."""

    def __init__(self, asset_number: str, job_ids: Sequence[str]) -> None:
        self.asset_number, self.job_ids = asset_number, tuple(job_ids)
        super().__init__(
            f"standard {asset_number} cannot be retired: open jobs rely on it ({', '.join(self.job_ids)})"
        )


def _refusal(standard: StandardNode, finding: Finding) -> Refusal:
    if finding.standard in (None, standard.asset_number):
        message = f"refused: {finding.message}"
    else:
        message = (
            f"standard {standard.asset_number} refused: its traceability chain is broken at "
            f"{finding.standard}: {finding.message}"
        )
    return Refusal(standard.asset_number, finding.kind, message, finding.standard)


def check_measurement(
    standards: Iterable[StandardNode],
    *,
    measured_on: date,
    graph: TraceabilityGraph,
    minimum_ratio: float = 4.0,
    scope: Sequence[CmcEntry] = (),
) -> GuardResult:
    """Refusals (and non-blocking warnings) for a measurement on ``measured_on`` relying on ``standards``.

    ``scope`` is the lab's CMC: a standard whose in-house certificate claims less is refused (``below_cmc``).

    >>> from lims.domain.traceability import StatusChange, StandardStatus
    >>> from lims.domain.traceability_memory import InMemoryGraph
    >>> s = StandardNode("s", "P-01", "pressure balance", "pressure",
    ...                  (StatusChange(date(2025, 1, 1), StandardStatus.RETIRED, "worn piston"),))
    >>> result = check_measurement([s], measured_on=date(2025, 6, 1), graph=InMemoryGraph([s], []))
    >>> result.allowed, [r.kind.value for r in result.refusals]
    (False, ['not_in_service', 'no_calibration'])
    >>> print(result.refusals[0])
    refused: standard P-01 (pressure balance) was retired since 2025-01-01: worn piston; used on 2025-06-01
    """
    refusals: list[Refusal] = []
    warnings: list[Refusal] = []
    seen: set[str] = set()
    for standard in standards:
        if standard.id in seen:
            continue
        seen.add(standard.id)
        chain = resolve_chain(
            StandardSubject(standard), measured_on, graph, minimum_ratio=minimum_ratio, scope=scope
        )
        for finding in chain.findings:
            (refusals if finding.blocking else warnings).append(_refusal(standard, finding))
    return GuardResult(tuple(refusals), tuple(warnings))


def require_usable(
    standards: Iterable[StandardNode],
    *,
    measured_on: date,
    graph: TraceabilityGraph,
    scope: Sequence[CmcEntry] = (),
) -> GuardResult:
    """Like :func:`check_measurement` but raises :class:`StandardRefused` when anything is refused."""
    result = check_measurement(standards, measured_on=measured_on, graph=graph, scope=scope)
    if result.refusals:
        raise StandardRefused(result.refusals)
    return result


@dataclass(frozen=True, slots=True)
class OpenJob:
    """A job not yet closed (certificate not issued or cancelled) and the standards it relies on."""

    job_id: str
    standard_ids: tuple[str, ...]


def jobs_relying_on(standard: StandardNode, open_jobs: Iterable[OpenJob]) -> list[str]:
    """Ids of the open jobs that rely on ``standard``, in input order.

    >>> s = StandardNode("s1", "M-01", "1 kg", "mass")
    >>> jobs_relying_on(s, [OpenJob("J-1", ("s2",)), OpenJob("J-2", ("s1", "s3"))])
    ['J-2']
    """
    return [job.job_id for job in open_jobs if standard.id in job.standard_ids]


def can_retire(standard: StandardNode, open_jobs: Iterable[OpenJob]) -> bool:
    """True when no open job relies on ``standard`` (it may then be retired)."""
    return not jobs_relying_on(standard, open_jobs)


def ensure_can_retire(standard: StandardNode, open_jobs: Iterable[OpenJob]) -> None:
    """Raise :class:`StandardInUse` naming the jobs when ``standard`` may not be retired.

    >>> s = StandardNode("s1", "M-01", "1 kg", "mass")
    >>> ensure_can_retire(s, [OpenJob("J-7", ("s1",))])
    Traceback (most recent call last):
    lims.domain.guard.StandardInUse: standard M-01 cannot be retired: open jobs rely on it (J-7)
    """
    jobs = jobs_relying_on(standard, open_jobs)
    if jobs:
        raise StandardInUse(standard.asset_number, jobs)
