"""Migration 0016: every stored point result of the old untyped form loads as a PointResult, on SQLite and
PostgreSQL; the downgrade gives the old form back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine
from sqlalchemy.orm import Session, load_only

from certificates.metrology import CoverageDistribution, DecisionRule, RuleKind, Verdict
from lims.db import make_engine
from lims.migrate import alembic_config, upgrade
from lims.models import BenchReading, Measurement
from tests.conftest import NO_POSTGRES, POSTGRES_URL, _with_search_path

# What lims/services/bench/measurements.py stored before 0016 (floats, the rule as English text).
OLD = {
    "nominal": 10.0,
    "quantity": "DC voltage",
    "unit": "V",
    "mean": 10.00024,
    "reference": 10.0,
    "error": 0.00024,
    "correction": -0.00024,
    "standard_uncertainty": 3.794e-05,
    "expanded_uncertainty": 8.0054e-05,
    "coverage_factor": 2.11,
    "effective_dof": 17.3,
    "mpe": 0.0035,
    "verdict": "pass",
    "decision_rule": "ILAC-G8:09/2019 4.2.2, binary statement with guard band w = 1·U",
    "within_scope": True,
    "cmc": 4e-05,
    "deviations": ["temperature 23.9 °C outside 23 ± 0.5 °C"],
    "budget": {"model": "x - r", "coverage_probability": 0.9545, "inputs": []},
}
OLD_FOUND = {**OLD, "mean": 10.0041, "error": 0.0041, "correction": -0.0041, "verdict": "fail"}
for key in ("budget", "quantity", "unit"):  # points saved before they recorded their quantity and unit
    OLD_FOUND.pop(key)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url_at_head(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the latest revision: the job and readings are made with today's models there, then the
    test goes down to 0015 (later migrations add columns the models know and 0015 does not)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lims.db'}"
        upgrade(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    schema = f"lims_mig_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = _with_search_path(POSTGRES_URL, schema)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


# The columns of a measurement that 0015 and 0016 both have (later revisions add more).
OLD_COLUMNS = (
    Measurement.id,
    Measurement.job_id,
    Measurement.point_index,
    Measurement.result,
    Measurement.as_found,
    Measurement.readings,
    Measurement.environment,
)


def test_old_results_load_through_0016_and_come_back_on_downgrade(url_at_head: str) -> None:
    from tests.services import jobsetup

    engine = make_engine(url_at_head)
    try:
        with Session(engine) as session:
            setup = jobsetup.build(session, authorise=False)
            job = jobsetup.new_job(session, setup, "CAL-DMM-DCV")
            now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
            readings = []
            for n, used in enumerate((True, True, False), start=1):
                reading = BenchReading(
                    idempotency_key=f"k-{n}",
                    job_id=job.id,
                    point_index=0,
                    value="10.00024",
                    unit="V",
                    stable=True,
                    seq=n,
                    instrument_time=now,
                    raw="+1.000024E+01\r\n",
                    manufacturer="m",
                    model="m",
                    serial_number="s",
                    firmware="f",
                    received_at=now,
                    user_id=setup.technician.id,
                    source="api",
                    used_in_point=used,
                )
                session.add(reading)
                readings.append(reading)
            session.commit()
            job_id, used_ids = job.id, [r.id for r in readings[:2]]

        command.downgrade(alembic_config(url_at_head), "0015")
        measurement = Table("measurement", MetaData(), autoload_with=engine)  # as it stood at 0015
        row = {
            "job_id": job_id,
            "point_index": 0,
            "nominal": Decimal("10"),
            "unit": "V",
            "readings": [10.00024, 10.00025, 10.00023],
            "reference_value": Decimal("10"),
            "environment": {"temperature": [23.9]},
            "result": OLD,
            "as_found": {
                "readings": [10.0041],
                "reference_value": 10.0,
                "environment": {},
                "result": OLD_FOUND,
            },
            "created_at": datetime(2026, 3, 2, 9, 5, tzinfo=UTC),
        }
        with engine.begin() as conn:
            conn.execute(measurement.insert().values({k: v for k, v in row.items() if k in measurement.c}))

        upgrade(url_at_head, "0016")
        with Session(engine) as session:
            m = session.query(Measurement).options(load_only(*OLD_COLUMNS)).filter_by(job_id=job_id).one()
            assert m.result["schema_version"] == 2  # what 0016 writes; the codec still reads it
            point = m.point
            assert point is not None and m.budget == OLD["budget"]
            assert (point.quantity, point.unit, point.indication, point.error) == (
                "DC voltage",
                "V",
                Decimal("10.00024"),
                Decimal("0.00024"),
            )
            assert point.expanded_uncertainty == Decimal("0.000080054")  # repr(8.0054e-05), no float digits
            assert (point.coverage_factor, point.effective_dof) == (Decimal("2.11"), Decimal("17.3"))
            assert point.distribution is CoverageDistribution.T  # ν_eff 17.3 is finite: k came from t
            assert point.decision_rule == DecisionRule(RuleKind.GUARDED, 1.0)
            assert point.verdict is Verdict.PASS and point.mpe == Decimal("0.0035")
            assert point.bench_reading_ids == tuple(used_ids)
            assert point.deviations == tuple(OLD["deviations"]) and not point.as_found
            # 8.0054e-05 → U 0.000080 V; the error 0.00024 → 0.000240 V
            assert (str(point.reported().expanded_uncertainty), str(point.reported().error)) == (
                "0.000080",
                "0.000240",
            )
            found = m.as_found_point
            assert found is not None and found.as_found and found.verdict is Verdict.FAIL
            assert (found.quantity, found.unit) == ("DC voltage", "V")  # the procedure's, the row's unit
            assert m.readings == ["10.00024", "10.00025", "10.00023"]  # decimal text from now on
            assert m.environment == {"temperature": ["23.9"]}

        command.downgrade(alembic_config(url_at_head), "0015")
        with Session(engine) as session:
            m = session.query(Measurement).options(load_only(*OLD_COLUMNS)).filter_by(job_id=job_id).one()
            assert m.result == OLD
            # the old form with the quantity and unit the upgrade filled in (later old-form points had them too)
            assert m.as_found["result"] == {**OLD_FOUND, "quantity": "DC voltage", "unit": "V"}
            assert m.readings == [10.00024, 10.00025, 10.00023]
    finally:
        engine.dispose()
