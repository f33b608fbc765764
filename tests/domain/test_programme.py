"""Programme files and target arithmetic (Hà Nội Plan 16/KH-UBND 2022, Đà Nẵng Decision 202/QĐ-UBND 2019)."""

from __future__ import annotations

import copy
import json
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lims.domain.programme import (
    Counting,
    Indicator,
    ProgrammeFileError,
    TargetKind,
    UnknownProgramme,
    available_programmes,
    load_programme,
    parse_programme,
)
from lims.domain.programme.support import (
    ApplicationRequest,
    ContentAlreadyReceived,
    ContentAlreadyRequested,
    DuplicateContent,
    MissingEvidence,
    NoContentRequested,
    UnknownContent,
    UnknownPrioritySector,
    best_policy,
    check_application,
    queue_order,
)
from lims.domain.programme.targets import (
    TargetError,
    Verdict,
    evaluate,
    forecast_count,
    forecast_share,
    is_attained,
    linear_trend,
    required_value,
)

SEED = Path("/work/shared/seeds/programme-targets.json")
DATA = Path(__file__).resolve().parents[2] / "lims/domain/programme/data"


def _raw(programme_id: str) -> dict[str, Any]:
    return json.loads((DATA / f"{programme_id}.json").read_text(encoding="utf-8"))


def test_both_cities_ship() -> None:
    assert available_programmes() == ["danang-qd202-2019", "hanoi-kh16-2022"]


@pytest.mark.skipif(not SEED.exists(), reason="seed file of the shared workspace not present")
@pytest.mark.parametrize("programme_id", ["hanoi-kh16-2022", "danang-qd202-2019"])
def test_targets_restate_the_seed(programme_id: str) -> None:
    """Every numeric target of programme-targets.json is in the shipped file, unchanged."""
    seed = next(
        p for p in json.loads(SEED.read_text(encoding="utf-8"))["programmes"] if p["id"] == programme_id
    )
    programme = load_programme(programme_id)
    assert [p.id for p in programme.phases] == [p["id"] for p in seed["phases"]]
    for phase, seed_phase in zip(programme.phases, seed["phases"], strict=True):
        assert phase.start == date.fromisoformat(seed_phase["start"])
        assert phase.end == date.fromisoformat(seed_phase["end"])
        assert len(phase.targets) == len(seed_phase["targets"])
        for target, raw in zip(phase.targets, seed_phase["targets"], strict=True):
            assert target.indicator.value == raw["indicator"]
            assert target.value == raw[target.kind.value]
            assert target.strict == raw.get("strict", False)
            assert target.quote == raw["quote"]


def test_hanoi_plan_details() -> None:
    hanoi = load_programme("hanoi-kh16-2022")
    assert hanoi.annual_report_due == (12, 25)  # 'Định kỳ ngày 25 tháng 12 hằng năm' (section V.1)
    assert len(hanoi.support_contents) == 4 and len(hanoi.eligibility) == 4
    first, second = hanoi.phases
    demand = first.target(Indicator.STATE_DEMAND_MET)
    assert demand is not None and demand.kind is TargetKind.SHARE_MIN and demand.strict  # 'đạt trên 50%'
    growth = second.target(Indicator.TRAINING_PARTICIPATIONS)
    assert growth is not None and growth.kind is TargetKind.GROWTH and growth.value == 0.5
    assert hanoi.previous_phase(second) is first and hanoi.previous_phase(first) is None
    assert {t.id for t in hanoi.tasks} >= {"1.3.a", "3.1.b", "5.1.b", "5.2.a", "6.1"}


def test_danang_lists_four_priority_sectors_and_counts_enterprise_times() -> None:
    danang = load_programme("danang-qd202-2019")
    assert danang.priority_sectors == (
        "công nghiệp công nghệ cao",
        "dịch vụ logistics",
        "công nghệ điện tử, viễn thông gắn với nền kinh tế số",
        "nông nghiệp công nghệ cao",
    )
    # 'ít nhất 50 lượt doanh nghiệp, tổ chức': every support counts, not each enterprise once
    assert danang.counting(Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME) is Counting.TIMES
    assert (
        load_programme("hanoi-kh16-2022").counting(Indicator.ENTERPRISES_IN_MEASUREMENT_ASSURANCE_PROGRAMME)
        is Counting.DISTINCT
    )


@pytest.mark.parametrize("programme_id", ["hanoi-kh16-2022", "danang-qd202-2019"])
def test_shipped_text_is_nfc(programme_id: str) -> None:
    text = (DATA / f"{programme_id}.json").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)


