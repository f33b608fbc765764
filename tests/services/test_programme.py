"""Programme indicators counted from records, checked against counts the test makes on its own lists.

The plans count 'lượt' (Hà Nội Plan 16 II.2.a 'ít nhất 1000 lượt cán bộ'; Đà Nẵng QĐ 202 I.2.a 'ít nhất
50 lượt doanh nghiệp'): a person on two courses counts twice; an enterprise supported twice counts twice
for Đà Nẵng and once for Hà Nội ('ít nhất 1500 doanh nghiệp').
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain.programme import Counting, Indicator, load_programme
from lims.localtime import lab_zone
from lims.models import (
    AssessmentResult,
    CertificationStandard,
    MeasurementStandard,
    Quantity,
    ReferenceMaterial,
    StandardLevel,
    StandardStatus,
    TrainingCourse,
    TrainingParticipation,
)
from lims.services.programme.developments import DevelopmentInput, record_development
from lims.services.programme.records import (
    AssessmentInput,
    CertificationInput,
    DatesOutOfOrder,
    DuplicateParticipant,
    MissingIdentity,
    add_demand_type,
    record_certification,
    record_lab_assessment,
    record_map_support,
)
from lims.services.programme.report import (
    YearInFuture,
    YearOutsideProgramme,
    annual_report,
    indicator_value,
    phase_status,
)
from lims.services.programme.training import CourseInput, ParticipantInput, add_participant, create_course
from tests.factories import make_enterprise, make_lab

ZONE = lab_zone()  # the default LIMS_TIMEZONE (Asia/Ho_Chi_Minh), as the test app has it

TODAY = date(2024, 12, 20)
HANOI = load_programme("hanoi-kh16-2022")


@dataclass
class Ledger:
    """What the test inserted, kept as plain Python to count independently of SQL."""

    participations: list[date] = field(default_factory=list)  # course end date per participation
    supports: list[tuple[int, date]] = field(default_factory=list)
    assessments: list[tuple[str, bool, date]] = field(default_factory=list)
    certifications: list[tuple[str, date]] = field(default_factory=list)
    standards: list[tuple[StandardLevel, StandardStatus, date]] = field(default_factory=list)
    materials: list[tuple[StandardStatus, date]] = field(default_factory=list)
    demand: list[tuple[int, date | None]] = field(default_factory=list)


def _day(rng: random.Random, year: int) -> date:
    return date(year, 1, 1) + timedelta(days=rng.randrange(365))


def build_records(session: Session, seed: int = 2024) -> Ledger:
    """Three years of records inside Hà Nội's first phase, plus some just outside it."""
    rng = random.Random(seed)
    ledger = Ledger()
    people = [(f"Người {i}", f"0010{i:08d}") for i in range(40)]
    for year in (2020, 2022, 2023, 2024, 2026):
        for c in range(rng.randint(2, 4)):
            start = _day(rng, year)
            if c == 0 and year == 2024:
                start = date(2024, 12, 30)  # ends in 2025: counted in the year it ends
            end = start + timedelta(days=rng.randint(0, 3))
            course = create_course(
                session,
                CourseInput(f"Đo lường khóa {year}-{c}", "Chi cục TCĐLCL", starts_on=start, ends_on=end),
            )
            for name, cccd in rng.sample(people, rng.randint(3, 12)):  # the same people recur across courses
                add_participant(
                    session, course.id, ParticipantInput(name, national_id=cccd, organisation="Sở KH&CN")
                )
                ledger.participations.append(end)
    enterprises = [make_enterprise(session).id for _ in range(12)]
    for year in (2020, 2022, 2023, 2024, 2026):
        for _ in range(rng.randint(5, 10)):
            ent, day = rng.choice(enterprises), _day(rng, year)
            record_map_support(
                session, HANOI, ent, supported_on=day, content="consulting, facility_equipment"
            )
            ledger.supports.append((ent, day))
    labs = [(f"VILAS {100 + i}", i % 3 == 0) for i in range(9)]
    for year in (2020, 2022, 2023, 2024):
        for code, accredited in rng.sample(labs, 4):
            day = _day(rng, year)
            record_lab_assessment(
                session,
                AssessmentInput(
                    lab_name=f"Phòng thí nghiệm {code}",
                    lab_code=code,
                    assessed_on=day,
                    result=rng.choice(list(AssessmentResult)),
                    accredited=accredited,
                    accreditation_number=code if accredited else None,
                ),
            )
            ledger.assessments.append((code, accredited, day))
    for i, year in enumerate((2021, 2022, 2022, 2023, 2024, 2024, 2026)):
        org = f"010{i % 4:07d}"
        day = _day(rng, year)
        record_certification(
            session,
            CertificationInput(
                organisation_name=f"Công ty dịch vụ hiệu chuẩn {i % 4}",
                organisation_code=org,
                standard=CertificationStandard.ISO_IEC_17025 if i % 2 else CertificationStandard.ISO_9001,
                certificate_number=f"CN-{i:03d}",
                issued_on=day,
                expires_on=day + timedelta(days=3 * 365),
            ),
        )
        ledger.certifications.append((org, day))
    lab = make_lab(session)
    for i in range(14):
        level = rng.choice(list(StandardLevel))
        status = rng.choice([StandardStatus.IN_SERVICE, StandardStatus.DUE, StandardStatus.RETIRED])
        day = _day(rng, rng.choice((2020, 2021, 2022, 2023, 2024, 2026)))
        session.add(
            MeasurementStandard(
                lab_id=lab.id,
                asset_number=f"CT-{i}",
                name=f"Chuẩn {i}",
                quantity=Quantity.MASS,
                unit="kg",
                level=level,
                status=status,
            )
        )
        session.flush()
        record_development(session, HANOI, DevelopmentInput(f"CT-{i}", day, "Ngân sách Thành phố"))
        ledger.standards.append((level, status, day))
    session.add(  # an older standard not developed under the programme never counts
        MeasurementStandard(
            lab_id=lab.id,
            asset_number="CT-OLD",
            name="Chuẩn cũ",
            quantity=Quantity.MASS,
            unit="kg",
            level=StandardLevel.REFERENCE,
        )
    )
    for i in range(5):
        status = StandardStatus.IN_SERVICE if i != 2 else StandardStatus.OUT_OF_SERVICE
        day = _day(rng, 2021 + i)
        session.add(
            ReferenceMaterial(
                lab_id=lab.id,
                code=f"CRM-{i}",
                name=f"Chất chuẩn {i}",
                producer="NIST",
                lot=f"L{i}",
                certified_value=Decimal("1.0"),
                expanded_uncertainty=Decimal("0.01"),
                unit="mg/L",
                expiry_on=date(2030, 1, 1),
                status=status,
            )
        )
        session.flush()
        record_development(session, HANOI, DevelopmentInput(f"CRM-{i}", day, "Ngân sách Thành phố"))
        ledger.materials.append((status, day))
    for i, (demand, covered) in enumerate(
        [
            (1200, date(2021, 3, 1)),
            (800, date(2023, 6, 30)),
            (500, None),
            (300, date(2024, 12, 31)),
            (200, date(2025, 2, 1)),
        ]
    ):
        add_demand_type(
            session,
            name=f"Loại phương tiện đo {i}",
            quantity=Quantity.MASS,
            annual_demand=demand,
            procedure_code="VER-NAWI-R76" if covered else None,
            covered_since=covered,
        )
        ledger.demand.append((demand, covered))
    session.flush()
    return ledger


