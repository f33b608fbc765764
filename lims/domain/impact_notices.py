"""Customer notices drafted from the lab's decisions on nonconforming work (ISO/IEC 17025:2017 7.10.1 d).

A notice is drafted only from decisions (never before the work is evaluated): one notice per customer, in
the customer's language (Vietnamese or English), listing each certificate concerned with the right word —
*hiệu chuẩn* / calibration or *kiểm định* / verification — and what the lab decided for it. Every text is
normalised to Unicode NFC so that Vietnamese diacritics compare, search and print consistently.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date

from lims.domain.calibration_points import InvalidRecord
from lims.domain.nonconformity import Decision
from lims.localtime import format_lab_date

LANGUAGES = ("vi", "en")

# The certificate's name by kind of work and language.
CERTIFICATE_WORDS: dict[tuple[str, str], str] = {
    ("calibration", "vi"): "Giấy chứng nhận hiệu chuẩn",
    ("verification", "vi"): "Giấy chứng nhận kiểm định",
    ("calibration", "en"): "Calibration certificate",
    ("verification", "en"): "Verification certificate",
}
RESULT_WORDS: dict[tuple[str, str], str] = {
    ("calibration", "vi"): "kết quả hiệu chuẩn",
    ("verification", "vi"): "kết quả kiểm định",
    ("both", "vi"): "kết quả hiệu chuẩn và kiểm định",
    ("calibration", "en"): "calibration results",
    ("verification", "en"): "verification results",
    ("both", "en"): "calibration and verification results",
}
# What each decision means for the customer; {new} is the amendment's number.
DECISION_TEXT: dict[tuple[Decision, str], str] = {
    (Decision.NOTIFY, "vi"): "kết quả có thể bị ảnh hưởng; đề nghị Quý khách lưu ý khi sử dụng",
    (Decision.RECALL, "vi"): "đề nghị Quý khách gửi lại phương tiện đo để thực hiện lại, không tính phí",
    (Decision.AMEND, "vi"): "giấy chứng nhận đã được sửa đổi và thay thế bằng {new}",
    (Decision.WITHDRAW, "vi"): "giấy chứng nhận đã bị thu hồi và không còn giá trị",
    (Decision.NOTIFY, "en"): "the result may be affected; please take this into account when using it",
    (Decision.RECALL, "en"): "please return the instrument so that the work is repeated free of charge",
    (Decision.AMEND, "en"): "the certificate has been amended and is replaced by {new}",
    (Decision.WITHDRAW, "en"): "the certificate has been withdrawn and is no longer valid",
}
PENDING = {"vi": "(đang phát hành)", "en": "(being issued)"}
# The lab's own description, when the notice quotes it: labelled as quoted, never part of a sentence the
# system composes (the lab writes it in its own language, which need not be the customer's).
NOTE_LABEL = {"vi": "Ghi chú của phòng thí nghiệm (nguyên văn)", "en": "Lab's note (as written)"}
NO_CERTIFICATE = {"vi": "Chưa cấp giấy chứng nhận", "en": "No certificate issued yet"}


@dataclass(frozen=True, slots=True)
class NoticeLine:
    """One decided job of the customer (decisions "no effect" are never in a notice)."""

    job_number: str
    performed_on: date
    kind: str  # "calibration" or "verification"
    decision: Decision
    certificate_number: str | None = None
    replacement_number: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("calibration", "verification"):
            raise InvalidRecord("kind", "must be calibration or verification")
        if self.decision is Decision.NO_EFFECT:
            raise InvalidRecord("decision", "a job without effect is not notified")


@dataclass(frozen=True, slots=True)
class NoticeFacts:
    customer: str
    lab_name: str
    contact: str
    record_number: str
    reason_vi: str  # what happened, in each language (a standard found out of tolerance…)
    reason_en: str
    found_on: date
    lines: tuple[NoticeLine, ...]
    note: str = ""  # the lab's own description, quoted as written under NOTE_LABEL ("" leaves it out)


@dataclass(frozen=True, slots=True)
class DraftNotice:
    language: str
    subject: str
    body: str


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _day(day: date, language: str) -> str:
    """A date as a letter in that language writes it, by the application's one date formatter.

    >>> _day(date(2026, 3, 4), "vi"), _day(date(2026, 3, 4), "en")
    ('04/03/2026', '4 March 2026')
    """
    # a calendar date is not converted between zones, so the zone given does not matter
    return format_lab_date(day, locale=language, zone=UTC, style="long")


def _quoted(note: str, language: str) -> str:
    """The lab's note on one line, labelled and in quotation marks; nothing when there is none."""
    note = " ".join(note.split())
    return f"{NOTE_LABEL[language]}: \u201c{note}\u201d\n\n" if note else ""


