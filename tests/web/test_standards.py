"""The standards register through the web: calibrations, checks, status, the auditor's traceability view."""

from __future__ import annotations

from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lims.models import JobStandard, Quantity, Role, StandardCalibration, StandardStatus
from tests.factories import make_calibration, make_job, make_standard, make_user
from tests.webutil import login, post_form

CAL_FORM = {
    "calibrated_on": "2026-01-10",
    "certificate_number": "V01.2026.0001",
    "issuer_kind": "national_metrology_institute",
    "issuer_name": "Viện Đo lường Việt Nam",
    "issued_on": "2026-01-14",
    "valid_until": "2027-01-10",
    "points": "1000 g 0.0005 2\n500 g 0.0003",
}


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StandardCalibration)) or 0


def test_record_a_calibration(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    response = post_form(client, f"/standards/{std.id}/calibrations/new", CAL_FORM)
    assert response.status_code == 302
    cal = session.scalar(select(StandardCalibration).where(StandardCalibration.standard_id == std.id))
    assert cal is not None and cal.points[1] == {
        "value": 500.0,
        "unit": "g",
        "expanded_uncertainty": 0.0003,
        "k": 2.0,
    }
    session.refresh(std)
    assert std.due_on == date(2027, 1, 10)


def test_uncertainty_without_unit_is_refused_in_vietnamese(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    before = _count(session)
    response = post_form(
        client, f"/standards/{std.id}/calibrations/new", {**CAL_FORM, "points": "1000 0.0005 2"}
    )
    assert response.status_code == 422
    assert "Dòng 1: độ không đảm bảo đo cần có đơn vị." in response.get_data(as_text=True)
    assert _count(session) == before


def test_an_ac_point_keeps_its_frequency_and_the_page_shows_it(client: FlaskClient, session: Session) -> None:
    # issue 16: a calibrator's AC points (1 V at 1 kHz, 10 V at 12.5 kHz) are distinct from its DC points
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session, quantity=Quantity.ELECTRICAL, unit="V")
    points = "1 V 0.00002 2\nAC 1 V 0.00008 2 @ 1 kHz\n10 V 0,001 2 @ 12,5kHz\nDC 10 V 0.0001"
    response = post_form(client, f"/standards/{std.id}/calibrations/new", {**CAL_FORM, "points": points})
    assert response.status_code == 302
    cal = session.scalar(select(StandardCalibration).where(StandardCalibration.standard_id == std.id))
    assert cal is not None
    assert [(p["value"], p.get("frequency_hz")) for p in cal.points] == [
        (1.0, None),
        (1.0, 1000.0),
        (10.0, 12500.0),
        (10.0, None),
    ]
    page = client.get(f"/standards/{std.id}").get_data(as_text=True)
    assert "1 V ở tần số 1 kHz: U = 0,00008 V" in page and "10 V ở tần số 12,5 kHz: U = 0,001 V" in page
    post_form(client, "/language", {"language": "en", "next": "/"}, token_from="/")
    page = client.get(f"/standards/{std.id}").get_data(as_text=True)
    assert "10 V at 12.5 kHz: U = 0.001 V" in page and "1 V: U = 0.00002 V" in page


@pytest.mark.parametrize(
    ("language", "points", "message"),
    [
        ("vi", "AC 1 V 0.0001 2", "Dòng 2: điểm xoay chiều (AC) cần có tần số"),
        ("en", "AC 1 V 0.0001 2", "Line 2: an AC point needs its frequency"),
        ("vi", "DC 1 V 0.0001 2 @ 1 kHz", "Dòng 2: điểm một chiều (DC) không có tần số."),
        ("en", "DC 1 V 0.0001 2 @ 1 kHz", "Line 2: a DC point has no frequency."),
        ("vi", "1000 g 0.0005 2 @ 1 kHz", "Dòng 2: chỉ điểm điện áp hoặc dòng điện (V, A)"),
        ("en", "1000 g 0.0005 2 @ 1 kHz", "Line 2: only a voltage or a current point (V, A)"),
        ("vi", "1 V 0.0001 2 @ 0 Hz", "Dòng 2: ghi tần số sau dấu @ bằng một số lớn hơn 0"),
        ("en", "1 V 0.0001 2 @ 1 kc", "Line 2: write the frequency after @ as a number above 0"),
    ],
)
def test_a_wrong_frequency_is_refused_in_the_users_language_and_nothing_is_saved(
    client: FlaskClient, session: Session, language: str, points: str, message: str
) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    if language == "en":
        post_form(client, "/language", {"language": "en", "next": "/"}, token_from="/")
    std = make_standard(session, quantity=Quantity.ELECTRICAL, unit="V")
    before = _count(session)
    response = post_form(
        client,
        f"/standards/{std.id}/calibrations/new",
        {**CAL_FORM, "points": f"1 V 0.0001 2 @ 1 kHz\n{points}"},
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(session) == before


def test_dates_in_the_wrong_order(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    response = post_form(
        client, f"/standards/{std.id}/calibrations/new", {**CAL_FORM, "valid_until": "2025-01-01"}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # in the user's words, not the domain's "valid_until: must not be before the calibration date"
    assert "Ngày hiệu lực đến không được trước ngày hiệu chuẩn." in page
    assert "valid_until:" not in page and "must not be before" not in page
    assert _count(session) == 0 or not session.scalar(
        select(StandardCalibration.id).where(StandardCalibration.standard_id == std.id)
    )


def test_a_link_that_would_make_a_cycle_is_refused(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    a, b = make_standard(session), make_standard(session)
    make_calibration(
        session, b, issuer_kind="this_lab", issuer_name="Lab", sources=[a], calibrated_on=date(2026, 1, 1)
    )
    response = post_form(
        client,
        f"/standards/{a.id}/calibrations/new",
        {
            **CAL_FORM,
            "certificate_number": "",  # numbered by the register
            "issuer_kind": "this_lab",
            "issuer_name": "Trung tâm",
            "issued_on": "2026-01-10",
            "sources": str(b.id),
        },
    )
    assert response.status_code == 422
    assert "vòng lặp" in response.get_data(as_text=True)


def test_retiring_a_standard_an_open_job_relies_on_is_refused(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.ADMIN).username)
    std = make_standard(session)
    job = make_job(session)
    session.add(JobStandard(job_id=job.id, standard_id=std.id))
    session.flush()
    response = post_form(
        client,
        f"/standards/{std.id}/status",
        {"status": "retired", "effective_on": "2026-11-01", "reason": "Hỏng"},
        token_from=f"/standards/{std.id}",
    )
    assert response.status_code == 302
    page = client.get(f"/standards/{std.id}").get_data(as_text=True)
    assert f"Không thể ngừng sử dụng chuẩn {std.asset_number}" in page and job.number in page
    session.refresh(std)
    assert std.status == StandardStatus.IN_SERVICE


def test_check_outside_limits_flags_review(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    for day, value in ((1, "10000.002"), (2, "10000.004"), (3, "10000.015")):
        response = post_form(
            client,
            f"/standards/{std.id}/checks/new",
            {
                "checked_on": f"2026-03-0{day}",
                "value": value,
                "unit": "g",
                "lower_limit": "9999.99",
                "upper_limit": "10000.01",
            },
        )
        assert response.status_code == 302
    page = client.get(f"/standards/{std.id}").get_data(as_text=True)
    assert "cần xem xét lại chuẩn" in page and "<svg" in page
    # three checks with limits give an interval recommendation by the control-chart method (ILAC-G24)
    assert "ILAC-G24" in page and "ngày" in page


def test_auditor_traceability_view_and_json(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.AUDITOR).username)
    std = make_standard(session)
    make_calibration(session, std, calibrated_on=date(2026, 1, 10), valid_until=date(2027, 1, 10))
    page = client.get(f"/traceability/?id={std.asset_number}&on=2026-06-01").get_data(as_text=True)
    assert "Chuỗi liên kết chuẩn đầy đủ" in page and "<svg" in page
    data = client.get(f"/traceability/{std.asset_number}.json?on=2026-06-01").get_json()
    assert data["complete"] is True and data["links"][0]["certificate"].startswith("V")
    broken = client.get(f"/traceability/?id={std.asset_number}&on=2027-06-01").get_data(as_text=True)
    assert "chưa đầy đủ" in broken and "giấy chứng nhận hiệu chuẩn đã hết hiệu lực" in broken
    assert client.get("/traceability/?id=NO-SUCH").status_code == 404
    assert client.get(f"/traceability/?id={std.asset_number}&on=not-a-date").status_code == 400


def test_auditor_cannot_record(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.AUDITOR).username)
    std = make_standard(session)
    assert client.get(f"/standards/{std.id}/calibrations/new").status_code == 403


def test_chain_exported_as_pdf_with_vietnamese_text(client: FlaskClient, session: Session) -> None:
    import io
    import unicodedata

    from pypdf import PdfReader

    login(client, make_user(session, Role.AUDITOR).username)
    std = make_standard(session)
    make_calibration(
        session,
        std,
        calibrated_on=date(2026, 1, 10),
        valid_until=date(2027, 1, 10),
        certificate_number="V01.2026.0777",
    )
    response = client.get(f"/traceability/{std.asset_number}.pdf?on=2026-06-01")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = unicodedata.normalize("NFC", text)
    assert "Chuỗi liên kết chuẩn" in text and "V01.2026.0777" in text and "Viện Đo lường Việt Nam" in text


def test_fill_a_calibration_from_a_dcc(client: FlaskClient, session: Session) -> None:
    import io

    from certificates.dcc import render_dcc
    from certificates.examples import example_calibration

    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    url = f"/standards/{std.id}/calibrations/import"
    from tests.webutil import csrf_token

    xml = render_dcc(example_calibration(3), software_release="test")
    response = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "dcc": (io.BytesIO(xml), "certificate.xml")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "HC-2026-00042" in page
    assert "kiểm tra từng giá trị" in page  # shown for confirmation, nothing saved yet
    assert _count(session) == 0 or not session.scalar(
        select(StandardCalibration.id).where(StandardCalibration.standard_id == std.id)
    )

    bad = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "dcc": (io.BytesIO(b"<dcc>not really</dcc>"), "x.xml")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422
    assert "không phải giấy chứng nhận hiệu chuẩn số hợp lệ" in bad.get_data(as_text=True)

    # Issue 21: a DCC with an external DOCTYPE was a 500 (XMLResourceForbidden); now a clear 422.
    hostile = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">' + xml.partition(b"?>")[2]
    refused = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "dcc": (io.BytesIO(hostile), "x.xml")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "DOCTYPE" in refused.get_data(as_text=True)


def _pdf() -> bytes:
    import io as _io

    from reportlab.pdfgen import canvas

    buffer = _io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.drawString(72, 720, "Certificate V01.2026.0900")
    pdf.save()
    return buffer.getvalue()


def _upload(client: FlaskClient, std_id: int, data: bytes, name: str):  # type: ignore[no-untyped-def]
    import io as _io

    from tests.webutil import csrf_token

    url = f"/standards/{std_id}/calibrations/new"
    return client.post(
        url,
        data={
            **CAL_FORM,
            "csrf_token": csrf_token(client, url),
            "certificate_file": (_io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )


def test_certificate_pdf_is_stored_with_its_hash_and_downloadable(
    client: FlaskClient, session: Session
) -> None:
    import hashlib

    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    pdf = _pdf()
    assert _upload(client, std.id, pdf, "cert.pdf").status_code == 302
    cal = session.scalar(select(StandardCalibration).where(StandardCalibration.standard_id == std.id))
    assert cal is not None and cal.file_sha256 == hashlib.sha256(pdf).hexdigest()
    download = client.get(f"/standards/calibrations/{cal.id}/certificate.pdf")
    assert download.status_code == 200 and download.data == pdf and download.mimetype == "application/pdf"


def test_a_file_that_is_not_a_pdf_is_refused_by_content(client: FlaskClient, session: Session) -> None:
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    response = _upload(client, std.id, b"MZ\x90\x00 this is an executable", "certificate.pdf")
    assert response.status_code == 422
    assert "Tệp certificate.pdf không phải là tài liệu PDF" in response.get_data(as_text=True)
    assert not session.scalar(select(StandardCalibration.id).where(StandardCalibration.standard_id == std.id))


def test_an_html_file_dressed_as_a_pdf_is_refused(client: FlaskClient, session: Session) -> None:
    """Issue 21: the probe stored an HTML page that began with %PDF- and ended with startxref/%%EOF."""
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    html = b"%PDF-1.7\n<html><script>alert(1)</script></html>\nstartxref\n0\n%%EOF\n"
    response = _upload(client, std.id, html, "certificate.pdf")
    assert response.status_code == 422
    assert "certificate.pdf không phải là tài liệu PDF mở được" in response.get_data(as_text=True)
    assert not session.scalar(select(StandardCalibration.id).where(StandardCalibration.standard_id == std.id))


def test_an_oversized_certificate_is_refused(client: FlaskClient, session: Session, app) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    app.config["SETTINGS"] = replace(app.config["SETTINGS"], max_file_bytes=200)
    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    response = _upload(client, std.id, _pdf(), "big.pdf")
    assert response.status_code == 422
    assert not session.scalar(select(StandardCalibration.id).where(StandardCalibration.standard_id == std.id))


def test_register_a_standard_and_refuse_a_duplicate(client: FlaskClient, session: Session) -> None:
    from lims.models import MeasurementStandard, StandardStatusChange

    login(client, make_user(session, Role.TECHNICIAN).username)
    make_standard(session, asset_number="CDL-TAKEN")
    form = {
        "asset_number": "CDL-KL-010",
        "name": "Quả cân chuẩn E2 20 kg",
        "quantity": "mass",
        "level": "reference",
        "unit": "kg",
        "range_min": "20",
        "range_max": "20.001",
        "manufacturer": "Häfner",
        "calibration_interval_months": "24",
    }
    assert post_form(client, "/standards/new", form).status_code == 302
    std = session.scalar(select(MeasurementStandard).where(MeasurementStandard.asset_number == "CDL-KL-010"))
    assert (
        std is not None and std.name == "Quả cân chuẩn E2 20 kg" and std.status == StandardStatus.IN_SERVICE
    )
    assert (
        session.scalar(select(StandardStatusChange.status).where(StandardStatusChange.standard_id == std.id))
        == StandardStatus.IN_SERVICE
    )
    duplicate = post_form(client, "/standards/new", {**form, "asset_number": "CDL-TAKEN"})
    assert duplicate.status_code == 422 and "Đã có chuẩn với mã tài sản CDL-TAKEN." in duplicate.get_data(
        as_text=True
    )
    backwards = post_form(client, "/standards/new", {**form, "asset_number": "X-1", "range_min": "30"})
    assert backwards.status_code == 422 and "Giới hạn dưới của phạm vi đo phải nhỏ hơn giới hạn trên." in (
        backwards.get_data(as_text=True)
    )
    edited = post_form(client, f"/standards/{std.id}/edit", {**form, "custodian": "Phòng Khối lượng"})
    assert edited.status_code == 302
    session.refresh(std)
    assert std.custodian == "Phòng Khối lượng"


def test_register_a_reference_material_with_its_dates_checked(client: FlaskClient, session: Session) -> None:
    from lims.models import ReferenceMaterial
    from tests.factories import make_lab

    make_lab(session)
    login(client, make_user(session, Role.TECHNICIAN).username)
    form = {
        "code": "CC-PH-400",
        "name": "Dung dịch chuẩn pH 4,00",
        "producer": "Merck KGaA",
        "lot": "HC1",
        "certified_value": "4.00",
        "expanded_uncertainty": "0.02",
        "coverage_factor": "2",
        "unit": "pH",
        "certificate_number": "RM-1",
        "certificate_issued_on": "2026-01-01",
        "expiry_on": "2025-12-01",
    }
    wrong = post_form(client, "/standards/materials/new", form)
    assert wrong.status_code == 422 and "Hạn sử dụng phải sau ngày cấp giấy chứng nhận." in wrong.get_data(
        as_text=True
    )
    assert (
        post_form(client, "/standards/materials/new", {**form, "expiry_on": "2027-12-01"}).status_code == 302
    )
    material = session.scalar(select(ReferenceMaterial).where(ReferenceMaterial.code == "CC-PH-400"))
    assert material is not None and material.name == "Dung dịch chuẩn pH 4,00"


def test_edit_a_reference_material_keeps_its_history(client: FlaskClient, session: Session) -> None:
    """A correction to a reference material (e.g. the date the bottle was opened) is saved with the same
    checks as at registration, and the previous value stays in the audit trail (ISO/IEC 17025:2017 7.5.2,
    8.4.2: changes to records are traceable to the previous version)."""
    from lims.models import ReferenceMaterial
    from lims.services.records import audit
    from tests.factories import make_lab

    make_lab(session)
    login(client, make_user(session, Role.TECHNICIAN).username)
    form = {
        "code": "CC-PH-700",
        "name": "Dung dịch chuẩn pH 7,00",
        "producer": "Merck KGaA",
        "lot": "HC7",
        "certified_value": "7.00",
        "expanded_uncertainty": "0.02",
        "coverage_factor": "2",
        "unit": "pH",
        "expiry_on": "2027-12-01",
    }
    assert post_form(client, "/standards/materials/new", form).status_code == 302
    other = {**form, "code": "CC-PH-1000", "lot": "HC10"}
    assert post_form(client, "/standards/materials/new", other).status_code == 302
    material = session.scalar(select(ReferenceMaterial).where(ReferenceMaterial.code == "CC-PH-700"))
    assert material is not None
    url = f"/standards/materials/{material.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "CC-PH-700" in page and "Dung dịch chuẩn pH 7,00" in page

    taken = post_form(client, url, {**form, "code": "CC-PH-1000"})
    assert taken.status_code == 422 and "CC-PH-1000" in taken.get_data(as_text=True)
    future = post_form(client, url, {**form, "opened_on": "2999-01-01"})
    assert future.status_code == 422 and "Ngày mở không thể ở tương lai." in future.get_data(as_text=True)
    session.expire_all()
    assert session.get(ReferenceMaterial, material.id).opened_on is None  # nothing half-saved

    assert (
        post_form(
            client, url, {**form, "opened_on": "2026-03-02", "shelf_life_days_after_opening": "90"}
        ).status_code
        == 302
    )
    session.expire_all()
    saved = session.get(ReferenceMaterial, material.id)
    assert saved.opened_on.isoformat() == "2026-03-02" and saved.shelf_life_days_after_opening == 90
    changed = [e for e in audit.history(session, "reference_material", material.id) if e.action == "update"]
    assert changed, "the correction is in the audit trail"
    assert client.get("/standards/materials/999999/edit").status_code == 404


def test_a_dcc_that_outlasts_the_time_budget_is_refused_clearly(
    client: FlaskClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 21: reading a DCC is stopped at the import budget (5 s of wall-clock time, checked after schema
    validation and before each result); the clock is replaced, nothing sleeps. A 422 in Vietnamese, no
    calibration stored, and the next upload is read again."""
    import io

    from certificates.dcc import render_dcc
    from certificates.examples import example_calibration
    from lims.services.common import budget
    from tests.webutil import csrf_token

    login(client, make_user(session, Role.TECHNICIAN).username)
    std = make_standard(session)
    url = f"/standards/{std.id}/calibrations/import"
    xml = render_dcc(example_calibration(3), software_release="test")
    before = _count(session)
    ticks = iter(range(0, 10_000, 3))  # each read of the clock is 3 s later: validation alone "takes" 3 s
    monkeypatch.setattr(budget, "monotonic", lambda: float(next(ticks)))
    refused = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "dcc": (io.BytesIO(xml), "certificate.xml")},
        content_type="multipart/form-data",
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "kéo dài quá 5 giây" in page and "chưa có gì được lưu" in page
    assert "HC-2026-00042" not in page and _count(session) == before

    monkeypatch.setattr(budget, "monotonic", lambda: 0.0)  # a quick read: the form comes back filled in
    accepted = client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "dcc": (io.BytesIO(xml), "certificate.xml")},
        content_type="multipart/form-data",
    )
    assert accepted.status_code == 200 and "HC-2026-00042" in accepted.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "required", "not_a_number"),
    [
        ("vi", "Trường này là bắt buộc.", "Không phải là một số hợp lệ."),
        ("en", "This field is required.", "Not a valid decimal value."),
    ],
)
def test_the_forms_own_messages_are_in_the_users_language(
    client: FlaskClient, session: Session, language: str, required: str, not_a_number: str
) -> None:
    """WTForms' built-in messages (an empty required field, a number it cannot read) were English on a
    Vietnamese page: WTForms has no Vietnamese catalogue, the application's is used."""
    login(client, make_user(session, Role.TECHNICIAN).username)
    if language == "en":
        post_form(client, "/language", {"language": "en", "next": "/"}, token_from="/")
    std = make_standard(session)
    response = post_form(
        client,
        f"/standards/{std.id}/calibrations/new",
        {**CAL_FORM, "issued_on": "", "as_found_error": "0,0x"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert required in page and not_a_number in page
    if language == "vi":
        assert "This field is required." not in page and "Not a valid decimal value." not in page