def expected(ledger: Ledger, indicator: Indicator, start: date, end: date, counting: Counting) -> float:
    inside = lambda day: start <= day <= end  # noqa: E731
    live = lambda status: status not in (StandardStatus.RETIRED, StandardStatus.OUT_OF_SERVICE)  # noqa: E731
    if indicator is Indicator.TRAINING_PARTICIPATIONS:
        return sum(1 for day in ledger.participations if inside(day))
    if indicator is Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME:
        hits = [ent for ent, day in ledger.supports if inside(day)]
        return len(hits) if counting is Counting.TIMES else len(set(hits))
    if indicator is Indicator.LABS_APPLYING_NATIONAL_CRITERIA:
        return len({code for code, _, day in ledger.assessments if inside(day)})
    if indicator is Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA:
        return len({code for code, accredited, day in ledger.assessments if inside(day) and accredited})
    if indicator is Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED:
        return len({org for org, day in ledger.certifications if inside(day)})
    if indicator is Indicator.HIGH_ACCURACY_STANDARDS:
        return sum(
            1
            for lvl, st, day in ledger.standards
            if lvl is StandardLevel.REFERENCE and live(st) and inside(day)
        )
    if indicator is Indicator.STANDARDS_REFERENCE_MATERIALS_INSTRUMENTS_DEVELOPED:
        return sum(1 for _, st, day in ledger.standards if live(st) and inside(day)) + sum(
            1 for st, day in ledger.materials if live(st) and inside(day)
        )
    if indicator is Indicator.STATE_DEMAND_MET:
        total = sum(d for d, _ in ledger.demand)
        return sum(d for d, cov in ledger.demand if cov is not None and cov <= end) / total
    raise AssertionError(indicator)


