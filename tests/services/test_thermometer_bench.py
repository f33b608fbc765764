"""CAL-TH-BATH 2.0 at the bench: the emergent-stem correction reaches the stored point and its notes, and a
point outside the bath's usable range is refused with nothing saved."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from certificates.metrology.display import point_text
from lims.services.bench import measurements
from lims.services.bench.measurements import PointInput
from tests.services import jobsetup

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def test_liquid_in_glass_point_carries_the_stem_correction(session: Session) -> None:
    """Point 100 °C (index 4 of 0, 25, 50, 75, 100), mean indication 99.34 °C, SPRT 99.985 °C;
    n = 60 °C emergent at t2 = 30 °C: Δt = 0.00016 × 60 × (100 − 30) = 0.672 °C (ISO 386);
    E = 99.34 + 0.672 − 99.985 = 0.027 °C (the indication alone would give −0.645 °C)."""
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-TH-BATH")
    assert job.procedure.version == "2.0"
    env = {"temperature": "23", "humidity": "50", "emergent_column": "60", "stem_temperature": "29,5 30,5"}
    row = measurements.save_point(
        session,
        job.id,
        PointInput(4, ["99.3", "99.4", "99.3", "99.4", "99.3"], "99.985", env),
        user=setup.technician,
        expected_version=job.version,
        on=jobsetup.ON,
        now=NOW,
    )
    point = row.point
    assert point is not None
    assert point.error == Decimal("0.027") and point.indication == Decimal("99.34")
    assert any("ISO 386" in n and "+0.672" in n for n in point.notes)
    assert point.deviations == ()  # the stem quantities are optional, and within their limits here
    assert point.coverage_factor <= 3
    assert "hiệu chính phần cột chất lỏng nhô ra khỏi bể (ISO 386)" in " ".join(point_text(point, "vi").flags)
    assert "emergent stem (ISO 386)" in " ".join(point_text(point, "en").flags)


def test_a_point_outside_the_baths_usable_range_is_refused(session: Session) -> None:
    setup = jobsetup.build(session)
    job = jobsetup.started_job(session, setup, "CAL-TH-BATH")
    setup.standards["CAL-TH-BATH"]["bath"].range_max = Decimal(80)  # a water bath, 80 °C at most
    session.flush()
    with pytest.raises(measurements.ReadingError) as refused:
        measurements.save_point(
            session,
            job.id,
            PointInput(4, ["100.1"] * 5, "100.0", {"temperature": "23", "humidity": "50"}),
            user=setup.technician,
            expected_version=job.version,
            on=jobsetup.ON,
            now=NOW,
        )
    assert "outside the usable range" in str(refused.value.params)
    assert measurements.measurements(session, job.id) == {}
