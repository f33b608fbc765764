"""Every case of the issue's "Bad input" list: a clear error naming the field, exit 2, one line, no traceback."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest

from lims.cli import main
from lims.domain.uncertainty import (
    BudgetFormatError,
    CorrelationError,
    ModelSyntaxError,
    NonFiniteResultError,
    UncertaintyError,
    UnknownQuantityError,
    evaluate_budget,
    parse_budget,
)

BASE = {
    "measurand": {"name": "m_X", "unit": "g"},
    "model": "m_S + dm_D + dm",
    "inputs": [
        {
            "name": "m_S",
            "value": 10000.005,
            "unit": "g",
            "distribution": {"kind": "normal", "expanded": 0.045, "k": 2},
        },
        {
            "name": "dm_D",
            "value": 0,
            "unit": "g",
            "distribution": {"kind": "rectangular", "half_width": 0.015},
        },
        {"name": "dm", "unit": "g", "distribution": {"kind": "type_a", "readings": [0.010, 0.030, 0.020]}},
    ],
}


def _edit(path: str, value: object) -> dict:
    """Copy of BASE with the value at a dotted path (list indices as integers) replaced."""
    data = copy.deepcopy(BASE)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = data
    for part in parents:
        target = target[part]
    target[last] = value
    return data


CASES = [
    # (budget, error type, message expected on stderr)
    (_edit("model", "m_S + dm_X"), UnknownQuantityError, "model: unknown quantity 'dm_X'"),
    (
        _edit("inputs.1.name", "m_S"),
        BudgetFormatError,
        "inputs[1].name: 'm_S' is defined twice (first at inputs[0])",
    ),
    (
        _edit("model", "m_S.real + dm"),
        ModelSyntaxError,
        'model: forbidden syntax: attribute access "m_S.real"',
    ),
    (
        _edit("model", "__import__('os').system('id')"),
        ModelSyntaxError,
        "model: forbidden syntax: attribute access",
    ),
    (_edit("model", "eval('1') + m_S"), ModelSyntaxError, "model: call to 'eval' is not allowed"),
    (_edit("model", "(lambda: m_S)()"), ModelSyntaxError, "model: forbidden syntax: lambda"),
    (
        _edit("model", "m_S if dm else dm_D"),
        ModelSyntaxError,
        "model: forbidden syntax: conditional expression",
    ),
    (_edit("model", "m_S + 'a'"), ModelSyntaxError, "model: forbidden constant 'a'"),
    (
        _edit("inputs.1.distribution.half_width", -0.015),
        BudgetFormatError,
        "inputs[1].distribution.half_width: must be a finite number >= 0",
    ),
    (
        _edit("inputs.0.distribution", {"kind": "normal", "u": math.inf}),
        BudgetFormatError,
        "inputs[0].distribution.u: must be a finite number >= 0",
    ),
    (
        _edit("inputs.0.distribution", {"kind": "normal", "u": -1}),
        BudgetFormatError,
        "inputs[0].distribution.u: must be a finite number >= 0",
    ),
    (
        _edit("inputs.0.distribution.k", 0),
        BudgetFormatError,
        "inputs[0].distribution.k: must be a finite number > 0",
    ),
    (
        _edit("inputs.0.distribution.k", -2),
        BudgetFormatError,
        "inputs[0].distribution.k: must be a finite number > 0",
    ),
    (
        _edit("inputs.2.distribution.readings", [0.01]),
        BudgetFormatError,
        "inputs[2].distribution.readings: must hold at least two readings for a Type A evaluation",
    ),
    (
        _edit("correlations", [{"between": ["m_S", "dm_D"], "r": 1.5}]),
        CorrelationError,
        "correlations[0].r: must be within [-1, 1]",
    ),
    (
        _edit(
            "correlations",
            [
                {"between": ["m_S", "dm_D"], "r": 0.9},
                {"between": ["m_S", "dm"], "r": 0.9},
                {"between": ["dm_D", "dm"], "r": -0.9},
            ],
        ),
        CorrelationError,
        "correlations: the correlation matrix is not positive semi-definite",
    ),
    (_edit("inputs.1.dof", 0), BudgetFormatError, "inputs[1].dof: must be a finite number > 0"),
    (_edit("inputs.1.dof", -3), BudgetFormatError, "inputs[1].dof: must be a finite number > 0"),
    (
        _edit("inputs.0.distribution", {"kind": "student_t", "scale": 1, "dof": 0}),
        BudgetFormatError,
        "inputs[0].distribution.dof: must be a finite number > 0",
    ),
    (
        _edit("model", "m_S * dm_D / dm_D"),
        NonFiniteResultError,
        "model: evaluates to a non-finite value (division by zero)",
    ),
    (
        _edit("model", "m_S + dm * log(dm_D / m_S)"),
        NonFiniteResultError,
        "model: evaluates to a non-finite value",
    ),
]


@pytest.mark.parametrize(("budget", "error", "message"), CASES, ids=[c[2][:50] for c in CASES])
def test_library_raises_the_named_error(budget: dict, error: type[UncertaintyError], message: str) -> None:
    with pytest.raises(error) as caught:
        evaluate_budget(parse_budget(budget))
    assert str(caught.value).startswith(message)
    assert isinstance(caught.value, ValueError)  # every engine error is also a ValueError


@pytest.mark.parametrize(("budget", "error", "message"), CASES, ids=[c[2][:50] for c in CASES])
def test_command_prints_one_line_and_exits_2(
    budget: dict,
    error: type,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "budget.json"
    path.write_text(json.dumps(budget), encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["lims", "budget", "evaluate", str(path)])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {message}")
    assert err.count("\n") == 1 and "Traceback" not in err


def test_model_that_fails_only_for_some_monte_carlo_draws() -> None:
    budget = _edit("model", "m_S + sqrt(dm_D * m_S)")
    budget["inputs"][1]["value"] = 0.01
    budget["inputs"][2]["distribution"]["readings"].append(0.020)  # n ≥ 4: Monte Carlo may use it
    with pytest.raises(NonFiniteResultError, match="for some Monte Carlo draws"):
        evaluate_budget(parse_budget(budget), method="mcm", trials=10_000, seed=1)


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("inputs.0.distribution.kind", "gaussian", "inputs[0].distribution.kind: must be one of"),
        ("inputs.0.colour", "red", "inputs[0].colour: unknown field"),
        ("inputs.1.value", None, "inputs[1].value: is required"),
        ("inputs.2.value", 0.02, "inputs[2].value: must be left out for type_a"),
        ("inputs.0.name", "sqrt", "inputs[0].name: 'sqrt' is reserved"),
        ("inputs.0.name", "m S", "inputs[0].name: must be an identifier"),
        ("coverage_probability", 1.0, "coverage_probability: must be a number in (0, 1)"),
        ("coverage_factor", 0, "coverage_factor: must be a finite number > 0"),
        ("inputs", [], "inputs: must be a non-empty list"),
        ("model", "", "model: must be a non-empty expression"),
        ("model", "m_S +", "model: invalid syntax"),
        (
            "correlations",
            [{"between": ["m_S", "nope"], "r": 0.1}],
            "correlations[0].between[1]: unknown quantity 'nope'",
        ),
        (
            "correlations",
            [{"between": ["m_S", "m_S"], "r": 0.1}],
            "correlations[0].between: an input cannot be",
        ),
        ("specification", {"lower": 2, "upper": 1}, "specification: lower must be below upper"),
        (
            "decision_rule",
            {"kind": "strict"},
            "decision_rule.kind: must be one of simple, guarded, non_binary",
        ),
        (
            "inputs.0.distribution",
            {"kind": "normal", "u": 1, "k": 2},
            "inputs[0].distribution.u: give either u",
        ),
        (
            "inputs.1.distribution.half_width",
            True,
            "inputs[1].distribution.half_width: must be a finite number",
        ),
    ],
)
def test_format_errors_name_the_field(path: str, value: object, message: str) -> None:
    with pytest.raises(UncertaintyError) as caught:
        parse_budget(_edit(path, value))
    assert str(caught.value).startswith(message)


def test_file_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"model": ', encoding="utf-8")
    for argv, message in [
        ([str(broken)], f"error: {broken}: invalid JSON: Expecting value at line 1 column 11"),
        ([str(tmp_path / "missing.json")], f"error: {tmp_path / 'missing.json'}: cannot read the file"),
    ]:
        monkeypatch.setattr("sys.argv", ["lims", "budget", "evaluate", *argv])
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 2
        assert capsys.readouterr().err.startswith(message)


def test_too_few_trials_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "budget.json"
    path.write_text(json.dumps(BASE), encoding="utf-8")
    monkeypatch.setattr(
        "sys.argv", ["lims", "budget", "evaluate", str(path), "--method", "mcm", "--trials", "100"]
    )
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "error: trials: must be at least 2198 for coverage probability 0.9545 (JCGM 101 7.2.2)\n"
    )