def test_every_indicator_matches_an_independent_count(session: Session) -> None:
    ledger = build_records(session)
    for indicator in Indicator:
        for counting in Counting:
            for start, end in [
                (date(2024, 1, 1), date(2024, 12, 31)),
                (date(2021, 1, 1), date(2024, 12, 31)),
                (date(2021, 1, 1), date(2025, 12, 31)),
                (date(2026, 1, 1), date(2030, 12, 31)),
            ]:
                got = indicator_value(session, indicator, start, end, counting=counting, zone=ZONE)
                want = expected(ledger, indicator, start, end, counting)
                assert got == pytest.approx(want), (indicator, counting, start, end)


def test_records_exist_on_both_sides_of_every_boundary(session: Session) -> None:
    """The data set would not prove the date ranges if nothing fell outside them."""
    ledger = build_records(session)
    assert any(d.year == 2020 for d in ledger.participations) and any(
        d.year == 2026 for d in ledger.participations
    )
    assert any(
        d == date(2025, 1, 1) or d.year == 2025 for d in ledger.participations
    )  # course ending in 2025
    assert len({e for e, _ in ledger.supports}) < len(ledger.supports)  # repeated enterprises
    assert len({c for c, _, _ in ledger.assessments}) < len(ledger.assessments)  # re-assessed labs


def test_phase_status_of_hanoi_2024(session: Session) -> None:
    ledger = build_records(session)
    hanoi = load_programme("hanoi-kh16-2022")
    rows = {row.indicator: row for row in phase_status(session, hanoi, hanoi.phases[0], 2024, zone=ZONE)}
    assert set(rows) == {t.indicator for t in hanoi.phases[0].targets}
    training = rows[Indicator.TRAINING_PARTICIPATIONS]
    cumulative = expected(
        ledger, Indicator.TRAINING_PARTICIPATIONS, date(2021, 1, 1), date(2024, 12, 31), Counting.DISTINCT
    )
    assert training.status.actual == cumulative
    assert training.status.required == 1000
    assert training.status.percent == pytest.approx(cumulative / 10)
    assert [y for y, _ in training.yearly] == [2021, 2022, 2023, 2024]
    assert sum(v for _, v in training.yearly) == cumulative
    assert training.year_actual == expected(
        ledger, Indicator.TRAINING_PARTICIPATIONS, date(2024, 1, 1), date(2024, 12, 31), Counting.DISTINCT
    )
    demand = rows[Indicator.STATE_DEMAND_MET]
    assert demand.status.actual == pytest.approx(2300 / 3000)  # 1200 + 800 + 300 of 3000
    assert demand.status.attained  # more than 50 % (strict)
    enterprises = rows[Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME]
    assert enterprises.status.actual == len({e for e, d in ledger.supports if 2021 <= d.year <= 2024})


def test_danang_counts_enterprise_times(session: Session) -> None:
    ledger = build_records(session)
    danang = load_programme("danang-qd202-2019")
    rows = {row.indicator: row for row in phase_status(session, danang, danang.phases[0], 2024, zone=ZONE)}
    supports = rows[Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME]
    assert supports.status.actual == sum(1 for _, d in ledger.supports if 2019 <= d.year <= 2024)
    assert [y for y, _ in supports.yearly] == list(range(2019, 2025))


