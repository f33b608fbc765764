"""The city programme: indicators counted from the records, phase status against the plan, the annual report.

Every figure is a SQL count over the records of :mod:`lims.models.programme` and the standards
register; nothing is typed in. Periods are closed date ranges. A phase's cumulative figure is counted
over the phase up to the end of the year asked for (counting each enterprise or lab once over the whole
range when the plan counts them once), never summed from yearly figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Select, distinct, func, select
from sqlalchemy.orm import Session

from lims.config import Settings
from lims.domain.programme import (
    Counting,
    Indicator,
    Measure,
    Phase,
    Programme,
    TargetKind,
    TargetStatus,
    Task,
    evaluate,
    load_programme,
)
from lims.errors import N_, LimsError
from lims.models import (
    ApplicationStatus,
    DemandInstrumentType,
    LabAssessment,
    MeasurementAssuranceSupport,
    MeasurementStandard,
    ProgrammeBaseline,
    ProgrammeTaskProgress,
    ReferenceMaterial,
    ServiceCertification,
    StandardDevelopment,
    StandardLevel,
    SupportApplication,
    SupportGrant,
    TrainingCourse,
    TrainingParticipation,
)
from lims.services.programme.drilldown import indicator_records
from lims.services.programme.queries import NOT_IN_SERVICE, certified_services


class ProgrammeReportError(LimsError, ValueError):
    pass


class YearOutsideProgramme(ProgrammeReportError):
    template = N_("The year %(year)s is outside the programme's phases (%(first)s–%(last)s).")


class YearInFuture(ProgrammeReportError):
    template = N_("The year %(year)s has not started yet.")


def programme_directories(settings: Settings) -> list[Path]:
    """Where a deployment drops its own programme files (checked before the shipped ones)."""
    return [settings.instance_path / "programmes"]


def current_programme(settings: Settings) -> Programme:
    """The programme chosen by ``LIMS_PROGRAMME``."""
    return load_programme(settings.programme, programme_directories(settings))


def _scalar(session: Session, stmt: Select[tuple[int]]) -> int:
    return int(session.scalar(stmt) or 0)


def _developed(
    model: type[MeasurementStandard] | type[ReferenceMaterial], start: date, end: date
) -> Select[tuple[int]]:
    """Developments of standards (or reference materials) in the period, not withdrawn, still in service."""
    column = (
        StandardDevelopment.standard_id
        if model is MeasurementStandard
        else StandardDevelopment.reference_material_id
    )
    return (
        select(func.count(distinct(column)))
        .select_from(StandardDevelopment)
        .join(model, model.id == column)
        .where(
            StandardDevelopment.withdrawn_at.is_(None),
            StandardDevelopment.developed_on >= start,
            StandardDevelopment.developed_on <= end,
            model.status.not_in(NOT_IN_SERVICE),
        )
    )


def demand_share(session: Session, on: date) -> float:
    """Share of the yearly state-management demand the lab can serve on a date, weighted by instruments."""
    live = DemandInstrumentType.withdrawn_at.is_(None)
    total = _scalar(session, select(func.sum(DemandInstrumentType.annual_demand)).where(live))
    if total == 0:
        return 0.0
    covered = _scalar(
        session,
        select(func.sum(DemandInstrumentType.annual_demand)).where(
            live, DemandInstrumentType.covered_since <= on
        ),
    )
    return covered / total


def indicator_value(
    session: Session,
    indicator: Indicator,
    start: date,
    end: date,
    *,
    zone: tzinfo,
    counting: Counting = Counting.DISTINCT,
) -> float:
    """An indicator over ``start..end`` (both included); a share indicator is read at ``end``.

    ``zone`` is the lab's time zone (``Settings.timezone``, ``LIMS_TIMEZONE``): the lab's certificates carry
    an instant, and the day (hence the year) they count in is the lab's local day."""
    if indicator is Indicator.STATE_DEMAND_MET:
        return demand_share(session, end)
    if indicator is Indicator.HIGH_ACCURACY_STANDARDS:
        return _scalar(
            session,
            _developed(MeasurementStandard, start, end).where(
                MeasurementStandard.level == StandardLevel.REFERENCE
            ),
        )
    if indicator is Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED:
        return _scalar(session, _developed(MeasurementStandard, start, end)) + _scalar(
            session, _developed(ReferenceMaterial, start, end)
        )
    if indicator is Indicator.TRAINING_PARTICIPATIONS:
        return _scalar(
            session,
            select(func.count(TrainingParticipation.id))
            .join(TrainingCourse, TrainingCourse.id == TrainingParticipation.course_id)
            .where(
                TrainingParticipation.withdrawn_at.is_(None),
                TrainingCourse.withdrawn_at.is_(None),
                TrainingCourse.ends_on >= start,
                TrainingCourse.ends_on <= end,
            ),
        )
    if indicator is Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME:
        supports = select(MeasurementAssuranceSupport.enterprise_id).where(
            MeasurementAssuranceSupport.withdrawn_at.is_(None),
            MeasurementAssuranceSupport.supported_on >= start,
            MeasurementAssuranceSupport.supported_on <= end,
        )
        certified = certified_services(start, end, zone=zone)
        if counting is Counting.TIMES:  # 'lượt': every support and every certificate issued
            return _scalar(session, select(func.count()).select_from(supports.subquery())) + _scalar(
                session, select(func.count()).select_from(certified.subquery())
            )
        # each enterprise once, whether supported, certified or both (UNION drops the repeats)
        both = supports.union(select(certified.subquery().c.enterprise_id))
        return _scalar(session, select(func.count()).select_from(both.subquery()))
    if indicator in (
        Indicator.LABS_APPLYING_NATIONAL_CRITERIA,
        Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA,
    ):
        stmt = select(func.count(distinct(LabAssessment.lab_code))).where(
            LabAssessment.withdrawn_at.is_(None),
            LabAssessment.assessed_on >= start,
            LabAssessment.assessed_on <= end,
        )
        if indicator is Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA:
            stmt = stmt.where(LabAssessment.accredited.is_(True))
        return _scalar(session, stmt)
    if indicator is Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED:
        return _scalar(
            session,
            select(func.count(distinct(ServiceCertification.organisation_code))).where(
                ServiceCertification.withdrawn_at.is_(None),
                ServiceCertification.issued_on >= start,
                ServiceCertification.issued_on <= end,
            ),
        )
    raise AssertionError(f"indicator {indicator} has no computation")  # the vocabulary is closed


