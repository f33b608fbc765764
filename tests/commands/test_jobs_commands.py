"""``lims procedures list`` and ``lims jobs list`` on a demo database, run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.commands.process import CliDemo, run


@pytest.fixture(scope="module")
def demo(cli_demo: CliDemo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cli_demo.copy(tmp_path_factory)


def test_procedures_list_json(demo: Path) -> None:
    result = run(["procedures", "list", "--json"], demo)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["code"] for r in rows] == ["CAL-DMM-DCV", "CAL-PG-DKD", "CAL-TH-BATH", "VER-NAWI-R76"]
    assert rows[1] | {"title": ""} == {"code": "CAL-PG-DKD", "version": "1.0", "quantity": "pressure", "unit": "bar",
                                      "kind": "calibration", "title": "", "title_vi": rows[1]["title_vi"]}


def test_demo_jobs_cover_every_procedure_over_five_states(demo: Path) -> None:
    rows = json.loads(run(["jobs", "list", "--json"], demo).stdout)
    assert {r["procedure"].split()[0] for r in rows} == {"CAL-DMM-DCV", "CAL-PG-DKD", "CAL-TH-BATH", "VER-NAWI-R76"}
    assert len({r["state"] for r in rows}) >= 5
    assert set(rows[0]) >= {"number", "state", "enterprise", "instrument", "procedure"}
    approved = json.loads(run(["jobs", "list", "--state", "approved", "--json"], demo).stdout)
    assert len(approved) == 4 and all(r["state"] == "approved" for r in approved)


def test_jobs_list_bad_state_exits_2(demo: Path) -> None:
    result = run(["jobs", "list", "--state", "finished"], demo)
    assert result.returncode == 2 and "finished" in result.stderr