def test_growth_target_is_computed_from_the_previous_phase_records(session: Session) -> None:
    """Plan 16 II.2.b: phase 2 must exceed phase 1's actual by 50 %, whatever phase 1's target was."""
    ledger = build_records(session)
    hanoi = load_programme("hanoi-kh16-2022")
    rows = {row.indicator: row for row in phase_status(session, hanoi, hanoi.phases[1], 2026, zone=ZONE)}
    first = expected(
        ledger, Indicator.TRAINING_PARTICIPATIONS, date(2021, 1, 1), date(2025, 12, 31), Counting.DISTINCT
    )
    training = rows[Indicator.TRAINING_PARTICIPATIONS]
    assert training.status.previous_actual == first
    assert training.status.required == pytest.approx(1.5 * first)
    enterprises = rows[Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME]
    assert enterprises.status.required == pytest.approx(
        1.5 * len({e for e, d in ledger.supports if 2021 <= d.year <= 2025})
    )


def test_annual_report_lists_the_phase_tasks(session: Session) -> None:
    build_records(session)
    hanoi = load_programme("hanoi-kh16-2022")
    report = annual_report(session, hanoi, 2024, today=TODAY, zone=ZONE)
    ids = [row.task.id for row in report.tasks]
    assert "1.3.a" in ids and "1.3.b" not in ids  # 1.3.b is dated 2026 - 2030
    assert report.due_on == date(2024, 12, 25)
    task = next(row for row in report.tasks if row.task.id == "3.2")
    assert [f.indicator for f in task.figures] == [Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED]
    with pytest.raises(YearOutsideProgramme, match="2031"):
        annual_report(session, hanoi, 2031, today=TODAY, zone=ZONE)
    with pytest.raises(YearInFuture):
        annual_report(session, hanoi, 2025, today=TODAY, zone=ZONE)


def test_task_progress_only_in_the_tasks_own_phase(session: Session) -> None:
    """A note for Hà Nội 3.1.b (2021 - 2025) in 2026 would never be printed: it is refused naming the
    period; the Đà Nẵng demo of a 2026 year (``lims demo`` in 2026) notes only that phase's tasks."""
    from lims.services.programme.demo import load_programme_demo
    from lims.services.programme.records import TaskOutsidePeriod, YearOutsidePlan, record_task_progress

    hanoi = load_programme("hanoi-kh16-2022")
    with pytest.raises(TaskOutsidePeriod, match=r"3\.1\.b is planned for 2021 - 2025, not for 2026"):
        record_task_progress(session, hanoi, task_id="3.1.b", year=2026, done="Đầu tư hạ tầng.")
    with pytest.raises(YearOutsidePlan, match="2031"):
        record_task_progress(session, hanoi, task_id="1.1", year=2031, done="x")
    record_task_progress(session, hanoi, task_id="3.1.b", year=2025, done="Đầu tư hạ tầng đo lường.")
    danang = load_programme("danang-qd202-2019")
    load_programme_demo(session, danang.id, 2026)  # II.3.a is dated to 2019-2025: no 2026 note for it
    report = annual_report(session, danang, 2026, today=date(2026, 12, 6), zone=ZONE)
    assert report.tasks and all(row.task.applies_to(report.phase) for row in report.tasks)
    assert any(row.done for row in report.tasks)


# --- bad input: nothing saved -------------------------------------------------------------------------


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_course_ending_before_it_starts_is_refused(session: Session) -> None:
    before = _count(session, TrainingCourse)
    with pytest.raises(DatesOutOfOrder, match=r"ends_on \(2024-03-01\) is before starts_on \(2024-03-04\)"):
        create_course(session, CourseInput("Đo lường", "Sở KH&CN", date(2024, 3, 4), date(2024, 3, 1)))
    assert _count(session, TrainingCourse) == before


def test_participant_without_identity_is_refused(session: Session) -> None:
    course = create_course(session, CourseInput("Đo lường", "Sở KH&CN", date(2024, 3, 4), date(2024, 3, 5)))
    with pytest.raises(MissingIdentity, match="Trần Văn B"):
        add_participant(session, course.id, ParticipantInput("Trần Văn B", organisation="Công ty X"))
    with pytest.raises(MissingIdentity):
        add_participant(session, course.id, ParticipantInput("  ", phone="0912345678"))
    assert _count(session, TrainingParticipation) == 0