def _year_range(phase: Phase, year: int) -> tuple[date, date]:
    return max(phase.start, date(year, 1, 1)), min(phase.end, date(year, 12, 31))


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator of a phase as of the end of a year: the year's figure, the phase so far, the trend."""

    indicator: Indicator
    year: int
    year_actual: float
    yearly: tuple[tuple[int, float], ...]
    status: TargetStatus
    counting: Counting = Counting.DISTINCT
    baseline_source: str | None = None  # where the growth target's base comes from, in words

    @property
    def measure(self) -> Measure:
        return self.indicator.measure

    @property
    def unit_vi(self) -> str:
        return self.indicator.unit_vi_counted(self.counting)


def entered_baseline(
    session: Session, programme: Programme, phase: Phase, indicator: Indicator
) -> ProgrammeBaseline | None:
    """The previous phase's figure entered for a growth target of ``phase`` (not withdrawn), if any."""
    return session.scalar(
        select(ProgrammeBaseline).where(
            ProgrammeBaseline.programme_id == programme.id,
            ProgrammeBaseline.phase_id == phase.id,
            ProgrammeBaseline.indicator == indicator.value,
            ProgrammeBaseline.withdrawn_at.is_(None),
        )
    )


def baseline(
    session: Session,
    programme: Programme,
    phase: Phase,
    indicator: Indicator,
    counting: Counting,
    *,
    zone: tzinfo,
) -> tuple[float | None, str | None]:
    """A growth target's base: the entered figure (with its source) when there is one, else the previous
    phase's actual counted from the records; ``(None, None)`` when there is no previous phase."""
    entered = entered_baseline(session, programme, phase, indicator)
    if entered is not None:
        return float(entered.value), entered.source
    previous = programme.previous_phase(phase)
    if previous is None:
        return None, None
    value = indicator_value(session, indicator, previous.start, previous.end, zone=zone, counting=counting)
    return value, f"số liệu ghi nhận của giai đoạn {previous.id}"