def test_unknown_indicator_is_refused_by_name() -> None:
    raw = _raw("hanoi-kh16-2022")
    raw["phases"][1]["targets"][2]["indicator"] = "happy_customers"
    with pytest.raises(
        ProgrammeFileError, match=r"phases\[1\]\.targets\[2\]\.indicator: unknown indicator 'happy_customers'"
    ):
        parse_programme(raw, source="x.json")


def test_third_city_by_dropping_a_file(tmp_path: Path) -> None:
    raw = _raw("danang-qd202-2019")
    raw["id"], raw["city"] = "haiphong-test-2024", "Hải Phòng"
    (tmp_path / "haiphong-test-2024.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    assert "haiphong-test-2024" in available_programmes([tmp_path])
    assert load_programme("haiphong-test-2024", [tmp_path]).city == "Hải Phòng"
    raw["phases"][0]["targets"][0]["indicator"] = "trees_planted"
    (tmp_path / "haiphong-test-2024.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(
        ProgrammeFileError, match=r"haiphong-test-2024.json.*unknown indicator 'trees_planted'"
    ):
        load_programme("haiphong-test-2024", [tmp_path])


def test_unknown_programme_names_the_available_ones() -> None:
    with pytest.raises(UnknownProgramme, match=r"'hue-2030' not found.*hanoi-kh16-2022"):
        load_programme("hue-2030")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["phases"][0].update(end="2018-01-01"),
            r"phases\[0\]\.end: 2018-01-01 is before the start",
        ),
        (
            lambda r: r["phases"][1].update(start="2025-06-01"),
            r"phases\[1\]\.start: overlaps phase 2021-2025",
        ),
        (
            lambda r: r["phases"][0]["targets"][1].update(share_min=50),
            r"share_min: is a fraction between 0 and 1",
        ),
        (lambda r: r["phases"][0]["targets"][0].update(min=-3), r"targets\[0\]\.min: must not be negative"),
        (lambda r: r["phases"][0]["targets"][0].update(share_min=0.2), r"targets\[0\]: needs exactly one of"),
        (
            lambda r: (
                r["phases"][0]["targets"][2].update({"min": None, "share_min": 0.4})
                or r["phases"][0]["targets"][2].pop("min")
            ),
            r"share_min does not fit indicator training_participations",
        ),
        (
            lambda r: r["phases"][0]["targets"].append(copy.deepcopy(r["phases"][0]["targets"][0])),
            "has two targets",
        ),
        (
            lambda r: r["policies"][0]["contents"].append("free_lunch"),
            r"unknown support content 'free_lunch'",
        ),
        (lambda r: r["policies"][0].update(share_percent=120), r"share_percent: must be at most 100"),
        (lambda r: r.update(annual_report_due="25/12"), r"annual_report_due: must be MM-DD"),
        (lambda r: r["tasks"].append(dict(r["tasks"][0])), r"tasks: id '1.1' appears twice"),
        (lambda r: r["phases"][0].update(start="01/01/2021"), r"start: '01/01/2021' is not a date"),
        (lambda r: r.pop("city"), r"city: required"),
        (
            lambda r: r["phases"][0]["targets"][2].update(counts="sometimes"),
            r"counts: must be 'distinct' or 'times'",
        ),
    ],
)
def test_bad_files_name_the_field(change: Any, message: str) -> None:
    raw = _raw("hanoi-kh16-2022")
    change(raw)
    with pytest.raises(ProgrammeFileError, match=message):
        parse_programme(raw, source="hanoi.json")


def test_growth_in_first_phase_is_refused() -> None:
    raw = _raw("hanoi-kh16-2022")
    raw["phases"] = raw["phases"][1:]
    with pytest.raises(ProgrammeFileError, match="growth_vs_previous_phase needs a previous phase"):
        parse_programme(raw)


# --- target arithmetic ------------------------------------------------------------------------------


def test_growth_target_uses_the_previous_phase_actual_not_its_target() -> None:
    """Plan 16 II.2.b: 'tăng ít nhất 50% so với giai đoạn 2021-2025' — 1 240 actual → 1 860 required."""
    target = load_programme("hanoi-kh16-2022").phases[1].target(Indicator.TRAINING_PARTICIPATIONS)
    assert target is not None
    assert required_value(target, previous_actual=1240) == pytest.approx(1860)
    status = evaluate(
        target,
        target.indicator,
        actual=1860,
        yearly=[(2026, 1860)],
        last_year=2026,
        phase_end_year=2030,
        previous_actual=1240,
    )
    assert status.attained and status.percent == pytest.approx(100.0)
    with pytest.raises(TargetError, match="previous phase's actual"):
        required_value(target)