def test_a_person_counts_once_per_course_and_twice_over_two_courses(session: Session) -> None:
    one = create_course(session, CourseInput("Cân", "Sở KH&CN", date(2024, 3, 4), date(2024, 3, 5)))
    two = create_course(session, CourseInput("Áp suất", "Sở KH&CN", date(2024, 5, 4), date(2024, 5, 5)))
    add_participant(session, one.id, ParticipantInput("Lê Thị C", phone="+84 912 345 678"))
    with pytest.raises(DuplicateParticipant):
        add_participant(session, one.id, ParticipantInput("Lê Thị C", phone="0912 345 678"))
    add_participant(session, two.id, ParticipantInput("Lê Thị C", phone="0912345678"))
    got = indicator_value(
        session, Indicator.TRAINING_PARTICIPATIONS, date(2024, 1, 1), date(2024, 12, 31), zone=ZONE
    )
    assert got == 2


def test_drill_down_lists_the_records_behind_each_figure(session: Session) -> None:
    from lims.services.programme.drilldown import indicator_records

    ledger = build_records(session)
    start, end = date(2021, 1, 1), date(2024, 12, 31)
    inside = lambda day: start <= day <= end  # noqa: E731
    for indicator in Indicator:
        lines = indicator_records(session, indicator, start, end, zone=ZONE)
        if indicator is Indicator.STATE_DEMAND_MET:
            assert len(lines) == len(ledger.demand)
            assert sum(1 for line in lines if line.day is not None) == sum(
                1 for _, cov in ledger.demand if cov is not None and cov <= end
            )
        elif indicator is Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME:
            assert len(lines) == expected(ledger, indicator, start, end, Counting.TIMES)
        elif indicator is Indicator.LABS_APPLYING_NATIONAL_CRITERIA:
            assert len(lines) == sum(1 for _, _, day in ledger.assessments if inside(day))
        elif indicator is Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA:
            assert len(lines) == sum(1 for _, acc, day in ledger.assessments if acc and inside(day))
        elif indicator is Indicator.SERVICE_ORGANISATIONS_CAPACITY_RAISED:
            assert len(lines) == sum(1 for _, day in ledger.certifications if inside(day))
        else:
            assert len(lines) == expected(ledger, indicator, start, end, Counting.DISTINCT), indicator


def test_reminder_ahead_of_the_due_date() -> None:
    """Hà Nội Plan 16 V.1: 'Định kỳ ngày 25 tháng 12 hằng năm' — reminded within 30 days; Đà Nẵng sets no date."""
    from lims.services.programme.report import report_reminder

    hanoi = load_programme("hanoi-kh16-2022")
    assert report_reminder(hanoi, today=date(2024, 11, 25)) == date(2024, 12, 25)
    assert report_reminder(hanoi, today=date(2024, 11, 24)) is None
    assert report_reminder(hanoi, today=date(2024, 12, 26)) is None
    assert report_reminder(load_programme("danang-qd202-2019"), today=date(2024, 12, 1)) is None


def test_tasks_follow_the_phase_of_the_report(session: Session) -> None:
    """Đà Nẵng appendix II.2.b is due 'Đến năm 2025': not in the 2026–2030 reports; 'Đến năm 2030' tasks are."""
    danang = load_programme("danang-qd202-2019")
    first = {row.task.id for row in annual_report(session, danang, 2024, today=TODAY, zone=ZONE).tasks}
    second = {
        row.task.id for row in annual_report(session, danang, 2026, today=date(2026, 12, 1), zone=ZONE).tasks
    }
    assert {"II.2.b", "II.3.a", "II.2.a"} <= first
    assert "II.2.b" not in second and "II.3.a" not in second and {"II.2.a", "II.5"} <= second


