"""Bilingual (Vietnamese / English) customer notices drafted from an impact report (ISO/IEC 17025 7.10.1 b).

The notices are drafts: the lab evaluates each certificate first, edits as needed, and the web layer keeps
them in the outbox. Templates use :class:`string.Template` placeholders (``$customer`` …, listed in
:data:`PLACEHOLDERS`); every text produced is normalised to Unicode NFC so that Vietnamese diacritics
compare, search and print consistently.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from string import Template

from lims.domain.calibration_points import InvalidRecord
from lims.domain.impact import AffectedUsage, EventKind, ImpactReport

PLACEHOLDERS = frozenset(
    {
        "customer",
        "lab_name",
        "contact",
        "standard",
        "reason_vi",
        "reason_en",
        "found_on_vi",
        "found_on_en",
        "suspect_from_vi",
        "suspect_from_en",
        "certificates_vi",
        "certificates_en",
    }
)

REASONS: dict[EventKind, tuple[str, str]] = {
    EventKind.OUT_OF_TOLERANCE: (
        "đã được phát hiện nằm ngoài dung sai cho phép",
        "was found out of tolerance",
    ),
    EventKind.CERTIFICATE_WITHDRAWN: (
        "đã bị thu hồi giấy chứng nhận hiệu chuẩn",
        "had its calibration certificate withdrawn",
    ),
    EventKind.FAILED_CHECK: ("đã không đạt khi kiểm tra giữa kỳ", "failed an intermediate check"),
}


@dataclass(frozen=True, slots=True)
class NoticeTemplate:
    subject_vi: str
    subject_en: str
    body_vi: str
    body_en: str

    def __post_init__(self) -> None:
        for name in ("subject_vi", "subject_en", "body_vi", "body_en"):
            template = Template(getattr(self, name))
            if not template.is_valid():
                raise InvalidRecord(f"template.{name}", "contains a malformed $ placeholder")
            unknown = set(template.get_identifiers()) - PLACEHOLDERS
            if unknown:
                raise InvalidRecord(f"template.{name}", f"unknown placeholders: {', '.join(sorted(unknown))}")


DEFAULT_TEMPLATE = NoticeTemplate(
    subject_vi="Thông báo về kết quả hiệu chuẩn có thể bị ảnh hưởng – $lab_name",
    subject_en="Notice of possibly affected calibration results – $lab_name",
    body_vi=(
        "Kính gửi $customer,\n\n"
        "$lab_name xin thông báo: ngày $found_on_vi, chuẩn đo lường $standard, được sử dụng trực tiếp hoặc "
        "gián tiếp (qua các chuẩn được hiệu chuẩn bằng chuẩn này) để hiệu chuẩn phương tiện đo của "
        "Quý khách, "
        "$reason_vi. Các kết quả hiệu chuẩn thực hiện từ ngày $suspect_from_vi có thể bị ảnh hưởng "
        "(TCVN ISO/IEC 17025:2017, điều 7.10).\n\n"
        "Các giấy chứng nhận liên quan:\n$certificates_vi\n\n"
        "Chúng tôi đang đánh giá mức độ ảnh hưởng đối với từng giấy chứng nhận và sẽ thông báo kết quả cùng "
        "biện pháp khắc phục. Trong thời gian này, đề nghị Quý khách lưu ý khi sử dụng các kết quả "
        "nêu trên.\n\n"
        "Mọi thắc mắc xin liên hệ: $contact\n\n"
        "Trân trọng,\n$lab_name"
    ),
    body_en=(
        "Dear $customer,\n\n"
        "$lab_name informs you that on $found_on_en the measurement standard $standard, used directly or "
        "through standards calibrated with it in the calibration of your instruments, $reason_en. "
        "Calibration results obtained from $suspect_from_en onwards may be affected "
        "(ISO/IEC 17025:2017, clause 7.10).\n\n"
        "Certificates concerned:\n$certificates_en\n\n"
        "We are evaluating the effect on each certificate and will inform you of the outcome and of any "
        "corrective action. Until then, please take this into account when using the results listed "
        "above.\n\n"
        "For any question please contact: $contact\n\n"
        "Yours faithfully,\n$lab_name"
    ),
)


@dataclass(frozen=True, slots=True)
class CustomerNotice:
    customer: str
    subject: str
    body: str
    certificates: tuple[str, ...]
    job_ids: tuple[str, ...]


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _vi_date(day: date) -> str:
    return f"{day.day:02d}/{day.month:02d}/{day.year}"


def _line_vi(a: AffectedUsage) -> str:
    u = a.usage
    what = f"Giấy chứng nhận {u.certificate_number}" if u.certificate_number else "Chưa cấp giấy chứng nhận"
    return f"- {what} (công việc {u.job_id}, ngày {_vi_date(u.performed_on)})"


def _line_en(a: AffectedUsage) -> str:
    u = a.usage
    what = f"Certificate {u.certificate_number}" if u.certificate_number else "No certificate issued yet"
    return f"- {what} (job {u.job_id}, {u.performed_on.isoformat()})"


def draft_notices(
    report: ImpactReport, *, lab_name: str, contact: str, template: NoticeTemplate = DEFAULT_TEMPLATE
) -> list[CustomerNotice]:
    """One bilingual notice per customer concerned, customers in alphabetical order.

    The subject is ``"<Vietnamese> / <English>"``; the body is the Vietnamese text, a separator line and
    the English text.

    >>> from lims.domain.impact import SuspectEvent, Usage, assess_impact
    >>> event = SuspectEvent("t1", "T-01", EventKind.FAILED_CHECK, date(2025, 6, 2), date(2025, 3, 1))
    >>> report = assess_impact(event, [Usage("J-9", date(2025, 4, 1), ("t1",), "HC-9", "Công ty A")])
    >>> notice = draft_notices(report, lab_name="Trung tâm Đo lường", contact="0123")[0]
    >>> for part in notice.subject.split(" / "): print(part)
    Thông báo về kết quả hiệu chuẩn có thể bị ảnh hưởng – Trung tâm Đo lường
    Notice of possibly affected calibration results – Trung tâm Đo lường
    >>> "- Giấy chứng nhận HC-9 (công việc J-9, ngày 01/04/2025)" in notice.body
    True
    """
    for name, value in (("lab_name", lab_name), ("contact", contact)):
        if not value.strip():
            raise InvalidRecord(name, "must not be empty")
    event = report.event
    reason_vi, reason_en = REASONS[event.kind]
    notices: list[CustomerNotice] = []
    for customer in report.customers:
        mine = report.for_customer(customer)
        values = {
            "customer": customer,
            "lab_name": lab_name,
            "contact": contact,
            "standard": event.asset_number,
            "reason_vi": reason_vi,
            "reason_en": reason_en,
            "found_on_vi": _vi_date(event.found_on),
            "found_on_en": event.found_on.isoformat(),
            "suspect_from_vi": _vi_date(event.suspect_from),
            "suspect_from_en": event.suspect_from.isoformat(),
            "certificates_vi": "\n".join(_line_vi(a) for a in mine),
            "certificates_en": "\n".join(_line_en(a) for a in mine),
        }
        values = {key: _nfc(value) for key, value in values.items()}
        subject = (
            Template(template.subject_vi).substitute(values)
            + " / "
            + Template(template.subject_en).substitute(values)
        )
        body = (
            Template(template.body_vi).substitute(values)
            + "\n\n"
            + "—" * 20
            + "\n\n"
            + Template(template.body_en).substitute(values)
        )
        notices.append(
            CustomerNotice(
                _nfc(customer),
                _nfc(" ".join(subject.split())),
                _nfc(body),
                tuple(a.usage.certificate_number for a in mine if a.usage.certificate_number),
                tuple(a.usage.job_id for a in mine),
            )
        )
    return notices
