"""Reverse traceability and customer notices (ISO/IEC 17025:2017 7.10.1, 6.4.9)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest

from lims.domain.calibration_points import InvalidRecord
from lims.domain.impact import EventKind, SuspectEvent, Usage, assess_impact
from lims.domain.impact_notices import NoticeFacts, NoticeLine, digest, draft_notice
from lims.domain.nonconformity import CheckKind, Decision, Verification, suspect_window

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


def _facts(*lines: NoticeLine, customer: str = "Customer A") -> NoticeFacts:
    return NoticeFacts(
        customer,
        "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng",
        "hieuchuan@example.vn",
        "NC-2026-004",
        "chuẩn M-REF được phát hiện nằm ngoài dung sai cho phép",
        "standard M-REF was found out of tolerance",
        date(2026, 10, 20),
        lines,
    )


NOTIFY = NoticeLine("J-1", date(2026, 3, 1), "calibration", Decision.NOTIFY, "HC-1")
AMEND = NoticeLine("J-2", date(2026, 4, 2), "verification", Decision.AMEND, "KĐ-7", "KĐ-31")


def test_notice_in_the_customer_language_with_the_right_word() -> None:
    vi = draft_notice(_facts(NOTIFY), language="vi")
    assert vi.subject.startswith("Thông báo về kết quả hiệu chuẩn bị ảnh hưởng (NC-2026-004)")
    assert (
        "- Giấy chứng nhận hiệu chuẩn HC-1 (công việc J-1, 01/03/2026): kết quả có thể bị ảnh hưởng"
        in vi.body
    )
    assert "Dear" not in vi.body
    en = draft_notice(_facts(NOTIFY, AMEND), language="en")
    assert en.subject.startswith("Notice of affected calibration and verification results")
    assert (
        "- Verification certificate KĐ-7 (job J-2, 2 April 2026): the certificate has been amended" in en.body
    )
    assert "replaced by KĐ-31." in en.body and "Kính gửi" not in en.body
    only_verification = draft_notice(_facts(AMEND), language="vi")
    assert "kết quả kiểm định" in only_verification.subject and "hiệu chuẩn" not in only_verification.body


def test_notice_text_is_nfc_and_digest_follows_the_decisions() -> None:
    nfd = draft_notice(_facts(NOTIFY, customer=NFD_NAME), language="vi")
    assert unicodedata.is_normalized("NFC", nfd.body) and "Kính gửi Công ty Điện lực Đà Nẵng," in nfd.body
    recall = NoticeLine("J-1", date(2026, 3, 1), "calibration", Decision.RECALL, "HC-1")
    assert digest([NOTIFY]) != digest([recall])
    pending = NoticeLine("J-2", date(2026, 4, 2), "verification", Decision.AMEND, "KĐ-7")
    assert "(đang phát hành)" in draft_notice(_facts(pending), language="vi").body


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
        (lambda: draft_notice(_facts(NOTIFY), language="fr"), "language"),
        (lambda: draft_notice(_facts(), language="vi"), "lines"),
        (lambda: NoticeLine("J", date(2026, 1, 1), "calibration", Decision.NO_EFFECT), "decision"),
        (lambda: NoticeLine("J", date(2026, 1, 1), "repair", Decision.NOTIFY), "kind"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field


def test_suspect_window_counting_rule() -> None:
    """Start at the last in-tolerance calibration or check on or before the date found; end at the first
    calibration after the start, or the first in-tolerance check after the date found (repair verified)."""
    good_cal = Verification(date(2025, 10, 10), CheckKind.CALIBRATION, True)
    failed_check = Verification(date(2026, 5, 4), CheckKind.CHECK, False)
    good_check = Verification(date(2026, 2, 1), CheckKind.CHECK, True)
    legacy = Verification(date(2024, 10, 1), CheckKind.CALIBRATION, None)  # as-found not recorded: trusted
    # the failed check is never a start; the good check of 02-01 is the last good one
    w = suspect_window(date(2026, 5, 4), [good_cal, failed_check, good_check, legacy])
    assert (w.start, w.end) == (date(2026, 2, 1), None)
    # repaired, verified by a check in tolerance on 05-20: the window ends there
    repaired = Verification(date(2026, 5, 20), CheckKind.CHECK, True)
    w = suspect_window(date(2026, 5, 4), [good_cal, failed_check, good_check, repaired])
    assert (w.start, w.end) == (date(2026, 2, 1), date(2026, 5, 20))
    # a failed calibration entered in any order gives the same window
    failed_cal = Verification(date(2026, 10, 15), CheckKind.CALIBRATION, False)
    for order in ([good_cal, failed_cal], [failed_cal, good_cal]):
        w = suspect_window(date(2026, 10, 20), order)
        assert (w.start, w.end) == (date(2025, 10, 10), date(2026, 10, 15))
    # nothing good before: the suspicion starts the day it was found; the lab may choose its own ends
    assert suspect_window(date(2026, 1, 5), [failed_cal]).start == date(2026, 1, 5)
    w = suspect_window(
        date(2026, 10, 20), [good_cal, failed_cal], start=date(2026, 1, 1), end=date(2026, 9, 1)
    )
    assert (w.start, w.end) == (date(2026, 1, 1), date(2026, 9, 1))
    with pytest.raises(InvalidRecord):
        suspect_window(date(2026, 10, 20), [], start=date(2026, 10, 21))
    with pytest.raises(InvalidRecord):
        suspect_window(date(2026, 10, 20), [], start=date(2026, 10, 1), end=date(2026, 10, 1))
