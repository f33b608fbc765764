"""``lims bench sequence``: a DC voltage job's points run automatically against the 5520A simulator on a pty,
the technician's indications typed at the prompt, the readings delivered journal first into the database;
Ctrl-C-free abort paths are in tests/instruments/test_sequence.py."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from instruments.agent.journal import Journal
from instruments.simulators.instruments import CalibratorSimulator
from instruments.simulators.pty import PtySimulator
from lims.cli import cli
from lims.models import User
from lims.services.bench import measurements
from lims.services.bench import readings as bench_readings
from lims.services.jobs.jobs import get_job
from tests.instruments.test_sequence import in_standby
from tests.services import benchdb
from tests.services.benchdb import MakeDatabase, bench_job

fresh_database = benchdb.fresh_database


def test_a_dc_voltage_job_runs_its_points_and_ends_in_standby(fresh_database: MakeDatabase, tmp_path: Path) -> None:
    database = fresh_database("sqlite")
    job_id, number, technician_id, _ = bench_job(database, "CAL-DMM-DCV")
    with database.session() as session:
        points = measurements.test_points(get_job(session, job_id))
        user = session.get(User, technician_id)
        assert user is not None
        username = user.username
    sim_cal = CalibratorSimulator()
    sim = PtySimulator(sim_cal)
    sim.start()
    typed = "".join(f"{p:.4f}\n{p + 0.0002:.4f}\n" for p in points)
    try:
        result = CliRunner().invoke(cli, [
            "bench", "sequence", "--job", number, "--points", ",".join(f"{p:g}" for p in points),
            "--port", sim.path, "--driver", "fluke-5520a", "--readings", "2", "--window", "2", "--poll", "0",
            "--database", "--user", username, "--journal", str(tmp_path / "j.sqlite3")],
            input=typed, env={"LIMS_DATABASE_URL": database.engine.url.render_as_string(hide_password=False)})
    finally:
        sim.stop()
    assert result.exit_code == 0, result.output
    # the reference of each point: the mean of OUT? read back (2.0000000E+00 → 2.0000000 V)
    means = [line.split("reference ")[1] for line in result.stdout.splitlines() if line.startswith("P")]
    assert [Decimal(m) for m in means] == [Decimal(f"{p:g}") for p in points]
    assert in_standby(sim_cal)
    with database.session() as session:
        for index, nominal in enumerate(points):
            stored = bench_readings.readings_for(session, job_id, index)
            assert [r.value for r in stored] == [f"{nominal:.4f}", f"{nominal + 0.0002:.4f}"]
            assert all(r.unit == "V" and r.raw.startswith("typed ") for r in stored)
    journal = Journal(tmp_path / "j.sqlite3")
    assert journal.counts()["pending"] == 0 and journal.open_runs() == []
