"""Bilingual text and the fixed statements printed on every certificate.

The statements follow ISO/IEC 17025:2017 7.8 and the wording of EA-4/02 M:2022 and ILAC-P14:09/2020
section 6. The Vietnamese text follows the conventions collected in ``shared/reference/certificates.md`` (c).
A centre whose quality manual prescribes other wording passes its own :class:`Wording` in
:class:`certificates.data.CertificateData`; nothing else has to change.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from certificates.errors import CertificateDataError

__all__ = ["DEFAULT_WORDING", "Text", "Wording", "nfc"]


def nfc(text: str) -> str:
    """NFC-normalise ``text``: reportlab places no combining marks, so decomposed Vietnamese is misdrawn.

    >>> nfc("Hie\\u0302\\u0323u chua\\u0302\\u0309n") == "Hiệu chuẩn"
    True
    """
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True, slots=True)
class Text:
    """A text in Vietnamese (``vi``, the mandatory language) and English (``en``), NFC-normalised.

    >>> Text("Khối lượng", "Mass").en
    'Mass'
    >>> Text("", "Mass")
    Traceback (most recent call last):
    ...
    certificates.errors.CertificateDataError: text.vi: must not be empty (English: 'Mass')
    """

    vi: str
    en: str

    def __post_init__(self) -> None:
        for lang in ("vi", "en"):
            value = getattr(self, lang)
            if not isinstance(value, str):
                raise CertificateDataError(f"text.{lang}", f"must be a string, not {type(value).__name__}")
            value = nfc(value.strip())
            if not value:
                other_label, other = ("English", self.en) if lang == "vi" else ("Vietnamese", self.vi)
                raise CertificateDataError(f"text.{lang}", f"must not be empty ({other_label}: {other!r})")
            object.__setattr__(self, lang, value)

    def format(self, **values: object) -> Text:
        """Both languages with ``str.format`` placeholders filled in.

        >>> Text("Của {lab}", "Of {lab}").format(lab="TTĐL").vi
        'Của TTĐL'
        """
        return Text(self.vi.format(**values), self.en.format(**values))


@dataclass(frozen=True, slots=True)
class Wording:
    """Fixed statements; ``{placeholders}`` are filled in by the renderers."""

    title_calibration: Text = Text("GIẤY CHỨNG NHẬN HIỆU CHUẨN", "CALIBRATION CERTIFICATE")
    title_verification: Text = Text("GIẤY CHỨNG NHẬN KIỂM ĐỊNH", "VERIFICATION CERTIFICATE")
    # EA-4/02 M:2022 section 5 / ILAC-P14:09/2020 6.2: k and p must be stated; {k} and {p} are filled in.
    uncertainty: Text = Text(
        "Độ không đảm bảo đo mở rộng được công bố là độ không đảm bảo đo chuẩn nhân với hệ số phủ k = {k}, "
        "đối với phân bố chuẩn tương ứng với xác suất phủ xấp xỉ {p} %. Độ không đảm bảo đo chuẩn được "
        "đánh giá theo EA-4/02 M:2022 và JCGM 100:2008 (GUM).",
        "The reported expanded uncertainty of measurement is stated as the standard uncertainty of "
        "measurement multiplied by the coverage factor k = {k}, which for a normal distribution corresponds "
        "to a coverage probability of approximately {p} %. The standard uncertainty of measurement has been "
        "determined in accordance with EA-4/02 M:2022 and JCGM 100:2008 (GUM).",
    )
    # Used when k differs between points (t-distribution with few effective degrees of freedom, EA-4/02 5.2).
    uncertainty_per_point: Text = Text(
        "Độ không đảm bảo đo mở rộng được công bố là độ không đảm bảo đo chuẩn nhân với hệ số phủ k ghi "
        "trong bảng cho từng điểm đo, tương ứng với xác suất phủ xấp xỉ {p} %. Độ không đảm bảo đo chuẩn "
        "được đánh giá theo EA-4/02 M:2022 và JCGM 100:2008 (GUM).",
        "The reported expanded uncertainty of measurement is stated as the standard uncertainty of "
        "measurement multiplied by the coverage factor k given in the table for each point, which "
        "corresponds to a coverage probability of approximately {p} %. The standard uncertainty of "
        "measurement has been determined in accordance with EA-4/02 M:2022 and JCGM 100:2008 (GUM).",
    )
    # Used when a U came from a t-distribution or a Monte Carlo interval: the basis of the evaluation, then the
    # statement of how each point's U was obtained (certificates.metrology.summary), so that k is stated once.
    uncertainty_basis: Text = Text(
        "Độ không đảm bảo đo chuẩn được đánh giá theo EA-4/02 M:2022 và JCGM 100:2008 (GUM).",
        "The standard uncertainty of measurement has been determined in accordance with EA-4/02 M:2022 and "
        "JCGM 100:2008 (GUM).",
    )
    traceability: Text = Text(
        "Các kết quả đo được liên kết chuẩn đo lường đến Hệ đơn vị đo quốc tế (SI) thông qua các chuẩn "
        "đo lường nêu dưới đây, đã được hiệu chuẩn bởi các tổ chức có năng lực.",
        "The measurement results are metrologically traceable to the International System of Units (SI) "
        "through the measurement standards listed below, calibrated by competent bodies.",
    )
    results_relate_only: Text = Text(
        "Các kết quả trong giấy chứng nhận này chỉ có giá trị đối với phương tiện đo đã nêu.",
        "The results in this certificate relate only to the item identified herein.",
    )
    reproduction: Text = Text(
        "Không được trích sao một phần giấy chứng nhận này nếu không có sự đồng ý bằng văn bản của {lab}.",
        "This certificate shall not be reproduced except in full without the written approval of {lab}.",
    )
    customer_supplied: Text = Text(
        "Thông tin sau do khách hàng cung cấp; phòng thí nghiệm không chịu trách nhiệm về thông tin này và "
        "về ảnh hưởng của nó đến kết quả:",
        "The following information was supplied by the customer; the laboratory is not responsible for it "
        "or for its effect on the results:",
    )
    external_provider: Text = Text(
        "Kết quả do nhà cung cấp bên ngoài thực hiện: {provider}.",
        "Results provided by an external provider: {provider}.",
    )
    verification_passed: Text = Text(
        "ĐẠT yêu cầu kỹ thuật đo lường theo {procedure}.",
        "PASSED: meets the metrological requirements of {procedure}.",
    )
    verification_failed: Text = Text(
        "KHÔNG ĐẠT yêu cầu kỹ thuật đo lường theo {procedure}.",
        "FAILED: does not meet the metrological requirements of {procedure}.",
    )
    recalibration: Text = Text(
        "Theo yêu cầu của khách hàng, đề nghị hiệu chuẩn lại trước ngày {date}.",
        "At the customer's request, recalibration is recommended before {date}.",
    )
    amendment: Text = Text(
        "Sửa đổi {revision}: thay thế giấy chứng nhận số {replaces}. Lý do: {reason}",
        "Amendment {revision}: replaces certificate No. {replaces}. Reason: {reason}",
    )
    withdrawn: Text = Text("ĐÃ THU HỒI", "WITHDRAWN")
    superseded: Text = Text("ĐÃ ĐƯỢC THAY THẾ BỞI {number}", "SUPERSEDED BY {number}")
    end_of_certificate: Text = Text("HẾT GIẤY CHỨNG NHẬN", "END OF CERTIFICATE")
    # ISO 80000-1 7.3.2 allows the comma or the point; Vietnamese documents (TCVN, ĐLVN) use the comma.
    decimal_separator: str = ","
    # ISO 8601 dates cannot be misread by either language (dd/mm versus mm/dd).
    date_format: str = "%Y-%m-%d"

    def __post_init__(self) -> None:
        if self.decimal_separator not in (",", "."):
            raise CertificateDataError("wording.decimal_separator", "must be ',' or '.'")


DEFAULT_WORDING = Wording()