def test_enterprises_counted_from_the_labs_own_certificates(session: Session) -> None:
    """Issue 20 (2): an enterprise in the programme supported by the lab's calibration or verification
    counts from the certificates issued for it — once for Hà Nội ('ít nhất 1500 doanh nghiệp'), every
    support for Đà Nẵng ('lượt doanh nghiệp'); an enterprise outside the programme does not count."""
    from datetime import UTC, datetime

    from lims.models import CertificateStatus, JobKind, JobState
    from lims.services.programme.drilldown import LineStatus, indicator_records
    from tests.factories import make_certificate, make_job

    enrolled = make_enterprise(session, name="Công ty Cân Thăng Long")
    other_body = make_enterprise(session, name="Công ty Nước Sông Đà")
    outsider = make_enterprise(session, name="Công ty Ngoài Chương trình")
    record_map_support(session, HANOI, enrolled.id, supported_on=date(2026, 2, 1), content="consulting")
    record_map_support(
        session,
        HANOI,
        other_body.id,
        supported_on=date(2026, 3, 1),
        content="facility_equipment",
        provided_by="Trung tâm TĐC 1",
    )
    lab = make_lab(session)

    def certificate(enterprise: object, issued: datetime, **over: object) -> None:
        job = make_job(session, lab=lab, enterprise=enterprise, state=JobState.ISSUED, **over)
        make_certificate(session, job, issued_at=issued)

    # 2026-12-31 23:30 in Hà Nội is 16:30 UTC: inside 2026; 2027-01-01 01:00 local is 2026-12-31 18:00 UTC: outside
    certificate(enrolled, datetime(2026, 5, 4, 2, 0, tzinfo=UTC))
    certificate(enrolled, datetime(2026, 12, 31, 16, 30, tzinfo=UTC), kind=JobKind.VERIFICATION)
    certificate(enrolled, datetime(2026, 12, 31, 18, 0, tzinfo=UTC))
    certificate(outsider, datetime(2026, 6, 1, 2, 0, tzinfo=UTC))
    withdrawn_job = make_job(session, lab=lab, enterprise=enrolled, state=JobState.ISSUED)
    make_certificate(
        session,
        withdrawn_job,
        issued_at=datetime(2026, 7, 1, 2, 0, tzinfo=UTC),
        status=CertificateStatus.WITHDRAWN,
    )
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    indicator = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME
    # distinct: {enrolled (support + 2 certificates), other_body (support)} = 2
    assert indicator_value(session, indicator, start, end, zone=ZONE) == 2
    # times: 2 supports + 2 certificates in 2026 for enrolled enterprises = 4
    assert indicator_value(session, indicator, start, end, counting=Counting.TIMES, zone=ZONE) == 4
    lines = indicator_records(session, indicator, start, end, zone=ZONE)
    assert len(lines) == 4 and "Công ty Ngoài Chương trình" not in {line.what for line in lines}
    assert sum(1 for line in lines if line.status is LineStatus.VERIFICATION) == 1


def test_certificates_count_in_the_year_of_the_labs_own_clock(session: Session) -> None:
    """Gap 3 of issue 20: a certificate's year is the lab's local year (``LIMS_TIMEZONE``), not the
    default zone's. With the lab in America/New_York (UTC−05:00 in winter, a zone far from the default
    Asia/Ho_Chi_Minh so that the two disagree):

    * issued 31/12/2026 23:30 New York = 01/01/2027 04:30 UTC = 01/01/2027 11:30 Hà Nội: counts in 2026;
    * issued 31/12/2025 20:00 New York = 01/01/2026 01:00 UTC = 01/01/2026 08:00 Hà Nội: counts in 2025.
    """
    from datetime import UTC, datetime, tzinfo

    from lims.models import JobState
    from lims.services.programme.drilldown import indicator_records
    from tests.factories import make_certificate, make_job

    lab_clock = lab_zone("America/New_York")
    enrolled = make_enterprise(session, name="Công ty Cân Hồ Gươm")
    record_map_support(session, HANOI, enrolled.id, supported_on=date(2025, 6, 1), content="consulting")
    lab = make_lab(session)
    for issued in (datetime(2027, 1, 1, 4, 30, tzinfo=UTC), datetime(2026, 1, 1, 1, 0, tzinfo=UTC)):
        job = make_job(session, lab=lab, enterprise=enrolled, state=JobState.ISSUED)
        make_certificate(session, job, issued_at=issued)
    indicator = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME
    y2025, y2026 = (date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 1, 1), date(2026, 12, 31))

    def times(year: tuple[date, date], zone: tzinfo) -> float:
        return indicator_value(session, indicator, *year, counting=Counting.TIMES, zone=zone)

    # The lab's clock: 2025 = the support + the certificate of 31/12/2025 20:00 = 2; 2026 = 1 certificate.
    assert (times(y2025, lab_clock), times(y2026, lab_clock)) == (2, 1)
    # Read in the default zone instead, both certificates would move a year later: 2025 = 1, 2026 = 1
    # (the 2027 one drops out, the 2025 one moves in) — the figures this gap was about.
    assert (times(y2025, ZONE), times(y2026, ZONE)) == (1, 1)
    lines = indicator_records(session, indicator, *y2026, zone=lab_clock)
    assert [line.day for line in lines] == [date(2026, 12, 31)]
