"""CSV import of programme records: all rows or none, errors naming the line and field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain.programme import Counting, Indicator, load_programme
from lims.localtime import lab_zone
from lims.models import DemandInstrumentType, LabAssessment, TrainingCourse, TrainingParticipation
from lims.services.programme.importer import ImportKind, MissingColumns, RowError, import_records
from lims.services.programme.report import indicator_value
from tests.factories import make_enterprise

HANOI = load_programme("hanoi-kh16-2022")
ZONE = lab_zone()  # the default LIMS_TIMEZONE (Asia/Ho_Chi_Minh), as the test app has it

PARTICIPANTS = """topic,organiser,starts_on,ends_on,full_name,national_id,phone,email,organisation
Đo lường cơ bản,Sở KH&CN,2024-03-04,2024-03-05,Nguyễn Văn A,001090000001,,,UBND quận Ba Đình
Đo lường cơ bản,Sở KH&CN,2024-03-04,2024-03-05,Trần Thị B,,0912345678,,Công ty X
Hàng đóng gói sẵn,Sở KH&CN,2024-06-10,2024-06-10,Nguyễn Văn A,001090000001,,,UBND quận Ba Đình
"""


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_participants_group_into_courses_and_count_as_lượt(session: Session) -> None:
    assert import_records(session, ImportKind.PARTICIPANTS, "\ufeff" + PARTICIPANTS) == 3
    assert _count(session, TrainingCourse) == 2
    year = (date(2024, 1, 1), date(2024, 12, 31))
    assert (
        indicator_value(session, Indicator.TRAINING_PARTICIPATIONS, *year, zone=ZONE) == 3
    )  # A counts twice


def test_a_bad_row_names_line_and_field(session: Session) -> None:
    bad = PARTICIPANTS + "Đo lường cơ bản,Sở KH&CN,2024-03-04,2024-03-05,Lê Văn C,,,,\n"
    with pytest.raises(RowError, match="line 5: The participant Lê Văn C has no identity"):
        import_records(session, ImportKind.PARTICIPANTS, bad)
    backwards = "topic,organiser,starts_on,ends_on,full_name,phone\nX,Y,2024-03-05,2024-03-04,A,0912000000\n"
    with pytest.raises(RowError, match=r"line 2: ends_on \(2024-03-04\) is before starts_on"):
        import_records(session, ImportKind.PARTICIPANTS, backwards)
    with pytest.raises(RowError, match="Line 2, starts_on: '4/3/2024' is not a date"):
        import_records(
            session,
            ImportKind.PARTICIPANTS,
            "topic,organiser,starts_on,ends_on,full_name,phone\nX,Y,4/3/2024,2024-03-04,A,09\n",
        )
    with pytest.raises(MissingColumns, match="full_name"):
        import_records(session, ImportKind.PARTICIPANTS, "topic,organiser,starts_on,ends_on\n")


def test_supports_assessments_certifications_demand(session: Session) -> None:
    one, two = make_enterprise(session), make_enterprise(session)
    supports = f"tax_code,supported_on,content\n{one.tax_code},2024-02-01,consulting\n{one.tax_code},2024-05-01,qms_certification\n{two.tax_code},2024-06-01,facility_equipment\n"
    assert import_records(session, ImportKind.SUPPORTS, supports, programme=HANOI) == 3
    year = (date(2024, 1, 1), date(2024, 12, 31))
    ent = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME
    assert indicator_value(session, ent, *year, counting=Counting.DISTINCT, zone=ZONE) == 2
    assert indicator_value(session, ent, *year, counting=Counting.TIMES, zone=ZONE) == 3
    with pytest.raises(RowError, match="line 2: No enterprise has the tax code 0100109106"):
        import_records(
            session,
            ImportKind.SUPPORTS,
            "tax_code,supported_on,content\n0100109106,2024-02-01,consulting\n",
            programme=HANOI,
        )
    labs = "lab_name,lab_code,assessed_on,result,accredited,accreditation_number\nPTN A,VILAS 1,2024-03-01,met,yes,VILAS 1\nPTN B,ĐK 2,2024-04-01,not_met,,\n"
    assert import_records(session, ImportKind.ASSESSMENTS, labs) == 2
    assert (
        indicator_value(session, Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA, *year, zone=ZONE) == 1
    )
    with pytest.raises(RowError, match="result: 'good' is not one of met, partially_met, not_met"):
        import_records(
            session, ImportKind.ASSESSMENTS, "lab_name,lab_code,assessed_on,result\nA,B,2024-01-01,good\n"
        )
    assert _count(session, LabAssessment) == 2
    certs = "organisation_name,organisation_code,standard,certificate_number,issued_on,expires_on\nCông ty Y,0101,iso_9001,QMS-1,2024-05-01,2027-05-01\n"
    assert import_records(session, ImportKind.CERTIFICATIONS, certs) == 1
    demand = "name,quantity,annual_demand,procedure_code,covered_since\nCân ô tô,mass,180,VER-NAWI-R76,2023-01-01\nCột đo xăng dầu,volume_flow,3100,,\n"
    assert import_records(session, ImportKind.DEMAND, demand) == 2
    assert _count(session, DemandInstrumentType) == 2
    assert indicator_value(session, Indicator.STATE_DEMAND_MET, *year, zone=ZONE) == pytest.approx(180 / 3280)
    with pytest.raises(RowError, match="annual_demand: 'nhiều' is not a whole number"):
        import_records(session, ImportKind.DEMAND, "name,quantity,annual_demand\nX,mass,nhiều\n")
    assert _count(session, TrainingParticipation) == 0


def test_support_content_is_one_of_the_plans_contents(session: Session) -> None:
    """Issue 20, gap 2: a support's content is chosen from the plan's ``support_contents`` (Plan 16 III.1:
    consulting, testing_certification, qms_certification, facility_equipment). The import takes the code
    (or the exact title); anything else is refused naming the plan's codes, and nothing is saved."""
    from lims.models import MeasurementAssuranceSupport
    from lims.services.programme.records import support_content_codes, support_content_title

    one = make_enterprise(session)
    title = HANOI.content("testing_certification").title_vi  # holds commas: 'thử nghiệm, giám định, …'
    rows = (
        "tax_code,supported_on,content\n"
        f"{one.tax_code},2024-02-01,qms_certification\n"
        f'{one.tax_code},2024-03-01,"{title}"\n'
        f'{one.tax_code},2024-04-01,"consulting, facility_equipment"\n'
    )
    assert import_records(session, ImportKind.SUPPORTS, rows, programme=HANOI) == 3
    stored = session.scalars(
        select(MeasurementAssuranceSupport.content).order_by(MeasurementAssuranceSupport.id)
    ).all()
    assert stored == ["qms_certification", "testing_certification", "consulting, facility_equipment"]
    bad = f"tax_code,supported_on,content\n{one.tax_code},2024-05-01,qms_certification\n{one.tax_code},2024-05-02,Hiệu chuẩn cân\n"
    with pytest.raises(RowError, match=r"line 3: .*Hiệu chuẩn cân.*consulting, testing_certification"):
        import_records(session, ImportKind.SUPPORTS, bad, programme=HANOI)
    # Đà Nẵng's plan has other contents: Hà Nội's code is not one of them
    danang = load_programme("danang-qd202-2019")
    assert support_content_codes(danang, "map_implementation") == "map_implementation"
    with pytest.raises(ValueError, match="consulting"):
        support_content_codes(danang, "consulting")
    # read back in words; a record typed as free text before contents were the plan's stays readable
    assert support_content_title(HANOI, "consulting, facility_equipment") == (
        "Hỗ trợ hợp đồng tư vấn để doanh nghiệp tự tổ chức đo lường; "
        "Hỗ trợ doanh nghiệp chi phí sử dụng trang thiết bị của cơ sở kỹ thuật"
    )
    assert support_content_title(HANOI, "qms_certification", english=True) == (
        "costs of quality management system certification"
    )
    assert support_content_title(HANOI, "Hiệu chuẩn cân, xây dựng phương pháp đo") == (
        "Hiệu chuẩn cân, xây dựng phương pháp đo"
    )
