"""Reverse traceability on arbitrary usage histories (loops included): terminates, every path is justified."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from lims.domain.impact import EventKind, SuspectEvent, Usage, assess_impact

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
