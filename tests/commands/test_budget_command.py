"""``lims budget evaluate``: output keys, exit codes, and a fast start without the web application."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lims.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "weight-10kg.json"
CONTRIBUTION_KEYS = {
    "name",
    "estimate",
    "standard_uncertainty",
    "sensitivity",
    "contribution",
    "dof",
    "percent",
}
TOP_KEYS = {
    "value",
    "standard_uncertainty",
    "dof_eff",
    "coverage_factor",
    "coverage_probability",
    "expanded_uncertainty",
    "unit",
    "contributions",
}
MCM_KEYS = {"value", "standard_uncertainty", "interval", "shortest_interval", "trials", "seed", "validation"}


def _run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr("sys.argv", ["lims", *argv])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_documented_example_output(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        ["budget", "evaluate", str(EXAMPLE), "--method", "both", "--trials", "50000", "--seed", "42"],
        monkeypatch,
        capsys,
    )
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result.keys() >= TOP_KEYS
    assert all(c.keys() >= CONTRIBUTION_KEYS for c in result["contributions"])
    assert result["mcm"].keys() >= MCM_KEYS
    assert result["mcm"]["seed"] == 42 and result["mcm"]["trials"] == 50000
    assert result["dof_eff"] is None and result["coverage_factor"] == 2.0
    assert result["unit"] == "g"
    assert result["reported"]["text"] == "10000.025 g ± 0.059 g"
    assert set(result["mcm"]["validation"]) >= {"passed", "d_low", "d_high", "tolerance"}
    assert result["conformity"]["statement"] == "pass"
    low = result["conformity"]["acceptance_limits"][0]
    assert low == pytest.approx(9999.5 + result["expanded_uncertainty"])


def test_lpu_only_has_no_mcm_and_fixed_k(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    budget = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    budget["coverage_factor"] = 3
    del budget["specification"], budget["decision_rule"]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(budget), encoding="utf-8")
    code, out, _ = _run(["budget", "evaluate", str(path)], monkeypatch, capsys)
    result = json.loads(out)
    assert code == 0 and "mcm" not in result and "conformity" not in result
    assert result["coverage_factor"] == 3 and result["coverage_factor_fixed"] is True
    assert result["expanded_uncertainty"] == pytest.approx(3 * result["standard_uncertainty"])


def test_same_seed_same_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["budget", "evaluate", str(EXAMPLE), "--method", "mcm", "--trials", "20000", "--seed", "5"]
    assert _run(argv, monkeypatch, capsys)[1] == _run(argv, monkeypatch, capsys)[1]


def test_adaptive_monte_carlo_from_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(EXAMPLE.read_text(encoding="utf-8")))
    code, out, _ = _run(
        ["budget", "evaluate", "-", "--method", "mcm", "--adaptive", "2", "--seed", "1"], monkeypatch, capsys
    )
    adaptive = json.loads(out)["mcm"]["adaptive"]
    assert code == 0 and adaptive["converged"] is True and adaptive["significant_digits"] == 2
    assert adaptive["tolerance"] == 0.0005  # u = 0.029 g with two significant digits (JCGM 101 7.9.2)


def test_bad_option_exits_2(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["budget", "evaluate", str(EXAMPLE), "--method", "guess"], monkeypatch, capsys)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1


def test_command_imports_neither_flask_nor_sqlalchemy() -> None:
    """The pure command starts without the web application or the database layer (issue 3, item 6)."""
    code = (
        "import sys\n"
        "from lims.cli import cli\n"
        f"cli.main(['budget', 'evaluate', {str(EXAMPLE)!r}], standalone_mode=False)\n"
        "bad = [m for m in ('flask', 'sqlalchemy', 'lims.app', 'lims.db', 'werkzeug') if m in sys.modules]\n"
        "print('LOADED=' + ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "LOADED="
    assert json.loads(out.stdout[: out.stdout.rindex("LOADED=")])["unit"] == "g"


def test_real_process_exit_code_and_single_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "model": "a",
                "inputs": [
                    {"name": "a", "value": 1, "distribution": {"kind": "rectangular", "half_width": -1}}
                ],
            }
        ),
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-c", "from lims.cli import main; main()", "budget", "evaluate", str(path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr == "error: inputs[0].distribution.half_width: must be a finite number >= 0\n"