def phase_status(
    session: Session, programme: Programme, phase: Phase, year: int, *, zone: tzinfo
) -> list[IndicatorRow]:
    """Every indicator targeted in the phase, as of the end of ``year`` (within the phase); ``zone`` is the
    lab's time zone (see :func:`indicator_value`)."""
    last = min(year, phase.end.year)
    rows = []
    for target in phase.targets:
        indicator, counting = target.indicator, target.counting
        yearly = tuple(
            (y, indicator_value(session, indicator, *_year_range(phase, y), zone=zone, counting=counting))
            for y in range(phase.start.year, last + 1)
        )
        cumulative = indicator_value(
            session, indicator, phase.start, _year_range(phase, last)[1], zone=zone, counting=counting
        )
        previous_actual, source = (
            baseline(session, programme, phase, indicator, counting, zone=zone)
            if target.kind is TargetKind.GROWTH
            else (None, None)
        )
        status = evaluate(
            target,
            indicator,
            actual=cumulative,
            yearly=yearly,
            last_year=last,
            phase_end_year=phase.end.year,
            previous_actual=previous_actual,
        )
        year_actual = yearly[-1][1] if yearly else 0.0
        rows.append(IndicatorRow(indicator, last, year_actual, yearly, status, counting, source))
    return rows


@dataclass(frozen=True, slots=True)
class TaskRow:
    task: Task
    figures: tuple[IndicatorRow, ...]
    done: str | None


@dataclass(frozen=True, slots=True)
class SupportLine:
    """Grants of one support content in a year: how many organisations and the amount declared."""

    content_id: str
    title_vi: str
    grants: int
    amount_vnd: int


@dataclass(frozen=True, slots=True)
class SupportSummary:
    received: int
    approved: int
    rejected: int
    pending: int
    lines: tuple[SupportLine, ...]


@dataclass(frozen=True, slots=True)
class RecordSection:
    """The records behind one indicator's figure of the year, listed in the report's appendix."""

    indicator: Indicator
    lines: tuple[Any, ...]  # drilldown.RecordLine


# The indicators whose records of the year are listed by name (the others are too many to list: people,
# enterprises, or are a share of a catalogue).
LISTED = (
    Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED,
    Indicator.LABS_APPLYING_NATIONAL_CRITERIA,
    Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED,
)


@dataclass(frozen=True, slots=True)
class AnnualReport:
    programme: Programme
    year: int
    phase: Phase
    rows: tuple[IndicatorRow, ...]
    tasks: tuple[TaskRow, ...]
    due_on: date | None
    generated_on: date
    support: SupportSummary | None = None
    records: tuple[RecordSection, ...] = ()


