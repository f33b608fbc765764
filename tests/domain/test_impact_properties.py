"""Reverse traceability on arbitrary usage histories (loops included): terminates, every path is justified."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lims.domain.impact import EventKind, SuspectEvent, Usage, assess_impact
from lims.domain.nonconformity import CheckKind, Verification, suspect_window

STANDARDS = ["s0", "s1", "s2", "s3", "s4"]
BASE = date(2025, 1, 1)


@st.composite
def histories(draw: st.DrawFn) -> list[Usage]:
    usages = []
    for i in range(draw(st.integers(0, 15))):
        used = tuple(draw(st.lists(st.sampled_from(STANDARDS), min_size=1, max_size=2, unique=True)))
        calibrated = draw(st.one_of(st.none(), st.sampled_from([s for s in STANDARDS if s not in used])))
        usages.append(
            Usage(
                f"J{i}",
                BASE + timedelta(days=draw(st.integers(0, 60))),
                used,
                f"HC{i}",
                draw(st.sampled_from(["A", "B", None])),
                calibrated,
            )
        )
    return usages


@settings(max_examples=120, deadline=None)
@given(histories(), st.integers(0, 60))
def test_every_affected_usage_is_justified(usages: list[Usage], start: int) -> None:
    event = SuspectEvent(
        "s0", "S-0", EventKind.OUT_OF_TOLERANCE, BASE + timedelta(days=60), BASE + timedelta(days=start)
    )
    report = assess_impact(event, usages)
    by_job = {u.job_id: u for u in usages}
    assert len({a.usage.job_id for a in report.affected}) == len(report.affected)
    for affected in report.affected:
        assert affected.usage is by_job[affected.usage.job_id]
        for path in affected.paths:
            assert path[0] == "s0" and path[-1] in affected.usage.standard_ids
            # each step of the path is an internal calibration that used the previous standard
            for before, after in itertools.pairwise(path):
                assert any(u.calibrated_standard_id == after and before in u.standard_ids for u in usages)
    direct = {u.job_id for u in usages if "s0" in u.standard_ids and u.performed_on >= event.suspect_from}
    assert direct <= {a.usage.job_id for a in report.affected if a.level == 1}


verifications = st.lists(
    st.builds(
        Verification,
        st.integers(0, 120).map(lambda d: BASE + timedelta(days=d)),
        st.sampled_from(list(CheckKind)),
        st.sampled_from([True, False, None]),
    ),
    max_size=10,
)


@settings(max_examples=200, deadline=None)
@given(verifications, st.integers(0, 120), st.randoms(use_true_random=False))
def test_the_window_never_starts_at_a_failure_and_ignores_the_order_of_entry(
    history: list[Verification], found: int, shuffle: Any
) -> None:
    found_on = BASE + timedelta(days=found)
    window = suspect_window(found_on, history)
    entered = list(history)
    shuffle.shuffle(entered)
    assert suspect_window(found_on, entered) == window
    good_before = [v.on for v in history if v.good and v.on <= found_on]
    # the start is the last in-tolerance calibration or check (never a failure), else the date found
    assert window.start == (max(good_before) if good_before else found_on)
    # the window closes at the first calibration after its start (or a good check after the date found)
    if window.end is not None:
        assert any(
            v.on == window.end
            and ((v.kind is CheckKind.CALIBRATION and v.on > window.start) or (v.good and v.on > found_on))
            for v in history
        )
