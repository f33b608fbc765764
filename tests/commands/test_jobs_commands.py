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
    # every version stays listed (jobs done with an earlier one keep it): the issue-16 rebuilds are CAL-PG-DKD 2.0
    # (DKD-R 6-1), CAL-DMM-DCV 2.0 (EURAMET cg-15), CAL-TH-BATH 1.1 and 2.0 (readout; SPRT in a bath),
    # VER-NAWI-R76 2.0 (OIML R 76-1 annex A), the new CAL-NAWI-CG18 1.0 (EURAMET cg-18) and the other DMM
    # functions CAL-DMM-ACV, -DCI and -R 1.0 (EURAMET cg-15)
    assert [(r["code"], r["version"]) for r in rows] == [
        ("CAL-DMM-ACV", "1.0"),
        ("CAL-DMM-DCI", "1.0"),
        ("CAL-DMM-DCV", "1.0"),
        ("CAL-DMM-DCV", "2.0"),
        ("CAL-DMM-R", "1.0"),
        ("CAL-NAWI-CG18", "1.0"),
        ("CAL-PG-DKD", "1.0"),
        ("CAL-PG-DKD", "2.0"),
        ("CAL-TH-BATH", "1.0"),
        ("CAL-TH-BATH", "1.1"),
        ("CAL-TH-BATH", "2.0"),
        ("VER-NAWI-R76", "1.0"),
        ("VER-NAWI-R76", "2.0"),
    ]
    assert rows[7] | {"title": ""} == {
        "code": "CAL-PG-DKD",
        "version": "2.0",
        "quantity": "pressure",
        "unit": "bar",
        "kind": "calibration",
        "title": "",
        "title_vi": rows[7]["title_vi"],
        "withdrawn": False,
    }
    # the versions whose methods issue 16 rejects are superseded by the rebuilds: listed for their jobs,
    # withdrawn from new work (CAL-PG-DKD 1.0 up/down as Type A; CAL-DMM-DCV 1.0 one absolute calibrator value;
    # CAL-TH-BATH 1.0 no readout, 1.1 no self-heating, stem correction or usable bath range; VER-NAWI-R76 1.0)
    withdrawn = [
        ("CAL-DMM-DCV", "1.0"),
        ("CAL-PG-DKD", "1.0"),
        ("CAL-TH-BATH", "1.0"),
        ("CAL-TH-BATH", "1.1"),
        ("VER-NAWI-R76", "1.0"),
    ]
    assert [(r["code"], r["version"]) for r in rows if r["withdrawn"]] == withdrawn
    plain = run(["procedures", "list"], demo)
    assert [
        tuple(line.split()[:2]) for line in plain.stdout.splitlines() if line.endswith("(withdrawn)")
    ] == withdrawn


def test_demo_jobs_cover_every_procedure_over_five_states(demo: Path) -> None:
    rows = json.loads(run(["jobs", "list", "--json"], demo).stdout)
    assert {r["procedure"].split()[0] for r in rows} == {
        "CAL-DMM-DCV",
        "CAL-NAWI-CG18",
        "CAL-PG-DKD",
        "CAL-TH-BATH",
        "VER-NAWI-R76",
    }
    assert len({r["state"] for r in rows}) >= 5
    assert set(rows[0]) >= {"number", "state", "enterprise", "instrument", "procedure"}
    approved = json.loads(run(["jobs", "list", "--state", "approved", "--json"], demo).stdout)
    assert len(approved) == 5 and all(r["state"] == "approved" for r in approved)


def test_jobs_list_bad_state_exits_2(demo: Path) -> None:
    result = run(["jobs", "list", "--state", "finished"], demo)
    assert result.returncode == 2 and "finished" in result.stderr


def test_jobs_show_json_prints_points_as_the_certificate(demo: Path) -> None:
    """``lims jobs show NUMBER --json``: each number a decimal string as the certificate prints it."""
    from decimal import Decimal

    approved = json.loads(run(["jobs", "list", "--state", "approved", "--json"], demo).stdout)
    number = approved[0]["number"]
    result = run(["jobs", "show", number, "--json"], demo)
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert (shown["number"], shown["state"]) == (number, "approved")
    assert shown["procedure"] == approved[0]["procedure"] and isinstance(shown["certificates"], list)
    assert shown["points"]
    for point in shown["points"]:
        assert set(point) == {
            "index",
            "quantity",
            "unit",
            "reference",
            "indication",
            "error",
            "expanded_uncertainty",
            "coverage_factor",
            "dof_eff",
            "coverage_probability",
            "mpe",
            "decision_rule",
            "verdict",
            "interval_method",
            "hysteresis",
            "no_statement_reason",
            "probability_of_false_acceptance",
            "notes",
        }
        assert point["interval_method"] in {"lpu", "lpu_validated", "mcm"}
        u = Decimal(point["expanded_uncertainty"])
        assert u > 0 and len(u.normalize().as_tuple().digits) <= 2  # two significant digits (GUM 7.2.6)
        places = u.as_tuple().exponent
        for key in ("reference", "indication", "error"):  # to U's decimal place, point as decimal sign
            assert "," not in point[key] and Decimal(point[key]).as_tuple().exponent == places, key
        assert point["decision_rule"] in {"simple", "guarded", "non_binary", None}
        assert point["verdict"] in {
            "pass",
            "fail",
            "conditional_pass",
            "conditional_fail",
            "no_statement",
            None,
        }
    plain = run(["jobs", "show", number], demo)
    assert plain.returncode == 0 and number in plain.stdout
    first = shown["points"][0]
    assert f"{first['expanded_uncertainty']} {first['unit']}" in plain.stdout


def test_jobs_show_unknown_number_exits_2(demo: Path) -> None:
    result = run(["jobs", "show", "HC-1999-99999", "--json"], demo)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "HC-1999-99999" in result.stderr