def support_summary(session: Session, programme: Programme, year: int) -> SupportSummary:
    """Applications received in the year by their present status, and the grants decided in it."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    statuses = session.execute(
        select(SupportApplication.status, func.count())
        .where(
            SupportApplication.programme_id == programme.id,
            SupportApplication.applied_on >= first,
            SupportApplication.applied_on <= last,
        )
        .group_by(SupportApplication.status)
    ).all()
    by_status = {ApplicationStatus(row[0]): int(row[1]) for row in statuses}
    grants = session.execute(
        select(SupportGrant.content_id, func.count(), func.coalesce(func.sum(SupportGrant.amount_vnd), 0))
        .where(
            SupportGrant.programme_id == programme.id,
            SupportGrant.granted_on >= first,
            SupportGrant.granted_on <= last,
        )
        .group_by(SupportGrant.content_id)
    ).all()
    granted = {row[0]: (int(row[1]), int(row[2])) for row in grants}
    lines = tuple(
        SupportLine(c.id, c.title_vi, *granted.get(c.id, (0, 0))) for c in programme.support_contents
    )
    return SupportSummary(
        received=sum(by_status.values()),
        approved=by_status.get(ApplicationStatus.APPROVED, 0),
        rejected=by_status.get(ApplicationStatus.REJECTED, 0),
        pending=by_status.get(ApplicationStatus.PENDING, 0),
        lines=lines,
    )


def _check_year(programme: Programme, year: int, today: date) -> Phase:
    phase = programme.phase_of_year(year)
    if phase is None:
        raise YearOutsideProgramme(
            year=year, first=programme.phases[0].start.year, last=programme.phases[-1].end.year
        )
    if year > today.year:
        raise YearInFuture(year=year)
    return phase


def annual_report(
    session: Session, programme: Programme, year: int, *, today: date, zone: tzinfo
) -> AnnualReport:
    """The figures of ``year`` and of its phase so far against the targets, and the appendix tasks;
    ``zone`` is the lab's time zone (see :func:`indicator_value`)."""
    phase = _check_year(programme, year, today)
    rows = tuple(phase_status(session, programme, phase, year, zone=zone))
    by_indicator = {row.indicator: row for row in rows}
    rows_of_notes = session.execute(
        select(ProgrammeTaskProgress.task_id, ProgrammeTaskProgress.done).where(
            ProgrammeTaskProgress.programme_id == programme.id,
            ProgrammeTaskProgress.year == year,
            ProgrammeTaskProgress.withdrawn_at.is_(None),
        )
    ).all()
    notes = {row.task_id: row.done for row in rows_of_notes}
    missing = [i for t in programme.tasks for i in t.indicators if i not in by_indicator]
    for indicator in dict.fromkeys(missing):
        # An indicator a task names but the phase does not target is still reported, without a verdict.
        counting = programme.counting(indicator)
        yearly = tuple(
            (y, indicator_value(session, indicator, *_year_range(phase, y), zone=zone, counting=counting))
            for y in range(phase.start.year, year + 1)
        )
        cumulative = indicator_value(
            session, indicator, phase.start, _year_range(phase, year)[1], zone=zone, counting=counting
        )
        status = evaluate(
            None, indicator, actual=cumulative, yearly=yearly, last_year=year, phase_end_year=phase.end.year
        )
        by_indicator[indicator] = IndicatorRow(indicator, year, yearly[-1][1], yearly, status, counting)
    tasks = tuple(
        TaskRow(task, tuple(by_indicator[i] for i in task.indicators), notes.get(task.id))
        for task in programme.tasks
        if task.applies_to(phase)
    )
    due = date(year, *programme.annual_report_due) if programme.annual_report_due else None
    start, end = _year_range(phase, year)
    sections = tuple(
        RecordSection(indicator, tuple(indicator_records(session, indicator, start, end, zone=zone)))
        for indicator in LISTED
    )
    return AnnualReport(
        programme, year, phase, rows, tasks, due, today, support_summary(session, programme, year), sections
    )


def report_reminder(programme: Programme, *, today: date, days_ahead: int = 30) -> date | None:
    """The due date of this year's report when it falls within ``days_ahead`` days, else ``None``."""
    if programme.annual_report_due is None:
        return None
    due = date(today.year, *programme.annual_report_due)
    return due if 0 <= (due - today).days <= days_ahead else None


def yearly_counts(
    session: Session,
    indicator: Indicator,
    years: Sequence[int],
    *,
    zone: tzinfo,
    counting: Counting = Counting.DISTINCT,
) -> list[tuple[int, float]]:
    """The indicator for whole calendar years (used by the dashboard's trend chart)."""
    return [
        (y, indicator_value(session, indicator, date(y, 1, 1), date(y, 12, 31), zone=zone, counting=counting))
        for y in years
    ]
