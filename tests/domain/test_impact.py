"""Reverse traceability and customer notices (ISO/IEC 17025:2017 7.10.1, 6.4.9)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest

from lims.domain.calibration_points import InvalidRecord
from lims.domain.impact import EventKind, SuspectEvent, Usage, assess_impact
from lims.domain.impact_notices import DEFAULT_TEMPLATE, NoticeTemplate, draft_notices

NFD_NAME = unicodedata.normalize("NFD", "Công ty Điện lực Đà Nẵng")


def event(**over: object) -> SuspectEvent:
    values: dict[str, object] = {
        "standard_id": "ref",
        "asset_number": "M-REF",
        "kind": EventKind.OUT_OF_TOLERANCE,
        "found_on": date(2025, 6, 1),
        "suspect_from": date(2025, 1, 10),
    }
    values.update(over)
    return SuspectEvent(**values)  # type: ignore[arg-type]


USAGES = [
    Usage("J-0", date(2025, 1, 5), ("ref",), "HC-0", "Customer A"),  # before suspicion
    Usage("CAL-W1", date(2025, 2, 1), ("ref",), calibrated_standard_id="w1"),  # level 1, internal
    Usage("J-1", date(2025, 3, 1), ("w1", "thermo"), "HC-1", "Customer A"),  # level 2
    Usage("CAL-W2", date(2025, 3, 15), ("w1",), calibrated_standard_id="w2"),  # level 2, internal
    Usage("J-2", date(2025, 4, 1), ("w2",), "HC-2", NFD_NAME),  # level 3
    Usage("J-4", date(2025, 4, 20), ("ref",), "HC-4", "Customer B"),  # level 1
    Usage("J-3", date(2025, 5, 10), ("w1",), "HC-3", "Customer A"),  # w1 recalibrated 05-01
    Usage("J-6", date(2025, 5, 20), ("thermo",), "HC-6", "Customer C"),  # never touched
]


def test_propagation_through_two_levels_of_internal_calibration() -> None:
    report = assess_impact(
        event(), USAGES, recalibrations={"w1": [date(2025, 5, 1)]}, asset_numbers={"w1": "M-W1", "w2": "M-W2"}
    )
    assert [(a.usage.job_id, a.level) for a in report.affected] == [
        ("CAL-W1", 1),
        ("J-1", 2),
        ("CAL-W2", 2),
        ("J-2", 3),
        ("J-4", 1),
    ]
    j2 = report.affected[3]
    assert j2.paths == (("ref", "w1", "w2"),)
    assert report.certificates == ("HC-1", "HC-2", "HC-4")
    nfc = unicodedata.normalize("NFC", NFD_NAME)
    assert report.customers == tuple(sorted(["Customer A", "Customer B", nfc]))
    data = report.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["affected"][3]["paths"] == [["M-REF", "M-W1", "M-W2"]]
    assert data["affected"][0]["calibrated_standard"] == "M-W1"


def test_without_recalibration_the_derived_standard_stays_suspect() -> None:
    report = assess_impact(event(), USAGES)
    assert "J-3" in [a.usage.job_id for a in report.affected]


def test_suspect_until_closes_the_window() -> None:
    later = [*USAGES, Usage("J-5", date(2025, 7, 1), ("ref",), "HC-5", "Customer D")]
    open_ended = assess_impact(event(), later)
    closed = assess_impact(event(suspect_until=date(2025, 6, 20)), later)
    assert "J-5" in [a.usage.job_id for a in open_ended.affected]
    assert "J-5" not in [a.usage.job_id for a in closed.affected]


def test_next_internal_calibration_closes_a_derived_window() -> None:
    # w1 is recalibrated by this lab on 2025-04-10 against a sound standard: later uses of w1 are fine
    usages = [*USAGES, Usage("CAL-W1b", date(2025, 4, 10), ("other",), calibrated_standard_id="w1")]
    affected = [a.usage.job_id for a in assess_impact(event(), usages).affected]
    assert "J-3" not in affected and "CAL-W1b" not in affected


def test_calibration_loops_terminate_and_keep_every_path() -> None:
    usages = [
        Usage("CAL-A", date(2025, 2, 1), ("ref",), calibrated_standard_id="a"),
        Usage("CAL-B", date(2025, 2, 2), ("a",), calibrated_standard_id="b"),
        Usage("CAL-A2", date(2025, 2, 3), ("b",), calibrated_standard_id="a"),
        Usage("J-1", date(2025, 2, 4), ("a", "ref"), "HC-1", "X"),
    ]
    report = assess_impact(event(), usages)
    j1 = next(a for a in report.affected if a.usage.job_id == "J-1")
    assert j1.level == 1
    # J-1 used ref directly, and a after its second calibration (against b, itself calibrated with a):
    # the window of a from its first calibration had closed on 02-03, the one from its second is open.
    assert j1.paths == (("ref",), ("ref", "a", "b", "a"))
    assert [a.usage.job_id for a in report.affected] == ["CAL-A", "CAL-B", "CAL-A2", "J-1"]


def test_bilingual_notices_one_per_customer_nfc() -> None:
    report = assess_impact(event(), USAGES, recalibrations={"w1": [date(2025, 5, 1)]})
    notices = draft_notices(
        report, lab_name="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng", contact="hieuchuan@example.vn"
    )
    assert [n.customer for n in notices] == list(report.customers)
    a = next(n for n in notices if n.customer == "Customer A")
    assert a.certificates == ("HC-1",) and a.job_ids == ("J-1",)
    assert "Kính gửi Customer A," in a.body and "Dear Customer A," in a.body
    assert "nằm ngoài dung sai cho phép" in a.body and "was found out of tolerance" in a.body
    assert "- Giấy chứng nhận HC-1 (công việc J-1, ngày 01/03/2025)" in a.body
    assert "- Certificate HC-1 (job J-1, 2025-03-01)" in a.body
    assert "ngày 10/01/2025" in a.body and "from 2025-01-10 onwards" in a.body
    assert a.subject.startswith("Thông báo về kết quả hiệu chuẩn") and " / Notice of possibly" in a.subject
    assert "HC-3" not in a.body  # outside the window after the external recalibration
    danang = next(n for n in notices if n.customer.startswith("Công"))
    for text in (danang.customer, danang.subject, danang.body):
        assert unicodedata.is_normalized("NFC", text)
    assert "Kính gửi Công ty Điện lực Đà Nẵng," in danang.body


def test_notice_for_a_job_without_certificate_and_each_event_kind() -> None:
    usages = [Usage("J-9", date(2025, 3, 1), ("ref",), None, "Customer Z")]
    for kind, vi, en in [
        (EventKind.CERTIFICATE_WITHDRAWN, "thu hồi giấy chứng nhận", "certificate withdrawn"),
        (EventKind.FAILED_CHECK, "kiểm tra giữa kỳ", "failed an intermediate check"),
    ]:
        notice = draft_notices(assess_impact(event(kind=kind), usages), lab_name="Lab", contact="c")[0]
        assert vi in notice.body and en in notice.body
        assert "Chưa cấp giấy chứng nhận (công việc J-9" in notice.body
        assert "No certificate issued yet (job J-9" in notice.body
        assert notice.certificates == ()


def test_one_customer_however_the_name_was_typed() -> None:
    nfc = unicodedata.normalize("NFC", NFD_NAME)
    usages = [
        Usage("J-1", date(2025, 3, 1), ("ref",), "HC-1", NFD_NAME),
        Usage("J-2", date(2025, 3, 2), ("ref",), "HC-2", nfc),
    ]
    report = assess_impact(event(), usages)
    assert report.customers == (nfc,)
    notices = draft_notices(report, lab_name="L", contact="c")
    assert len(notices) == 1 and notices[0].certificates == ("HC-1", "HC-2")


def test_custom_template() -> None:
    template = NoticeTemplate(
        "Về $standard", "About $standard", "$customer: $certificates_vi", "$customer: $certificates_en"
    )
    report = assess_impact(event(), [Usage("J-1", date(2025, 3, 1), ("ref",), "HC-1", "Y")])
    notice = draft_notices(report, lab_name="L", contact="c", template=template)[0]
    assert notice.subject == "Về M-REF / About M-REF"
    assert notice.body.startswith("Y: - Giấy chứng nhận HC-1")
    assert notice.body.endswith("Y: - Certificate HC-1 (job J-1, 2025-03-01)")
    assert DEFAULT_TEMPLATE.body_vi.startswith("Kính gửi")


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: event(suspect_from=date(2025, 7, 1)), "suspect_from"),
        (lambda: event(suspect_until=date(2025, 1, 10)), "suspect_until"),
        (lambda: Usage(" ", date(2025, 1, 1), ("a",)), "job_id"),
        (lambda: Usage("J", date(2025, 1, 1), ("a",), calibrated_standard_id="a"), "calibrated_standard_id"),
        (
            lambda: assess_impact(
                event(), [Usage("J", date(2025, 1, 1), ()), Usage("J", date(2025, 1, 2), ())]
            ),
            "usages",
        ),
        (lambda: NoticeTemplate("$nope", "", "", ""), "template.subject_vi"),
        (lambda: NoticeTemplate("", "", "", "costs $5"), "template.body_en"),
        (lambda: draft_notices(assess_impact(event(), []), lab_name=" ", contact="c"), "lab_name"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field