def test_strict_share_needs_more_than_half() -> None:
    """Plan 16 II.2.a: 'đạt trên 50%' is strict; phase 2 'đáp ứng 80%' is not."""
    hanoi = load_programme("hanoi-kh16-2022")
    first = hanoi.phases[0].target(Indicator.STATE_DEMAND_MET)
    second = hanoi.phases[1].target(Indicator.STATE_DEMAND_MET)
    assert first is not None and second is not None
    assert not is_attained(first, actual=0.5, required=0.5)
    assert is_attained(second, actual=0.8, required=0.8)


def test_forecast_follows_the_least_squares_line() -> None:
    # yearly 100, 140, 180 → slope 40; remaining 2024, 2025 → 220 + 260 added to 420
    assert linear_trend([(2021, 100), (2022, 140), (2023, 180)]) == pytest.approx((100 - 40 * 2021, 40))
    assert forecast_count(
        [(2021, 100), (2022, 140), (2023, 180)], cumulative=420, last_year=2023, phase_end_year=2025
    ) == pytest.approx(900)
    # a falling trend never subtracts: negative years count as zero
    assert (
        forecast_count([(2021, 100), (2022, 10)], cumulative=110, last_year=2022, phase_end_year=2025) == 110
    )
    assert forecast_share([(2022, 0.9), (2023, 1.0)], phase_end_year=2025) == 1.0


def test_indicator_without_target_is_reported_without_verdict() -> None:
    status = evaluate(
        None,
        Indicator.HIGH_ACCURACY_STANDARDS,
        actual=3,
        yearly=[(2026, 3)],
        last_year=2026,
        phase_end_year=2030,
    )
    assert status.required is None and status.attained is None and status.forecast == 15


# --- support rules ----------------------------------------------------------------------------------


def _evidence(programme_id: str) -> dict[str, str]:
    return {item.id: "Giấy chứng nhận số 01" for item in load_programme(programme_id).eligibility}


def test_missing_evidence_names_the_checklist_item() -> None:
    hanoi = load_programme("hanoi-kh16-2022")
    evidence = _evidence(hanoi.id)
    evidence["resources"] = "   "
    with pytest.raises(MissingEvidence, match="Có đủ nguồn lực"):
        check_application(hanoi, ApplicationRequest(("consulting",), evidence))


def test_once_per_content_but_several_at_once() -> None:
    """Plan 16 III.2: 'chỉ được hỗ trợ 01 lần đối với mỗi nội dung và được hưởng nhiều nội dung … tại một thời điểm'."""
    hanoi = load_programme("hanoi-kh16-2022")
    evidence = _evidence(hanoi.id)
    every = tuple(c.id for c in hanoi.support_contents)
    assert check_application(hanoi, ApplicationRequest(every, evidence)).contents == every
    with pytest.raises(ContentAlreadyReceived):
        check_application(
            hanoi, ApplicationRequest(("qms_certification", "consulting"), evidence), granted={"consulting"}
        )
    with pytest.raises(ContentAlreadyRequested):
        check_application(hanoi, ApplicationRequest(("consulting",), evidence), pending={"consulting"})
    with pytest.raises(DuplicateContent):
        check_application(hanoi, ApplicationRequest(("consulting", "consulting"), evidence))
    with pytest.raises(UnknownContent):
        check_application(hanoi, ApplicationRequest(("free_lunch",), evidence))
    with pytest.raises(NoContentRequested):
        check_application(hanoi, ApplicationRequest((), evidence))


def test_highest_level_applies() -> None:
    """Plan 16 III.2: 'được hưởng mức hỗ trợ cao nhất' — the amount decides when a cost is declared."""
    hanoi = load_programme("hanoi-kh16-2022")
    # 50 % capped at 50 M vs 30 % capped at 100 M
    assert (
        best_policy(hanoi, "consulting", cost_vnd=100_000_000).id == "kh16-ngan-sach-thanh-pho"
    )  # 50 M vs 30 M
    assert (
        best_policy(hanoi, "consulting", cost_vnd=160_000_000).id == "kh16-ngan-sach-thanh-pho"
    )  # 50 M vs 48 M
    assert (
        best_policy(hanoi, "consulting", cost_vnd=300_000_000).id == "nd80-2021-dnnvv-tu-van"
    )  # 50 M vs 90 M
    assert (
        best_policy(hanoi, "consulting", cost_vnd=200_000_000).id == "nd80-2021-dnnvv-tu-van"
    )  # 50 M vs 60 M
    assert best_policy(hanoi, "consulting").id == "kh16-ngan-sach-thanh-pho"  # 50 % > 30 % of the cost
    assert best_policy(hanoi, "qms_certification", cost_vnd=300_000_000).id == "kh16-ngan-sach-thanh-pho"


