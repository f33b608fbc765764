"""CSV import of programme records: all rows or none, errors naming the line and field."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.domain.programme import Counting, Indicator
from lims.models import DemandInstrumentType, LabAssessment, TrainingCourse, TrainingParticipation
from lims.services.programme.importer import ImportKind, MissingColumns, RowError, import_records
from lims.services.programme.report import indicator_value
from tests.factories import make_enterprise

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
    assert indicator_value(session, Indicator.TRAINING_PARTICIPATIONS, *year) == 3  # A counts twice


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
    supports = f"tax_code,supported_on,content\n{one.tax_code},2024-02-01,Hiệu chuẩn cân\n{one.tax_code},2024-05-01,Xây dựng phương pháp đo\n{two.tax_code},2024-06-01,Kiểm định\n"
    assert import_records(session, ImportKind.SUPPORTS, supports) == 3
    year = (date(2024, 1, 1), date(2024, 12, 31))
    ent = Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME
    assert indicator_value(session, ent, *year, counting=Counting.DISTINCT) == 2
    assert indicator_value(session, ent, *year, counting=Counting.TIMES) == 3
    with pytest.raises(RowError, match="line 2: No enterprise has the tax code 0100109106"):
        import_records(
            session, ImportKind.SUPPORTS, "tax_code,supported_on,content\n0100109106,2024-02-01,X\n"
        )
    labs = "lab_name,lab_code,assessed_on,result,accredited,accreditation_number\nPTN A,VILAS 1,2024-03-01,met,yes,VILAS 1\nPTN B,ĐK 2,2024-04-01,not_met,,\n"
    assert import_records(session, ImportKind.ASSESSMENTS, labs) == 2
    assert indicator_value(session, Indicator.ACCREDITED_LABS_APPLYING_NATIONAL_CRITERIA, *year) == 1
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
    assert indicator_value(session, Indicator.STATE_DEMAND_MET, *year) == pytest.approx(180 / 3280)
    with pytest.raises(RowError, match="annual_demand: 'nhiều' is not a whole number"):
        import_records(session, ImportKind.DEMAND, "name,quantity,annual_demand\nX,mass,nhiều\n")
    assert _count(session, TrainingParticipation) == 0
