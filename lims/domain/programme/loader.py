"""Reading and validating programme files (one JSON file per city plan).

The shipped files are in ``lims/domain/programme/data/``; a deployment adds a city by dropping a file
named ``<programme id>.json`` into a directory it passes as ``directories`` (the services pass the
instance folder's ``programmes/``). The format is documented in ``docs/programme.md``. Every error
names the file and the field at fault.

>>> programme = load_programme("danang-qd202-2019")
>>> programme.city, [p.id for p in programme.phases]
('Đà Nẵng', ['2019-2025', '2026-2030'])
>>> len(programme.priority_sectors)
4
>>> parse_programme({"id": "x"}, source="x.json")
Traceback (most recent call last):
...
lims.domain.programme.loader.ProgrammeFileError: x.json: city: required
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

from lims.domain.errors import DomainError
from lims.domain.programme.model import (
    EligibilityItem,
    Phase,
    Policy,
    Programme,
    SupportContent,
    Target,
    TargetKind,
    Task,
)
from lims.domain.programme.vocabulary import Counting, Indicator
from lims.domain.programme.vsic import PrioritySector, UnknownSectorCode, check_code


class ProgrammeFileError(DomainError, ValueError):
    """A programme file is missing, unreadable or does not follow the format."""


class UnknownProgramme(ProgrammeFileError, LookupError):
    """No programme file has the requested id."""


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


class _Reader:
    """Walks a parsed file, keeping the path of the field being read for error messages."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, message: str) -> ProgrammeFileError:
        return ProgrammeFileError(f"{self.source}: {where}: {message}")

    def text(self, obj: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
        value = obj.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(f"{where}{key}", "required")
            return ""
        if not isinstance(value, str):
            raise self.fail(f"{where}{key}", f"must be text, not {type(value).__name__}")
        return _nfc(value)

    def items(self, obj: Mapping[str, Any], key: str, where: str) -> Sequence[Any]:
        value = obj.get(key, [])
        if not isinstance(value, list):
            raise self.fail(f"{where}{key}", "must be a list")
        return value

    def mapping(self, value: Any, where: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(where, "must be an object")
        return value

    def day(self, obj: Mapping[str, Any], key: str, where: str) -> date:
        raw = self.text(obj, key, where)
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise self.fail(f"{where}{key}", f"{raw!r} is not a date YYYY-MM-DD") from None

    def number(self, value: Any, where: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"must be a number, not {value!r}")
        if value < 0:
            raise self.fail(where, f"must not be negative, not {value!r}")
        return float(value)

    def indicator(self, raw: Any, where: str) -> Indicator:
        try:
            return Indicator(raw)
        except ValueError:
            known = ", ".join(sorted(i.value for i in Indicator))
            raise self.fail(where, f"unknown indicator {raw!r} (known: {known})") from None


def _target(r: _Reader, raw: Any, where: str) -> Target:
    obj = r.mapping(raw, where)
    indicator = r.indicator(obj.get("indicator"), f"{where}.indicator")
    kinds = [k for k in TargetKind if k.value in obj]
    if len(kinds) != 1:
        raise r.fail(where, "needs exactly one of min, share_min, growth_vs_previous_phase")
    kind = kinds[0]
    value = r.number(obj[kind.value], f"{where}.{kind.value}")
    if kind is TargetKind.SHARE_MIN and value > 1:
        raise r.fail(f"{where}.share_min", f"is a fraction between 0 and 1, not {value:g}")
    if (kind is TargetKind.SHARE_MIN) != (indicator.measure.value == "share"):
        raise r.fail(where, f"{kind.value} does not fit indicator {indicator.value} ({indicator.measure})")
    strict = obj.get("strict", False)
    if not isinstance(strict, bool):
        raise r.fail(f"{where}.strict", "must be true or false")
    counts = obj.get("counts", "distinct")
    if isinstance(counts, str) and "lượt" in counts:
        counts = "times"  # the seed restates the plans' 'lượt' in words
    try:
        counting = Counting(counts)
    except ValueError:
        raise r.fail(f"{where}.counts", f"must be 'distinct' or 'times', not {counts!r}") from None
    return Target(indicator, kind, value, strict, counting, r.text(obj, "quote", f"{where}.", required=False))


def _phase(r: _Reader, raw: Any, where: str) -> Phase:
    obj = r.mapping(raw, where)
    phase = Phase(
        id=r.text(obj, "id", f"{where}."),
        start=r.day(obj, "start", f"{where}."),
        end=r.day(obj, "end", f"{where}."),
        targets=tuple(
            _target(r, t, f"{where}.targets[{i}]") for i, t in enumerate(r.items(obj, "targets", f"{where}."))
        ),
    )
    if phase.end < phase.start:
        raise r.fail(f"{where}.end", f"{phase.end} is before the start {phase.start}")
    seen = [t.indicator for t in phase.targets]
    for indicator in seen:
        if seen.count(indicator) > 1:
            raise r.fail(f"{where}.targets", f"indicator {indicator.value} has two targets")
    return phase


def _policy(r: _Reader, raw: Any, where: str, contents: set[str]) -> Policy:
    obj = r.mapping(raw, where)
    covered = tuple(str(c) for c in r.items(obj, "contents", f"{where}."))
    if not covered:
        raise r.fail(f"{where}.contents", "names no support content")
    for content in covered:
        if content not in contents:
            raise r.fail(f"{where}.contents", f"unknown support content {content!r}")
    share = r.number(obj.get("share_percent"), f"{where}.share_percent")
    if share > 100:
        raise r.fail(f"{where}.share_percent", f"must be at most 100, not {share:g}")
    cap = obj.get("cap_vnd")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap <= 0):
        raise r.fail(f"{where}.cap_vnd", f"must be a positive whole number of đồng, not {cap!r}")
    return Policy(
        id=r.text(obj, "id", f"{where}."),
        title_vi=r.text(obj, "title_vi", f"{where}."),
        legal_basis=r.text(obj, "legal_basis", f"{where}."),
        contents=covered,
        share_percent=share,
        cap_vnd=cap,
        note=r.text(obj, "note", f"{where}.", required=False),
    )


def _task(r: _Reader, raw: Any, where: str) -> Task:
    obj = r.mapping(raw, where)
    return Task(
        id=r.text(obj, "id", f"{where}."),
        title_vi=r.text(obj, "title_vi", f"{where}."),
        lead_agency=r.text(obj, "lead_agency", f"{where}."),
        partners=r.text(obj, "partners", f"{where}.", required=False),
        period=r.text(obj, "period", f"{where}."),
        indicators=tuple(
            r.indicator(i, f"{where}.indicators[{n}]")
            for n, i in enumerate(r.items(obj, "indicators", f"{where}."))
        ),
    )


def _unique(r: _Reader, ids: Iterable[str], where: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise r.fail(where, f"id {item!r} appears twice")
        seen.add(item)


def _due(r: _Reader, raw: Any) -> tuple[int, int] | None:
    if raw is None:
        return None
    try:
        month, day = (int(part) for part in str(raw).split("-"))
        date(2000, month, day)
    except ValueError:
        raise r.fail("annual_report_due", f"must be MM-DD, not {raw!r}") from None
    return month, day


def parse_programme(data: Mapping[str, Any], *, source: str = "<programme>") -> Programme:
    """Build a :class:`Programme` from a parsed file, refusing anything the format does not allow."""
    r = _Reader(source)
    obj = r.mapping(data, "(file)")
    programme_id = r.text(obj, "id", "")
    r.source = f"{source} ({programme_id})" if programme_id not in source else source
    city = r.text(obj, "city", "")
    phases = tuple(_phase(r, p, f"phases[{i}]") for i, p in enumerate(r.items(obj, "phases", "")))
    if not phases:
        raise r.fail("phases", "at least one phase is required")
    _unique(r, (p.id for p in phases), "phases")
    for i, (before, after) in enumerate(pairwise(phases)):
        if after.start <= before.end:
            raise r.fail(f"phases[{i + 1}].start", f"overlaps phase {before.id}")
    if any(t.kind is TargetKind.GROWTH for t in phases[0].targets):
        raise r.fail("phases[0].targets", "growth_vs_previous_phase needs a previous phase")
    contents = tuple(
        SupportContent(
            id=r.text(c, "id", f"support_contents[{i}]."),
            title_vi=r.text(c, "title_vi", f"support_contents[{i}]."),
            title_en=r.text(c, "title_en", f"support_contents[{i}].", required=False),
        )
        for i, c in enumerate(
            r.mapping(x, f"support_contents[{n}]") for n, x in enumerate(r.items(obj, "support_contents", ""))
        )
    )
    _unique(r, (c.id for c in contents), "support_contents")
    content_ids = {c.id for c in contents}
    policies = tuple(
        _policy(r, p, f"policies[{i}]", content_ids) for i, p in enumerate(r.items(obj, "policies", ""))
    )
    _unique(r, (p.id for p in policies), "policies")
    for content in contents:
        if not any(content.id in p.contents for p in policies):
            raise r.fail("policies", f"no policy funds support content {content.id!r}")
    eligibility = tuple(
        EligibilityItem(r.text(e, "id", f"eligibility[{i}]."), r.text(e, "text_vi", f"eligibility[{i}]."))
        for i, e in enumerate(
            r.mapping(x, f"eligibility[{n}]") for n, x in enumerate(r.items(obj, "eligibility", ""))
        )
    )
    _unique(r, (e.id for e in eligibility), "eligibility")
    tasks = tuple(_task(r, t, f"tasks[{i}]") for i, t in enumerate(r.items(obj, "tasks", "")))
    _unique(r, (t.id for t in tasks), "tasks")
    sectors = _priority_sectors(r, obj)
    return Programme(
        id=programme_id,
        city=city,
        document=r.text(obj, "document", ""),
        source_file=r.text(obj, "source_file", "", required=False),
        annual_report_due=_due(r, obj.get("annual_report_due")),
        report_to=tuple(_nfc(str(x)) for x in r.items(obj, "report_to", "")),
        phases=phases,
        support_contents=contents,
        policies=policies,
        eligibility=eligibility,
        priority_sectors=tuple(sector.name_vi for sector in sectors),
        priority_vsic=tuple(sector for sector in sectors if sector.codes),
        tasks=tasks,
        support_rules=tuple(_nfc(str(x)) for x in r.items(obj, "support_rules", "")),
        title_vi=r.text(obj, "title_vi", "", required=False),
    )


def _priority_sectors(r: _Reader, obj: Mapping[str, Any]) -> tuple[PrioritySector, ...]:
    """``priority_sectors``: each a name, or ``{"name_vi": …, "vsic": ["52", …]}`` with VSIC 2018 codes."""
    sectors = []
    for index, raw in enumerate(r.items(obj, "priority_sectors", "")):
        where = f"priority_sectors[{index}]"
        if isinstance(raw, str):
            sectors.append(PrioritySector(_nfc(raw), ()))
            continue
        item = r.mapping(raw, where)
        codes = []
        for n, code in enumerate(r.items(item, "vsic", f"{where}.")):
            try:
                codes.append(check_code(str(code)))
            except UnknownSectorCode:
                raise r.fail(f"{where}.vsic[{n}]", f"{code!r} is not a VSIC 2018 division code") from None
        sectors.append(PrioritySector(r.text(item, "name_vi", f"{where}."), tuple(codes)))
    return tuple(sectors)


def _shipped() -> Any:
    return resources.files("lims.domain.programme").joinpath("data")


def _candidates(directories: Sequence[Path]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for directory in directories:
        if directory.is_dir():
            found += [(p.stem, p) for p in sorted(directory.glob("*.json"))]
    found += [
        (entry.name.removesuffix(".json"), entry)
        for entry in sorted(_shipped().iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    ]
    return found


def available_programmes(directories: Sequence[Path] = ()) -> list[str]:
    """Ids of every programme file, the deployment's directories first, then the shipped ones.

    >>> available_programmes()
    ['danang-qd202-2019', 'hanoi-kh16-2022']
    """
    return sorted({name for name, _ in _candidates(directories)})


def load_programme(programme_id: str, directories: Sequence[Path] = ()) -> Programme:
    """Load the programme with this id; a file in ``directories`` overrides a shipped one."""
    for name, entry in _candidates(directories):
        if name != programme_id:
            continue
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ProgrammeFileError(f"{entry.name}: cannot be read: {exc}") from None
        programme = parse_programme(data, source=entry.name)
        if programme.id != programme_id:
            raise ProgrammeFileError(f"{entry.name}: id {programme.id!r} does not match the file name")
        return programme
    known = ", ".join(available_programmes(directories)) or "none"
    raise UnknownProgramme(f"programme {programme_id!r} not found (available: {known})")
