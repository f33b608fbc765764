"""The PDF certificate carries every item of ISO/IEC 17025:2017 7.8.2.1 and 7.8.4.1 in both languages.

The text is extracted with pypdf (what a customer's software sees), so these tests also prove that the text
is selectable and that the Vietnamese diacritics survive as NFC text.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pikepdf
import pytest
from pypdf import PdfReader

from certificates.data import CertificateData, Deviation, Method, Text, Withdrawal
from certificates.examples import example_calibration
from certificates.pdf import render_pdf
from tests.certificates.conftest import all_text, decode_qr, is_nfc, page_texts

CALIBRATION_ITEMS: dict[str, list[str]] = {
    "7.8.2.1 a title": ["GIẤY CHỨNG NHẬN HIỆU CHUẨN", "CALIBRATION CERTIFICATE"],
    "7.8.2.1 b laboratory": [
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Đà Nẵng",
        "Da Nang Centre for Standards, Metrology and Quality Techniques",
        "số 12 đường Lê Lợi, phường Hải Châu, Đà Nẵng",
    ],
    "7.8.2.1 c location": [
        "Địa điểm thực hiện",
        "Location of performance",
        "Tại phòng thí nghiệm",
        "At the laboratory",
    ],
    "7.8.2.1 e customer": [
        "Khách hàng",
        "Customer",
        "Công ty TNHH Thực phẩm Sông Hàn",
        "Khu công nghiệp Hòa Khánh, quận Liên Chiểu",
    ],
    "7.8.2.1 f method": [
        "Phương pháp",
        "Method",
        "QTHC-05:2024",
        "Cân phân tích – Quy trình hiệu chuẩn",
        "Analytical balances – Calibration procedure",
    ],
    "7.8.2.1 g item": [
        "Phương tiện đo",
        "Item",
        "Cân phân tích điện tử",
        "Electronic analytical balance",
        "Số sản xuất",
        "Serial number",
        "B712345678",
        "Mettler-Toledo",
        "XPR225",
        "Tình trạng khi nhận",
        "Condition on receipt",
        "Hoạt động bình thường, không hư hỏng",
    ],
    "7.8.2.1 h receipt": ["Ngày nhận", "Date of receipt", "2026-11-16"],
    "7.8.2.1 i performance": ["Ngày hiệu chuẩn", "Date of calibration", "2026-11-18"],
    "7.8.2.1 j issue": ["Ngày ban hành", "Date of issue", "2026-11-20"],
    "7.8.2.1 l only the item": [
        "Các kết quả trong giấy chứng nhận này chỉ có giá trị đối với phương tiện đo đã nêu.",
        "The results in this certificate relate only to the item identified herein.",
    ],
    "7.8.2.1 m results with units": [
        "KẾT QUẢ / RESULTS",
        "Khối lượng / Mass (g)",
        "Giá trị chuẩn",
        "Reference value",
        "Số chỉ",
        "Indication",
        "Sai số",
        "Error",
        "Độ KĐBĐ mở rộng U",
        "Expanded uncertainty U",
        "-0,00080",
        "0,00030",
    ],
    "7.8.2.1 o signatory": [
        "Người có thẩm quyền ký",
        "Authorised signatory",
        "Nguyễn Thị Thu Hằng",
        "Phó Giám đốc",
        "Deputy Director",
        "Phê duyệt lúc",
        "Approved at",
        "2026-11-20 15:42:07+07:00",
    ],
    "7.8.2.1 note reproduction": [
        "Không được trích sao một phần giấy chứng nhận này nếu không có sự đồng ý bằng văn bản của",
        "This certificate shall not be reproduced except in full without the written approval of",
    ],
    "7.8.2.2 customer data": [
        "Thông tin do khách hàng cung cấp",
        "Information supplied by the customer",
        "Phạm vi sử dụng: (0 … 200) g",
        "Range of use: (0 … 200) g",
    ],
    "7.8.4.1 a uncertainty (EA-4/02, ILAC-P14)": [
        "Độ không đảm bảo đo mở rộng được công bố là độ không đảm bảo đo chuẩn nhân với hệ số phủ k = 2",
        "tương ứng với xác suất phủ xấp xỉ 95 %",
        "The reported expanded uncertainty of measurement is stated as the standard uncertainty of "
        "measurement multiplied by the coverage factor k = 2, which for a normal distribution corresponds "
        "to a coverage probability of approximately 95 %",
    ],
    "7.8.4.1 b environment": [
        "Điều kiện môi trường",
        "Environmental conditions",
        "Nhiệt độ",
        "Temperature",
        "(20,1 … 21,3) °C",
        "Độ ẩm tương đối",
        "Relative humidity",
        "(48,0 … 55,0) %",
    ],
    "7.8.4.1 c traceability": [
        "Liên kết chuẩn đo lường",
        "Metrological traceability",
        "Hệ đơn vị đo quốc tế (SI)",
        "International System of Units (SI)",
        "V01.2026.0042",
        "Viện Đo lường Việt Nam (VMI)",
    ],
    "7.8.4.1 d as found / as left": [
        "Số chỉ trước hiệu chỉnh",
        "Indication as found",
        "Sai số trước hiệu chỉnh",
        "Error as found",
    ],
    "7.8.4.1 e decision rule and conformity": [
        "Quy tắc ra quyết định",
        "Decision rule",
        "ILAC-G8:09/2019",
        "Tuyên bố sự phù hợp",
        "Statement of conformity",
        "Phù hợp / Pass",
        "Sai số lớn nhất cho phép theo yêu cầu của khách hàng",
    ],
    "7.8.4.1 f opinions": [
        "Ý kiến và diễn giải",
        "Opinions and interpretations",
        "The balance was adjusted with its internal weight before calibration.",
    ],
    "chart": ["Sai số / Error / g", "Khối lượng / Mass / g", "±SSLNCP / ±MPE"],
    "end of certificate": ["HẾT GIẤY CHỨNG NHẬN / END OF CERTIFICATE"],
}


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def calibration_pdf() -> bytes:
    return render_pdf(example_calibration(10), invariant=True)


@pytest.fixture(scope="module")
def calibration_text(calibration_pdf: bytes) -> str:
    return all_text(calibration_pdf)


@pytest.mark.parametrize("clause", sorted(CALIBRATION_ITEMS))
def test_every_required_item_is_in_the_text(calibration_text: str, clause: str) -> None:
    text = calibration_text
    assert is_nfc(text)
    missing = [s for s in CALIBRATION_ITEMS[clause] if _nfc(s) not in text]
    assert missing == [], f"{clause}: {missing}"


def test_ten_row_certificate_fits_on_two_pages(calibration_pdf: bytes) -> None:
    """Issue 6: the ten-row example with every 7.8.2 / 7.8.4 item, in both languages, is two A4 pages;
    identity, signature and results table on the first, chart and statements on the second."""
    pages = page_texts(calibration_pdf)
    assert len(pages) == 2
    assert "Trang 2/2 — Page 2 of 2" in pages[1]
    assert "1. Khối lượng / Mass (g)" in pages[0] and "200,0044" in pages[0]
    text = " ".join(pages)
    missing = [s for items in CALIBRATION_ITEMS.values() for s in items if _nfc(s) not in text]
    assert missing == []
    assert "END OF CERTIFICATE" in pages[1] and "END OF CERTIFICATE" not in pages[0]


def test_number_and_page_x_of_y_on_every_page(calibration_pdf: bytes) -> None:
    # 7.8.2.1 d: unique identification on every page and a clear identification of the end
    pages = page_texts(calibration_pdf)
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Số / No.: HC-2026-00042" in text
        assert f"Trang {number}/{len(pages)} — Page {number} of {len(pages)}" in text
        assert "This certificate shall not be reproduced except in full" in text
    assert "END OF CERTIFICATE" in pages[-1]
    assert all("END OF CERTIFICATE" not in t for t in pages[:-1])


def test_no_recalibration_date_unless_the_customer_asked(calibration: CertificateData) -> None:
    # 7.8.4.3: a calibration certificate recommends no interval unless agreed with the customer
    assert "Recalibration" not in all_text(render_pdf(calibration))
    asked = replace(calibration, recalibration_due=date(2027, 11, 18), recalibration_requested=True)
    text = all_text(render_pdf(asked))
    assert "At the customer's request, recalibration is recommended before 2027-11-18." in text
    assert "Theo yêu cầu của khách hàng, đề nghị hiệu chuẩn lại trước ngày 2027-11-18." in text


def test_verification_certificate_shows_result_stamp_and_validity(verification: CertificateData) -> None:
    text = all_text(render_pdf(verification))
    for expected in [
        "GIẤY CHỨNG NHẬN KIỂM ĐỊNH",
        "VERIFICATION CERTIFICATE",
        "Số tem kiểm định",
        "Verification stamp number",
        "DN-26-001234",
        "Có hiệu lực đến",
        "Valid until",
        "2027-11-17",
        "ĐẠT yêu cầu kỹ thuật đo lường theo ĐLVN 08:2011.",
        "PASSED: meets the metrological requirements of ĐLVN 08:2011.",
        "Kiểm định định kỳ",
        "Periodic verification",
        "Ngày kiểm định",
        "Date of verification",
        "SSLNCP (±)",
        "MPE (±)",
    ]:
        assert _nfc(expected) in text, expected
    failed = replace(verification, verification=replace(verification.verification, passed=False))
    assert "FAILED: does not meet the metrological requirements of ĐLVN 08:2011." in all_text(
        render_pdf(failed)
    )


def test_amendment_identifies_the_replaced_certificate_and_why(amended: CertificateData) -> None:
    # 7.8.8.2: the amended report identifies the report it replaces
    text = all_text(render_pdf(amended))
    assert (
        "Sửa đổi 1: thay thế giấy chứng nhận số HC-2026-00042. Lý do: Sửa số sản xuất của phương tiện đo"
        in text
    )
    assert (
        "Amendment 1: replaces certificate No. HC-2026-00042. Reason: Correction of the item's serial number"
        in text
    )


def test_withdrawn_and_superseded_are_marked_on_every_page(calibration: CertificateData) -> None:
    withdrawn = replace(
        calibration, withdrawal=Withdrawal(date(2026, 12, 1), Text("Sai chuẩn", "Wrong standard"))
    )
    pages = page_texts(render_pdf(withdrawn))
    assert all("ĐÃ THU HỒI" in p and "WITHDRAWN" in p for p in pages)
    assert "Wrong standard" in pages[0]
    superseded = page_texts(render_pdf(replace(calibration, superseded_by="HC-2026-00051")))
    assert all("SUPERSEDED BY HC-2026-00051" in p for p in superseded)
    assert all("WITHDRAWN" not in p and "SUPERSEDED" not in p for p in page_texts(render_pdf(calibration)))


def test_deviations_and_external_results_are_identified(calibration: CertificateData) -> None:
    # 7.8.2.1 n (deviations from the method) and p (results from external providers)
    series = replace(calibration.results[0], external_provider="Phòng thí nghiệm ABC (VILAS 001)")
    data = replace(
        calibration,
        results=(series,),
        method=replace(
            calibration.method, deviations=Text("Chỉ hiệu chuẩn đến 100 g", "Calibrated up to 100 g only")
        ),
    )
    text = all_text(render_pdf(data))
    for expected in [
        "Sai khác so với phương pháp",
        "Deviations from the method",
        "Chỉ hiệu chuẩn đến 100 g",
        "Calibrated up to 100 g only",
        "Results provided by an external provider: Phòng thí nghiệm ABC (VILAS 001).",
    ]:
        assert expected in text, expected


def test_decomposed_input_is_drawn_as_nfc(calibration: CertificateData) -> None:
    nfd = unicodedata.normalize("NFD", "Công ty Cổ phần Ắc quy Đồng Nai")
    data = replace(calibration, customer=replace(calibration.customer, name=nfd))
    text = all_text(render_pdf(data))
    assert "Công ty Cổ phần Ắc quy Đồng Nai" in text
    assert nfd not in text


def test_markup_in_data_is_printed_literally(calibration: CertificateData) -> None:
    data = replace(calibration, customer=replace(calibration.customer, name="A & B <Co> Ltd"))
    assert "A & B <Co> Ltd" in all_text(render_pdf(data))


def test_document_properties_and_language(calibration_pdf: bytes) -> None:
    meta = PdfReader(io.BytesIO(calibration_pdf)).metadata
    assert meta is not None
    assert meta.title == "GIẤY CHỨNG NHẬN HIỆU CHUẨN / CALIBRATION CERTIFICATE HC-2026-00042"
    assert meta.author == "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Đà Nẵng"
    assert meta.subject == "Cân phân tích điện tử / Electronic analytical balance B712345678"
    with pikepdf.open(io.BytesIO(calibration_pdf)) as pdf:
        assert str(pdf.Root.Lang) == "vi"


def test_only_the_embedded_vietnamese_font_is_used(calibration_pdf: bytes) -> None:
    with pikepdf.open(io.BytesIO(calibration_pdf)) as pdf:
        fonts = {}
        for page in pdf.pages:
            for _name, font in page.Resources.get("/Font", {}).items():
                fonts[str(font.BaseFont)] = font
        assert fonts
        for base, font in fonts.items():
            assert "DejaVuSans" in base, base
            descriptor = (
                font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
            )
            assert "/FontFile2" in descriptor, f"{base} is not embedded"
            assert "/ToUnicode" in font, f"{base} has no ToUnicode map: text would not be selectable"


def test_invariant_output_is_byte_identical(calibration: CertificateData) -> None:
    first = render_pdf(calibration, invariant=True)
    assert render_pdf(calibration, invariant=True) == first
    assert render_pdf(replace(calibration, number="HC-2026-00043"), invariant=True) != first


def test_qr_code_opens_the_verification_url(calibration_pdf: bytes, verification: CertificateData) -> None:
    assert decode_qr(calibration_pdf) == ["https://lims.example.vn/verify/HC-2026-00042"]
    assert decode_qr(render_pdf(verification)) == ["https://lims.example.vn/verify/KĐ-2026-00007"]


def test_per_point_coverage_factor_uses_the_per_point_statement(calibration: CertificateData) -> None:
    series = calibration.results[0]
    mixed = replace(
        series, points=(replace(series.points[0], coverage_factor=Decimal("2.28")), *series.points[1:])
    )
    text = all_text(render_pdf(replace(calibration, results=(mixed,))))
    assert "multiplied by the coverage factor k given in the table for each point" in text
    assert "2,28" in text


def test_correction_column_when_the_series_reports_corrections(calibration: CertificateData) -> None:
    series = calibration.results[0]
    series = replace(series, points=tuple(replace(p, deviation=Deviation.CORRECTION) for p in series.points))
    data = replace(
        calibration,
        method=Method(Text("Phương pháp so sánh", "Comparison method"), "QTHC-01"),
        results=(series,),
    )
    text = all_text(render_pdf(data))
    assert "Số hiệu chính" in text and "Correction" in text


def test_render_pdf_refuses_other_input() -> None:
    with pytest.raises(TypeError):
        render_pdf({"number": "HC-1"})  # type: ignore[arg-type]


def test_each_quantity_has_its_table_and_units(calibration: CertificateData) -> None:
    from certificates.data import ResultSeries
    from certificates.examples import example_point

    temperature = ResultSeries(
        Text("Nhiệt độ", "Temperature"),
        "\\degreecelsius",
        tuple(
            example_point("temperature", "°C", Decimal(t), Decimal("0.1"), Decimal("0.12"))
            for t in (10, 20, 30)
        ),
    )
    pressure = ResultSeries(
        Text("Áp suất", "Pressure"),
        "\\kilo\\pascal",
        tuple(example_point("pressure", "kPa", Decimal(p), Decimal(0), Decimal("0.05")) for p in (100, 200)),
    )
    text = all_text(render_pdf(replace(calibration, results=(temperature, pressure), decision=None)))
    assert "1. Nhiệt độ / Temperature (°C)" in text
    assert "2. Áp suất / Pressure (kPa)" in text
    first, second = text.split("2. Áp suất / Pressure (kPa)")
    # each table holds its own rows (number, reference, indication, error, U, k) and has its own chart;
    # reference and indication are rounded to U's decimal place like the error (GUM 7.2.6, ILAC-P14 6.3)
    assert "3 30,00 30,10 0,10 0,12 2" in first and "100,000" not in first.split("1. Nhiệt độ")[1]
    assert "1 100,000 100,000 0,000 0,050 2" in second and "2 200,000 200,000 0,000 0,050 2" in second
    assert "Sai số / Error / °C" in first and "Nhiệt độ / Temperature / °C" in first
    assert "Sai số / Error / kPa" in second and "Áp suất / Pressure / kPa" in second


def test_table_prints_what_every_page_prints(calibration: CertificateData) -> None:
    """The PDF row of a point is the one display of its record (certificates.metrology.display.point_text),
    and without the agreed decision rule a calibration certificate prints no verdict (7.8.6.1)."""
    from certificates.metrology.display import point_text

    point = calibration.results[0].points[1]
    t = point_text(point, "vi")
    text = all_text(render_pdf(calibration))
    assert (
        f"2 {t.reference} — — {t.indication} {t.error} {t.expanded_uncertainty} {t.coverage_factor} {t.mpe}"
        in text
    )
    without = all_text(render_pdf(replace(calibration, decision=None)))
    assert "Phù hợp / Pass" in text and "Phù hợp / Pass" not in without


def test_a_condition_that_did_not_change_is_one_value(calibration: CertificateData) -> None:
    steady = replace(
        calibration.environment,
        temperature_min_c=23.4,
        temperature_max_c=23.4,
        relative_humidity_min_pct=48.0,
        relative_humidity_max_pct=48.0,
    )
    text = all_text(render_pdf(replace(calibration, environment=steady)))
    assert "Temperature: 23,4 °C" in text and "humidity: 48,0 %" in text
    assert "23,4 … 23,4" not in text and "48,0 … 48,0" not in text
