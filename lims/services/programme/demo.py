"""A believable year of programme records for ``lims demo``: courses, participants, supported enterprises,
applications and decisions, lab assessments, certifications, the demand catalogue and task notes.

Deterministic: the same programme and year always give the same records.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain.programme import load_programme
from lims.domain.programme.support import ApplicationRequest
from lims.domain.taxcode import check_digit
from lims.models import (
    AssessmentResult,
    CertificationStandard,
    DemandInstrumentType,
    Enterprise,
    MeasurementStandard,
    Quantity,
    StandardDevelopment,
)
from lims.services.programme.developments import DevelopmentInput, record_development
from lims.services.programme.records import (
    AssessmentInput,
    CertificationInput,
    add_demand_type,
    record_certification,
    record_lab_assessment,
    record_map_support,
    record_task_progress,
)
from lims.services.programme.sectors import SectorInput, confirm_sector
from lims.services.programme.support import (
    Decision,
    confirmed_code,
    decide_application,
    granted_contents,
    pending_contents,
    submit_application,
)
from lims.services.programme.training import CourseInput, ParticipantInput, add_participant, create_course

FAMILY = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Vũ",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
)
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Thanh", "Đức", "Ngọc", "Quang", "Thu", "Xuân")
GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Giang",
    "Hà",
    "Hải",
    "Hạnh",
    "Hòa",
    "Hùng",
    "Hương",
    "Khánh",
    "Lan",
    "Linh",
    "Long",
    "Mai",
    "Nam",
    "Nga",
    "Phong",
    "Phương",
    "Quân",
    "Sơn",
    "Tâm",
    "Thảo",
    "Trang",
    "Tuấn",
    "Yến",
)
ORGANISATIONS = (
    "Phòng Kinh tế UBND quận",
    "Chi cục Quản lý thị trường",
    "Sở Công Thương",
    "Công ty Cổ phần Xăng dầu",
    "Công ty TNHH Thực phẩm",
    "Bệnh viện Đa khoa",
    "Công ty Cấp nước",
    "Công ty Điện lực",
)
TOPICS = (
    "Quy định pháp luật về đo lường và phương tiện đo nhóm 2",
    "Chương trình đảm bảo đo lường tại doanh nghiệp",
    "Kiểm soát phương tiện đo khối lượng trong thương mại bán lẻ",
    "Đo lường hàng đóng gói sẵn theo Thông tư 21/2014/TT-BKHCN",
    "Hiệu chuẩn nội bộ và ước lượng độ không đảm bảo đo",
    "Áp dụng bộ tiêu chí quốc gia đánh giá các lĩnh vực đo lường",
)
DEMAND = (
    ("Cân bàn, cân đĩa, cân đồng hồ lò xo", Quantity.MASS, 5200, "VER-NAWI-R76"),
    ("Cân ô tô", Quantity.MASS, 180, "VER-NAWI-R76"),
    ("Cột đo xăng dầu", Quantity.VOLUME_FLOW, 3100, None),
    ("Đồng hồ nước lạnh", Quantity.VOLUME_FLOW, 9800, None),
    ("Áp kế lò xo", Quantity.PRESSURE, 1400, "CAL-PG-DKD"),
    ("Nhiệt kế y học điện tử", Quantity.TEMPERATURE, 900, "CAL-TH-BATH"),
    ("Công tơ điện xoay chiều", Quantity.ELECTRICAL, 12000, "CAL-DMM-DCV"),
    ("Phương tiện đo nồng độ cồn trong hơi thở", Quantity.CHEMISTRY, 120, None),
)
LABS = (
    ("VILAS 015", "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng 1", True),
    ("VILAS 132", "Phòng thí nghiệm Đo lường – Công ty Cổ phần Kiểm định Kỹ thuật", True),
    ("ĐK 02-2019", "Phòng hiệu chuẩn – Công ty TNHH Thiết bị Đo Việt", False),
    ("ĐK 11-2020", "Phòng thử nghiệm – Trường Đại học Bách khoa", False),
    ("VILAS 487", "Phòng thí nghiệm Cơ – Nhiệt, Trung tâm Đo lường Thành phố", True),
)
DEMO_CONTENT_DRAW = 3  # supports are drawn among the plan's first three support contents


@dataclass(frozen=True, slots=True)
class ProgrammeDemoSummary:
    courses: int
    participations: int
    map_supports: int
    applications: int
    assessments: int
    certifications: int


def _person(rng: random.Random) -> tuple[str, str]:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
    return name, "09" + "".join(str(rng.randrange(10)) for _ in range(8))


def _enterprises(
    session: Session, rng: random.Random, city: str, sectors: Sequence[str], wanted: int
) -> list[Enterprise]:
    have = list(session.scalars(select(Enterprise).order_by(Enterprise.id)))
    taken = {e.tax_code for e in have}
    prefix = "04" if "Đà Nẵng" in city else "01"
    n = 0
    while len(have) < wanted:
        n += 1
        nine = f"{prefix}{9100000 + rng.randrange(800000):07d}"
        digit = check_digit(nine)
        if digit is None or nine + str(digit) in taken:
            continue
        sector = sectors[n % len(sectors)] if sectors and n % 3 == 0 else "Sản xuất, chế biến"
        enterprise = Enterprise(
            name=f"Công ty TNHH {rng.choice(GIVEN)} {rng.choice(('Phát', 'Thịnh', 'Long', 'Việt', 'Hưng'))} {n}",
            tax_code=nine + str(digit),
            address=f"Lô {n} Khu công nghiệp, {city}",
            province=city,
            sector=sector,
        )
        session.add(enterprise)
        taken.add(enterprise.tax_code)
        have.append(enterprise)
    session.flush()
    return have


def load_programme_demo(
    session: Session, programme_id: str, year: int, *, directories: Sequence[Path] = ()
) -> ProgrammeDemoSummary:
    """Add a year of programme records for ``programme_id`` (the deployment's ``LIMS_PROGRAMME``)."""
    programme = load_programme(programme_id, directories)
    rng = random.Random(f"{programme_id}/{year}")
    organiser = f"Sở Khoa học và Công nghệ {programme.city}"
    if not session.scalar(select(func.count()).select_from(DemandInstrumentType)):
        for i, (name, quantity, demand, procedure) in enumerate(DEMAND):
            add_demand_type(
                session,
                name=name,
                quantity=quantity,
                annual_demand=demand,
                legal_basis="Thông tư 23/2013/TT-BKHCN (phương tiện đo nhóm 2)",
                procedure_code=procedure,
                covered_since=date(year - 2 + i % 3, 3, 1) if procedure else None,
            )
    people = [_person(rng) for _ in range(70)]
    participations = 0
    for index, topic in enumerate(TOPICS):
        start = date(year, 2 + index * 2 - (index > 4), rng.randint(3, 20))
        course = create_course(
            session,
            CourseInput(
                topic,
                organiser,
                starts_on=start,
                ends_on=start + timedelta(days=rng.randint(0, 2)),
                location=f"Hội trường {organiser}",
            ),
        )
        for name, phone in rng.sample(people, rng.randint(18, 34)):
            add_participant(
                session,
                course.id,
                ParticipantInput(name, phone=phone, organisation=rng.choice(ORGANISATIONS)),
            )
            participations += 1
    enterprises = _enterprises(session, rng, programme.city, programme.priority_sectors, 14)
    for enterprise in enterprises:  # the lab has checked the registration of those in a priority sector
        sector = next((s for s in programme.priority_vsic if s.name_vi == enterprise.sector), None)
        if sector is not None and confirmed_code(session, enterprise.id) is None:
            confirm_sector(
                session,
                programme,
                SectorInput(
                    enterprise.tax_code,
                    sector.codes[0] + "10",
                    f"Giấy chứng nhận đăng ký doanh nghiệp {enterprise.tax_code}, ngành nghề kinh doanh chính",
                    date(year, 1, 15),
                ),
                confirmed_by_id=None,
            )
    supports = 0
    plan_contents = [c.id for c in programme.support_contents]
    for _ in range(22):
        record_map_support(
            session,
            programme,
            rng.choice(enterprises).id,
            supported_on=date(year, 1, 1) + timedelta(days=rng.randrange(330)),
            # one of the plan's first three contents (drawn as the three demo texts were, so that the rest
            # of the demo draws the same numbers)
            content=plan_contents[rng.randrange(DEMO_CONTENT_DRAW) % len(plan_contents)],
        )
        supports += 1
    evidence = {item.id: f"Hồ sơ kèm theo, mục {n + 1}" for n, item in enumerate(programme.eligibility)}
    contents = [c.id for c in programme.support_contents]
    applications = []
    for n, enterprise in enumerate(enterprises[-5:]):
        wanted = [contents[(n + 1) % len(contents)]] if n % 2 == 0 else contents[: 1 + n % 2]
        held = granted_contents(session, programme, enterprise.id) | pending_contents(
            session, programme, enterprise.id
        )
        chosen = tuple(c for c in wanted if c not in held) or tuple(c for c in contents if c not in held)[:1]
        if not chosen:
            continue  # this enterprise has every content already
        costs = dict.fromkeys(chosen, 40000000 + 30000000 * n)
        applications.append(
            submit_application(
                session,
                programme,
                enterprise.id,
                ApplicationRequest(chosen, evidence, costs_vnd=costs),
                applied_on=date(year, 3 + n, 10),
            )
        )
    decisions = (
        (True, "Đủ điều kiện, hồ sơ đầy đủ", date(year, 8, 20)),
        (True, "Đủ điều kiện theo Kế hoạch", date(year, 9, 25)),
        (False, "Ngành nghề đăng ký kinh doanh không phù hợp nội dung đề nghị hỗ trợ", date(year, 10, 15)),
    )
    for application, (approve, reason, day) in zip(applications, decisions, strict=False):
        decide_application(session, programme, application.id, Decision(approve, reason, day))
    for n, (code, name, accredited) in enumerate(LABS):
        record_lab_assessment(
            session,
            AssessmentInput(
                lab_name=name,
                lab_code=code,
                assessed_on=date(year, 4 + n, 12),
                result=(AssessmentResult.MET, AssessmentResult.PARTIALLY_MET)[n % 2],
                accredited=accredited,
                accreditation_number=code if accredited else None,
                assessor="Đoàn đánh giá Sở Khoa học và Công nghệ",
            ),
        )
    for n, standard in enumerate((CertificationStandard.ISO_IEC_17025, CertificationStandard.ISO_9001)):
        issued = date(year, 7 + n * 3, 1)
        record_certification(
            session,
            CertificationInput(
                organisation_name=f"Công ty Cổ phần Dịch vụ Kiểm định {programme.city} {n + 1}",
                organisation_code=f"DV-{programme_id[:6]}-{year}-{n + 1}",
                standard=standard,
                certificate_number=f"{'VILAS' if n == 0 else 'QMS'} {year}-{rng.randint(100, 999)}",
                issued_on=issued,
                expires_on=issued.replace(year=issued.year + 3),
                certification_body="Văn phòng Công nhận Chất lượng (BoA)" if n == 0 else "Tổ chức chứng nhận",
            ),
        )
    already = select(StandardDevelopment.standard_id).where(StandardDevelopment.standard_id.is_not(None))
    for n, developed in enumerate(
        session.scalars(
            select(MeasurementStandard)
            .where(MeasurementStandard.id.not_in(already))
            .order_by(MeasurementStandard.id)
            .limit(3)
        )
    ):
        record_development(
            session,
            programme,
            DevelopmentInput(
                developed.asset_number,
                date(year, 3 + 3 * n, 15),
                funding=f"Ngân sách {programme.city}, {programme.document}",
                funding_vnd=rng.choice((350, 480, 620, 900)) * 1_000_000,
            ),
        )
    phase = programme.phase_of_year(year)
    for task in programme.tasks:
        if task.indicators or phase is None or not task.applies_to(phase):
            continue  # tasks with indicators report their figures; a note for the others of the year's phase
        record_task_progress(
            session,
            programme,
            task_id=task.id,
            year=year,
            done=f"Đã triển khai trong năm {year} theo kế hoạch của {task.lead_agency}.",
        )
    session.flush()
    approved = sum(1 for approve, _, _ in decisions[: len(applications)] if approve)
    return ProgrammeDemoSummary(
        len(TOPICS), participations, supports + approved, len(applications), len(LABS), 2
    )