def result_word(kinds: Sequence[str], language: str) -> str:
    """
    >>> result_word(["verification", "verification"], "vi")
    'kết quả kiểm định'
    >>> result_word(["calibration", "verification"], "en")
    'calibration and verification results'
    """
    found = set(kinds)
    key = found.pop() if len(found) == 1 else "both"
    return RESULT_WORDS[(key, language)]


def _line(line: NoticeLine, language: str) -> str:
    word = CERTIFICATE_WORDS[(line.kind, language)]
    what = f"{word} {line.certificate_number}" if line.certificate_number else NO_CERTIFICATE[language]
    job = "công việc" if language == "vi" else "job"
    new = line.replacement_number or PENDING[language]
    decided = DECISION_TEXT[(line.decision, language)].format(new=new)
    return f"- {what} ({job} {line.job_number}, {_day(line.performed_on, language)}): {decided}."


def draft_notice(facts: NoticeFacts, *, language: str) -> DraftNotice:
    """The notice to one customer in ``language`` ("vi" or "en").

    >>> line = NoticeLine("CV-2026-00012", date(2026, 3, 4), "verification", Decision.AMEND, "KĐ-2026-00007",
    ...                   "KĐ-2026-00031")
    >>> facts = NoticeFacts("Công ty A", "Trung tâm Đo lường", "024 3333 4444", "NC-2026-002",
    ...                     "chuẩn CDL-AS-001 được phát hiện nằm ngoài dung sai",
    ...                     "standard CDL-AS-001 was found out of tolerance", date(2026, 10, 20), (line,))
    >>> notice = draft_notice(facts, language="vi")
    >>> notice.subject
    'Thông báo về kết quả kiểm định bị ảnh hưởng (NC-2026-002) – Trung tâm Đo lường'
    >>> print(notice.body.splitlines()[3])
    - Giấy chứng nhận kiểm định KĐ-2026-00007 (công việc CV-2026-00012, 04/03/2026): giấy chứng nhận đã được sửa đổi và thay thế bằng KĐ-2026-00031.
    """
    if language not in LANGUAGES:
        raise InvalidRecord("language", "must be vi or en")
    for name in ("lab_name", "contact", "customer"):
        if not getattr(facts, name).strip():
            raise InvalidRecord(name, "must not be empty")
    if not facts.lines:
        raise InvalidRecord("lines", "a notice needs at least one decided job")
    results = result_word([line.kind for line in facts.lines], language)
    lines = "\n".join(_line(line, language) for line in facts.lines)
    found = _day(facts.found_on, language)
    if language == "vi":
        subject = f"Thông báo về {results} bị ảnh hưởng ({facts.record_number}) – {facts.lab_name}"
        body = (
            f"Kính gửi {facts.customer},\n\n"
            f"Ngày {found}, {facts.lab_name} phát hiện: {facts.reason_vi}. Sau khi đánh giá ảnh hưởng "
            f"(hồ sơ {facts.record_number}, TCVN ISO/IEC 17025:2017 điều 7.10), chúng tôi thông báo các "
            f"{results} sau của Quý khách:\n"
            f"{lines}\n\n"
            f"{_quoted(facts.note, language)}"
            f"Mọi thắc mắc xin liên hệ: {facts.contact}\n\n"
            f"Trân trọng,\n{facts.lab_name}"
        )
    else:
        subject = f"Notice of affected {results} ({facts.record_number}) – {facts.lab_name}"
        body = (
            f"Dear {facts.customer},\n\n"
            f"On {found}, {facts.lab_name} found that the {facts.reason_en}. Having evaluated the effect "
            f"(record {facts.record_number}, ISO/IEC 17025:2017 clause 7.10), we inform you about the "
            f"following {results}:\n"
            f"{lines}\n\n"
            f"{_quoted(facts.note, language)}"
            f"For any question please contact: {facts.contact}\n\n"
            f"Yours faithfully,\n{facts.lab_name}"
        )
    return DraftNotice(language, _nfc(" ".join(subject.split())), _nfc(body))


def digest(lines: Sequence[NoticeLine]) -> str:
    """A fingerprint of the decisions a notice says (order-free): a changed decision means a new notice.

    >>> a = NoticeLine("J-1", date(2026, 1, 2), "calibration", Decision.NOTIFY, "HC-1")
    >>> b = NoticeLine("J-2", date(2026, 1, 3), "calibration", Decision.RECALL, "HC-2")
    >>> digest([a, b]) == digest([b, a]) != digest([a])
    True
    """
    parts = sorted(
        "|".join(
            (
                line.job_number,
                line.kind,
                line.decision.value,
                line.certificate_number or "",
                line.replacement_number or "",
            )
        )
        for line in lines
    )
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()