def test_priority_sector_raises_the_application() -> None:
    danang = load_programme("danang-qd202-2019")
    evidence = _evidence(danang.id)
    checked = check_application(
        danang,
        ApplicationRequest(("map_implementation",), evidence, priority_sector="Nông nghiệp công nghệ cao"),
    )
    assert checked.priority and checked.priority_sector == "nông nghiệp công nghệ cao"
    with pytest.raises(UnknownPrioritySector, match="du lịch"):
        check_application(
            danang, ApplicationRequest(("map_implementation",), evidence, priority_sector="du lịch")
        )
    queue = sorted(
        [(False, date(2024, 1, 5), 1), (True, date(2024, 2, 1), 2), (False, date(2024, 1, 2), 3)],
        key=lambda a: queue_order(*a),
    )
    assert [a[2] for a in queue] == [2, 3, 1]


def test_finished_phase_says_met_or_not_met_never_a_forecast() -> None:
    """Issue 20: the finished 2021–2025 phase said 'dự báo không đạt'; a finished phase has no forecast."""
    target = load_programme("hanoi-kh16-2022").phases[0].target(Indicator.STATE_DEMAND_MET)
    assert target is not None
    status = evaluate(
        target,
        target.indicator,
        actual=0.6,
        yearly=[(2024, 0.4), (2025, 0.6)],
        last_year=2025,
        phase_end_year=2025,
    )
    # 'đạt trên 50%': 60 % > 50 % → met, as a fact
    assert status.forecast is None and status.finished and status.verdict is Verdict.MET
    training = load_programme("hanoi-kh16-2022").phases[0].target(Indicator.TRAINING_PARTICIPATIONS)
    assert training is not None
    short = evaluate(
        training,
        training.indicator,
        actual=640,  # 'ít nhất 1000 lượt': 640 < 1000
        yearly=[(2021, 100), (2022, 120), (2023, 130), (2024, 140), (2025, 150)],
        last_year=2025,
        phase_end_year=2025,
    )
    assert short.forecast is None and short.forecast_attained is None
    assert short.verdict is Verdict.NOT_MET and short.attained is False


def test_growth_target_without_baseline_is_never_met() -> None:
    """Issue 20: (1 + 0.5) × 0 = 0 read 'Đã đạt'. A missing or zero base gives no verdict at all."""
    target = load_programme("hanoi-kh16-2022").phases[1].target(Indicator.TRAINING_PARTICIPATIONS)
    assert target is not None
    for previous in (None, 0.0):
        status = evaluate(
            target,
            target.indicator,
            actual=0,
            yearly=[(2026, 0)],
            last_year=2026,
            phase_end_year=2030,
            previous_actual=previous,
        )
        assert status.verdict is Verdict.NO_BASELINE
        assert status.required is None and status.attained is None and status.percent is None
    # with a base of 1 240 (entered), 1 860 are required; 900 so far in 2026, flat trend of one year:
    # forecast = 900 + 4 × 900 = 4 500 ≥ 1 860 → 'forecast met', not yet met
    status = evaluate(
        target, target.indicator, actual=900, yearly=[(2026, 900)], last_year=2026, phase_end_year=2030,
        previous_actual=1240,
    )  # fmt: skip
    assert status.required == pytest.approx(1860) and status.forecast == pytest.approx(4500)
    assert status.verdict is Verdict.FORECAST_MET and status.forecast_years == 1


def test_priority_sectors_are_vsic_codes() -> None:
    """Issue 20: sectors matched by VSIC 2018 code (Decision 27/2018/QĐ-TTg), not by words.

    Đà Nẵng QĐ 202 I.1.b's 'công nghệ điện tử, viễn thông' covers division 26 (electronics) and 61–63;
    a manufacturer of electronic components (2610, typed 'Điện tử' before) is a priority enterprise, a
    pharmaceuticals maker (2100) is not, whatever it typed.
    """
    from lims.domain.programme.vsic import divisions

    danang = load_programme("danang-qd202-2019")
    assert {s.name_vi for s in danang.priority_vsic} == set(danang.priority_sectors)
    assert danang.priority_sector_of_code("2610") in {
        "công nghiệp công nghệ cao",
        "công nghệ điện tử, viễn thông gắn với nền kinh tế số",
    }
    assert danang.priority_sector_of_code("6190") == "công nghệ điện tử, viễn thông gắn với nền kinh tế số"
    assert danang.priority_sector_of_code("2100") is None
    assert load_programme("hanoi-kh16-2022").priority_sector_of_code("5210") is None  # list not issued
    assert [d.code for d in divisions()] == sorted(d.code for d in divisions())
    raw = json.loads((DATA / "danang-qd202-2019.json").read_text(encoding="utf-8"))
    raw["priority_sectors"][0]["vsic"] = ["99"]
    with pytest.raises(
        ProgrammeFileError, match=r"priority_sectors\[0\]\.vsic\[0\]: '99' is not a VSIC 2018"
    ):
        parse_programme(raw)
