"""Built-in software validation (ISO/IEC 17025:2017 7.11.2 and 7.11.6): cases, running them, the report data.

A :class:`Case` checks one property of the software against a stated expectation: a published worked example of
the uncertainty engine, a required item of a rendered certificate, the schema validity of a DCC, a serial
reading parsed exactly from a simulator, the integrity of the audit chain, the migration state of the database.
Each case yields an :class:`Outcome` (expected, obtained, tolerance, pass/fail); running the cases gives a
:class:`ValidationReport` with the software's identification (version, git revision, Python and library
versions) so the report says exactly which software was validated.

The cases themselves are in :mod:`lims.services.jobs.validation_cases`; the PDF in
:mod:`lims.reports.validation_pdf`. Nothing here imports Flask or pytest: ``lims validate`` runs it on an
installed system.
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import lims

#: Libraries whose versions bear on the results (numerics, rendering, schema validation, database).
LIBRARIES = (
    "numpy",
    "scipy",
    "uncertainties",
    "pint",
    "reportlab",
    "pypdf",
    "xmlschema",
    "lxml",
    "pyserial",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "flask",
)
REPORT_FORMAT = "lims-validation/1"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a case expected and what it obtained, as text a reader can check."""

    expected: str
    obtained: str
    passed: bool
    tolerance: str = ""


@dataclass(frozen=True, slots=True)
class Context:
    """What the cases may use: the configured database (None when not available) and run parameters."""

    session: Session | None
    database_url: str = ""
    monte_carlo_trials: int = 1_000_000


@dataclass(frozen=True, slots=True)
class Case:
    """One validation case; ``run`` returns the outcome (an exception counts as a failure)."""

    id: str
    clause: str
    description_vi: str
    description_en: str
    run: Callable[[Context], Outcome]
    group: str = ""


@dataclass(frozen=True, slots=True)
class CaseResult:
    id: str
    group: str
    clause: str
    description_vi: str
    description_en: str
    expected: str
    obtained: str
    tolerance: str
    passed: bool
    seconds: float


@dataclass(frozen=True, slots=True)
class ValidationReport:
    started_at: datetime
    finished_at: datetime
    software: dict[str, Any]
    database: dict[str, str]
    results: tuple[CaseResult, ...] = field(default_factory=tuple)

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failures(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


def close_to(expected: float, obtained: float, tolerance: float, unit: str = "", digits: int = 6) -> Outcome:
    """Pass when ``|obtained - expected| <= tolerance``."""
    suffix = f" {unit}" if unit else ""
    return Outcome(
        expected=f"{expected:.{digits}g}{suffix}",
        obtained=f"{obtained:.{digits}g}{suffix}",
        passed=abs(obtained - expected) <= tolerance,
        tolerance=f"± {tolerance:.3g}{suffix}",
    )


def equal(expected: object, obtained: object) -> Outcome:
    """Pass when the two are equal; the texts shown are their ``str``."""
    return Outcome(str(expected), str(obtained), expected == obtained, "exact")


def git_revision(start: Path | None = None) -> str | None:
    """The git commit of the source tree the package runs from, when it is a checkout; None otherwise."""
    folder = start or Path(lims.__file__).resolve().parent.parent
    try:
        done = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--show-toplevel", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.split()
    # an installed package inside some other repository (a venv in a checkout) is not that repository's code
    if done.returncode != 0 or len(lines) != 2 or Path(lines[0]).resolve() != folder.resolve():
        return None
    revision = lines[1]
    if len(revision) != 40:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return revision + ("-dirty" if dirty.returncode == 0 and dirty.stdout.strip() else "")


def software_identification() -> dict[str, Any]:
    """Version of the LIMS, its git revision if any, Python and the libraries of :data:`LIBRARIES`."""
    versions: dict[str, str | None] = {}
    for name in LIBRARIES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "name": "lims",
        "version": lims.__version__,
        "git_revision": git_revision(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libraries": versions,
    }


def run_case(case: Case, context: Context) -> CaseResult:
    """Run one case; an exception is a failure whose obtained text names it (never a crash of the run)."""
    t0 = time.perf_counter()
    try:
        outcome = case.run(context)
    except Exception as exc:  # a validation case failing by an exception is a result to report
        last = traceback.extract_tb(exc.__traceback__)[-1:]
        where = f" at {last[0].filename.rsplit('/', 1)[-1]}:{last[0].lineno}" if last else ""
        outcome = Outcome("no error", f"{type(exc).__name__}: {exc}{where}", False)
    return CaseResult(
        id=case.id,
        group=case.group,
        clause=case.clause,
        description_vi=case.description_vi,
        description_en=case.description_en,
        expected=outcome.expected,
        obtained=outcome.obtained,
        tolerance=outcome.tolerance,
        passed=bool(outcome.passed),
        seconds=round(time.perf_counter() - t0, 3),
    )


def run_validation(
    cases: Iterable[Case],
    context: Context,
    *,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_result: Callable[[CaseResult], None] | None = None,
) -> ValidationReport:
    """Run every case in order and assemble the report."""
    started = clock()
    results = []
    for case in cases:
        result = run_case(case, context)
        results.append(result)
        if on_result is not None:
            on_result(result)
    database = {"url": _redacted(context.database_url)} if context.database_url else {}
    return ValidationReport(started, clock(), software_identification(), database, tuple(results))


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL is shown as its scheme only
        return url.split(":", 1)[0]


def report_to_dict(report: ValidationReport) -> dict[str, Any]:
    """The machine-readable report (the JSON file of ``lims validate``)."""
    return {
        "format": REPORT_FORMAT,
        "standard": "ISO/IEC 17025:2017 7.11.2, 7.11.6",
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat(),
        "software": report.software,
        "database": report.database,
        "passed": report.passed,
        "summary": {
            "cases": len(report.results),
            "passed": sum(r.passed for r in report.results),
            "failed": len(report.failures),
            "failed_ids": [r.id for r in report.failures],
        },
        "cases": [
            {**asdict(r), "description": r.description_en, "result": "pass" if r.passed else "fail"}
            for r in report.results
        ],
    }


def report_stem(report: ValidationReport) -> str:
    """The dated base name of the report files, e.g. ``validation-20261122T211500Z``."""
    return "validation-" + report.started_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
