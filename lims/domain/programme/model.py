"""A city programme as immutable records: phases with targets, support contents, policies, tasks.

The records are built by :mod:`.loader` from a data file; nothing here reads files or databases.

>>> from datetime import date
>>> phase = Phase("2021-2025", date(2021, 1, 1), date(2025, 12, 31), ())
>>> list(phase.years)
[2021, 2022, 2023, 2024, 2025]
>>> phase.contains(date(2025, 12, 31)), phase.contains(date(2026, 1, 1))
(True, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lims.domain.programme.vocabulary import Counting, Indicator
from lims.domain.programme.vsic import PrioritySector


class TargetKind(StrEnum):
    """How a target's value is read (the three forms used by the plans)."""

    MIN = "min"  # at least this many, counted over the phase
    SHARE_MIN = "share_min"  # at least (or, when strict, more than) this fraction of demand
    GROWTH = "growth_vs_previous_phase"  # at least (1 + value) × the previous phase's actual


@dataclass(frozen=True, slots=True)
class Target:
    indicator: Indicator
    kind: TargetKind
    value: float  # a count for MIN; a fraction (0.5 = 50 %) for SHARE_MIN and GROWTH
    strict: bool = False  # 'trên 50%': the actual must exceed the value, not merely reach it
    counting: Counting = Counting.DISTINCT
    quote: str = ""  # the plan's own words


@dataclass(frozen=True, slots=True)
class Phase:
    id: str
    start: date
    end: date
    targets: tuple[Target, ...]

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def target(self, indicator: Indicator) -> Target | None:
        return next((t for t in self.targets if t.indicator is indicator), None)


@dataclass(frozen=True, slots=True)
class SupportContent:
    """One support content of the plan (nội dung hỗ trợ)."""

    id: str
    title_vi: str
    title_en: str


@dataclass(frozen=True, slots=True)
class Policy:
    """A state policy that funds some support contents at a level: a share of the cost, up to a cap."""

    id: str
    title_vi: str
    legal_basis: str
    contents: tuple[str, ...]
    share_percent: float
    cap_vnd: int | None = None
    note: str = ""

    def amount_vnd(self, cost_vnd: int) -> int:
        """Support for a cost: ``min(cost × share, cap)`` in whole đồng.

        >>> Policy("p", "t", "b", ("c",), 50.0, 100_000_000).amount_vnd(300_000_000)
        100000000
        >>> Policy("p", "t", "b", ("c",), 30.0).amount_vnd(10_000_000)
        3000000
        """
        share = cost_vnd * self.share_percent // 100
        return int(share if self.cap_vnd is None else min(share, self.cap_vnd))


@dataclass(frozen=True, slots=True)
class EligibilityItem:
    """One condition an applicant must show evidence for (điều kiện hỗ trợ)."""

    id: str
    text_vi: str


@dataclass(frozen=True, slots=True)
class Task:
    """One task of the plan's appendix (phụ lục nhiệm vụ)."""

    id: str
    title_vi: str
    lead_agency: str
    partners: str
    period: str
    indicators: tuple[Indicator, ...] = ()

    def applies_to(self, phase: Phase) -> bool:
        """Whether the task belongs to ``phase``: a task dated to another phase ('2026 - 2030', 'Đến năm
        2025') does not; a yearly one ('Hàng năm') belongs to every phase.

        >>> task = Task("3.1.b", "…", "Sở KH&CN", "", "2021 - 2025")
        >>> task.applies_to(Phase("2021-2025", date(2021, 1, 1), date(2025, 12, 31), ()))
        True
        >>> task.applies_to(Phase("2026-2030", date(2026, 1, 1), date(2030, 12, 31), ()))
        False
        """
        years = [int(y) for y in re.findall(r"\b(\d{4})\b", self.period)]
        if len(years) >= 2:
            return years[0] <= phase.end.year and years[-1] >= phase.start.year
        if len(years) == 1:
            return phase.start.year <= years[0]  # 'đến năm Y': until Y
        return True


@dataclass(frozen=True, slots=True)
class Programme:
    id: str
    city: str
    document: str
    source_file: str
    annual_report_due: tuple[int, int] | None  # (month, day)
    report_to: tuple[str, ...]
    phases: tuple[Phase, ...]
    support_contents: tuple[SupportContent, ...]
    policies: tuple[Policy, ...]
    eligibility: tuple[EligibilityItem, ...]
    priority_sectors: tuple[str, ...]
    tasks: tuple[Task, ...]
    support_rules: tuple[str, ...] = ()
    title_vi: str = ""  # the plan's full title
    priority_vsic: tuple[PrioritySector, ...] = ()  # the priority sectors as VSIC 2018 codes

    def priority_sector_of_code(self, code: str | None) -> str | None:
        """The priority sector an enterprise's (confirmed) VSIC code falls in, in the plan's words."""
        if not code:
            return None
        return next((s.name_vi for s in self.priority_vsic if s.covers(code)), None)

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every indicator with a target in some phase, in order of first appearance."""
        seen: dict[Indicator, None] = {}
        for phase in self.phases:
            for target in phase.targets:
                seen.setdefault(target.indicator, None)
        return tuple(seen)

    def phase(self, phase_id: str) -> Phase:
        for phase in self.phases:
            if phase.id == phase_id:
                return phase
        raise KeyError(phase_id)

    def phase_of_year(self, year: int) -> Phase | None:
        return next((p for p in self.phases if year in p.years), None)

    def previous_phase(self, phase: Phase) -> Phase | None:
        index = self.phases.index(phase)
        return self.phases[index - 1] if index > 0 else None

    def content(self, content_id: str) -> SupportContent:
        for content in self.support_contents:
            if content.id == content_id:
                return content
        raise KeyError(content_id)

    def policies_for(self, content_id: str) -> tuple[Policy, ...]:
        return tuple(p for p in self.policies if content_id in p.contents)

    def counting(self, indicator: Indicator) -> Counting:
        """How the plan counts an indicator (the first target that says so; distinct by default)."""
        for phase in self.phases:
            target = phase.target(indicator)
            if target is not None:
                return target.counting
        return Counting.DISTINCT
