"""Procedure files (lims.domain.procedures, lims.domain.budget_template): loading, validation, bad input."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from lims.domain.budget_template import BudgetError, model_names, template_from_dict, template_to_dict
from lims.domain.mpe import CriterionError, Fixed
from lims.domain.procedure_files import find_procedure, load_procedures, procedure_definitions
from lims.domain.procedures import (
    InstrumentUnderTest,
    ProcedureError,
    ProcedureKind,
    StandardUsed,
    instantiate_budget,
    point_result,
    procedure_from_dict,
)
from lims.domain.test_points import PointOutOfRange

SHIPPED = Path(__file__).resolve().parents[2] / "lims" / "domain" / "procedures"


def shipped(code: str, version: str | None = None) -> dict[str, Any]:
    """The latest shipped version of ``code``, or ``version`` (earlier versions stay shipped: jobs rely on
    them)."""
    versions = [json.loads(path.read_text(encoding="utf-8")) for path in SHIPPED.glob(f"{code}_*.json")]
    if version is not None:
        versions = [d for d in versions if d["version"] == version]
    data: dict[str, Any] = max(versions, key=lambda d: tuple(int(x) for x in d["version"].split(".")))
    return data


def test_real_procedures_are_shipped_with_sources() -> None:
    procs = load_procedures()
    assert [(p.code, p.version, p.kind, p.quantity, p.unit) for p in procs] == [
        # the other functions of a DMM per EURAMET cg-15 (issue 16 item 1)
        ("CAL-DMM-ACV", "1.0", ProcedureKind.CALIBRATION, "AC voltage", "V"),
        ("CAL-DMM-DCI", "1.0", ProcedureKind.CALIBRATION, "DC current", "A"),
        ("CAL-DMM-DCV", "1.0", ProcedureKind.CALIBRATION, "DC voltage", "V"),
        ("CAL-DMM-DCV", "2.0", ProcedureKind.CALIBRATION, "DC voltage", "V"),
        ("CAL-DMM-R", "1.0", ProcedureKind.CALIBRATION, "resistance", "Ω"),
        ("CAL-NAWI-CG18", "1.0", ProcedureKind.CALIBRATION, "mass", "g"),
        ("CAL-PG-DKD", "1.0", ProcedureKind.CALIBRATION, "pressure", "bar"),
        ("CAL-PG-DKD", "2.0", ProcedureKind.CALIBRATION, "pressure", "bar"),
        ("CAL-TH-BATH", "1.0", ProcedureKind.CALIBRATION, "temperature", "°C"),
        # 1.1: the SPRT's readout is a standard of its own, in the chain and the budget (issue 16)
        ("CAL-TH-BATH", "1.1", ProcedureKind.CALIBRATION, "temperature", "°C"),
        ("CAL-TH-BATH", "2.0", ProcedureKind.CALIBRATION, "temperature", "°C"),
        ("VER-NAWI-R76", "1.0", ProcedureKind.VERIFICATION, "mass", "kg"),
        ("VER-NAWI-R76", "2.0", ProcedureKind.VERIFICATION, "mass", "kg"),
    ]
    # issue 16: the thermometer and DMM methods rebuilt (2.0); earlier versions stay for the jobs that used them
    assert [p.version for p in procs if p.code == "CAL-TH-BATH"] == ["1.0", "1.1", "2.0"]
    assert [p.version for p in procs if p.code == "CAL-DMM-DCV"] == ["1.0", "2.0"]
    assert any("EURAMET Calibration Guide No. 15" in s for s in find_procedure(procs, "CAL-DMM-DCV").sources)
    assert any("DKD-R 5-1:2018" in s for s in find_procedure(procs, "CAL-TH-BATH").sources)
    assert any("ISO 386" in s for s in find_procedure(procs, "CAL-TH-BATH").sources)
    pressure = find_procedure(procs, "CAL-PG-DKD")
    assert pressure.version == "2.0" and pressure.sequence_settings is not None
    assert any("DKD-R 6-1:2014" in s for s in pressure.sources)
    assert any("EURAMET Calibration Guide No. 17" in s for s in pressure.sources)
    assert set(find_procedure(procs, "CAL-TH-BATH").standards) == {"reference", "readout", "bath"}
    for p in procs:
        assert p.sources and p.title_vi and p.title_en
        assert p.environment, f"{p.code} has no environmental limits"
    assert any(
        "EURAMET Calibration Guide No. 18" in s for s in find_procedure(procs, "CAL-NAWI-CG18").sources
    )
    assert any("A.4.4.3" in s for s in find_procedure(procs, "VER-NAWI-R76").sources)
    assert any("OIML R 76-1:2006" in s for s in find_procedure(procs, "VER-NAWI-R76").sources)


def test_file_names_match_code_and_version() -> None:
    for path in SHIPPED.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert path.name == f"{data['code']}_{data['version']}.json"


def test_a_lab_adds_a_procedure_and_a_new_version(tmp_path: Path) -> None:
    for path in SHIPPED.glob("*.json"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    shutil.copytree(SHIPPED / "shared", tmp_path / "shared")  # the blocks the files share
    v2 = shipped("CAL-TH-BATH") | {"version": "2.10", "acceptance": {"kind": "fixed", "value": 0.3}}
    v11 = shipped("CAL-TH-BATH") | {"version": "2.2"}
    (tmp_path / "CAL-TH-BATH_2.10.json").write_text(json.dumps(v2), encoding="utf-8")
    (tmp_path / "CAL-TH-BATH_2.2.json").write_text(json.dumps(v11), encoding="utf-8")
    procs = load_procedures(tmp_path)
    assert [p.version for p in procs if p.code == "CAL-TH-BATH"] == ["1.0", "1.1", "2.0", "2.2", "2.10"]
    assert find_procedure(procs, "CAL-TH-BATH").version == "2.10"  # numeric, not text, ordering
    assert find_procedure(procs, "CAL-TH-BATH", "1.0").version == "1.0"
    with pytest.raises(
        ProcedureError,
        match=r"procedure CAL-TH-BATH has no version '9' \(versions: 1.0, 1.1, 2.0, 2.2, 2.10\)",
    ):
        find_procedure(procs, "CAL-TH-BATH", "9")
    with pytest.raises(ProcedureError, match="procedure 'NOPE' does not exist"):
        find_procedure(procs, "NOPE")


def test_superseded_by_must_name_a_later_version_of_the_same_code(tmp_path: Path) -> None:
    """A withdrawn version names its successor (docs/procedures.md); a typo would withdraw it for nothing."""
    assert find_procedure(load_procedures(), "VER-NAWI-R76", "1.0").superseded_by == "2.0"
    assert find_procedure(load_procedures(), "VER-NAWI-R76", "2.0").superseded_by is None
    old, new = shipped("VER-NAWI-R76", "1.0"), shipped("VER-NAWI-R76", "2.0")
    for name, data in (("old.json", old), ("new.json", new)):
        (tmp_path / name).write_text(json.dumps(data), encoding="utf-8")
    assert [p.superseded_by for p in load_procedures(tmp_path)] == ["2.0", None]
    for wrong in ("2.1", "1.0"):  # not a stored version; not a later one
        (tmp_path / "old.json").write_text(json.dumps(old | {"superseded_by": wrong}), encoding="utf-8")
        with pytest.raises(
            ProcedureError, match=rf"VER-NAWI-R76 version 1\.0\.superseded_by: '{wrong}' is not a later"
        ):
            load_procedures(tmp_path)
    with pytest.raises(ProcedureError, match=r"superseded_by: expected the version that replaces this one"):
        procedure_from_dict(old | {"superseded_by": 2})
def test_a_shared_block_is_resolved_into_each_definition_and_a_bad_reference_is_named(tmp_path: Path) -> None:
    """CAL-DMM-DCV 1.0 and 2.0 name one automation block (lims/domain/procedures/shared/): each definition
    holds it whole, so a job's stored procedure does not depend on the shared file afterwards."""
    found = dict(procedure_definitions())
    shared = json.loads((SHIPPED / "shared" / "automation-dc-voltage-5520a.json").read_text(encoding="utf-8"))
    assert (
        found["CAL-DMM-DCV_1.0.json"]["automation"] == found["CAL-DMM-DCV_2.0.json"]["automation"] == shared
    )
    assert shared["driver"] == "fluke-5520a"
    data = shipped("CAL-PG-DKD") | {"automation": {"$ref": "shared/none.json"}}
    (tmp_path / "a.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        ProcedureError, match=r"a\.json: automation: \$ref 'shared/none\.json': no such shared file"
    ):
        load_procedures(tmp_path)
    (tmp_path / "a.json").write_text(
        json.dumps(data | {"automation": {"$ref": "/etc/passwd"}}), encoding="utf-8"
    )
    with pytest.raises(ProcedureError, match=r"must name a file shared/<name>\.json"):
        load_procedures(tmp_path)


def test_duplicate_code_and_version_is_refused(tmp_path: Path) -> None:
    data = shipped("CAL-PG-DKD")
    (tmp_path / "a.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProcedureError, match=r"b\.json: procedure CAL-PG-DKD version 2\.0 is defined twice"):
        load_procedures(tmp_path)


def test_invalid_json_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"code": "X",\n "version": }', encoding="utf-8")
    with pytest.raises(ProcedureError, match=r"broken.json: not valid JSON \(line 2"):
        load_procedures(tmp_path)


def _mutate(path: list[str | int], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(shipped("CAL-PG-DKD", "1.0"))  # the field paths below are those of version 1.0
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    if value is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (["code"], "", r"procedure.code: expected a non-empty text"),
        (["version"], _DELETE, r"CAL-PG-DKD.version"),
        (["title"], "Áp kế", r"CAL-PG-DKD.title: expected"),
        (["title", "vi"], " ", r"CAL-PG-DKD.title.vi"),
        (["kind"], "testing", r"CAL-PG-DKD.kind: 'testing' is not calibration or verification"),
        (["repetitions"], 0, r"CAL-PG-DKD.repetitions: expected a whole number"),
        (["repetitions"], 1, r"CAL-PG-DKD.repetitions: a type A evaluation"),
        (["repetitions"], 2.5, r"CAL-PG-DKD.repetitions"),
        (["test_points", "percents"], [0, 120], r"CAL-PG-DKD.test_points.percents: 120 %"),
        (["environment", 0, "minimum"], "cold", r"CAL-PG-DKD.environment\[0\].minimum"),
        (
            ["acceptance"],
            {"kind": "pressure_gauge", "accuracy_class": 3},
            r"CAL-PG-DKD.acceptance.accuracy_class",
        ),
        (["decision_rule"], {"kind": "guarded"}, r"guard_factor"),
        (["sources"], "DKD-R 6-1", r"CAL-PG-DKD.sources"),
        (
            ["uncertainty_budget", "model"],
            "p_ind + dp_res - p_ref - dp_D",
            r"uncertainty_budget.inputs: dp_T not used by the model",
        ),
        (
            ["uncertainty_budget", "model"],
            "p_ind + dp_res - p_ref - dp_D - dp_T - dp_h",
            r"uncertainty_budget.model: dp_h not defined as inputs",
        ),
        (
            ["uncertainty_budget", "model"],
            "p_ind + open(dp_res) - p_ref - dp_D - dp_T",
            r"function 'open' is not allowed",
        ),
        (
            ["uncertainty_budget", "model"],
            "p_ind + dp_res - p_ref - dp_D - dp_T.real",
            r"Attribute is not allowed",
        ),
        (
            ["uncertainty_budget", "model"],
            "p_ind + dp_res - p_ref - dp_D - (dp_T if 1 else 0)",
            r"IfExp is not allowed",
        ),
        (["uncertainty_budget", "model"], "p_ind + dp_res - p_ref - dp_D - dp_T % 2", r"operator Mod"),
        (["uncertainty_budget", "model"], "p_ind + - p_ref", r"not used by the model"),
        (["uncertainty_budget", "model"], "p_ind +", r"is not a valid expression"),
        (
            ["uncertainty_budget", "inputs", 0, "source"],
            "reading",
            r"inputs\[0\] \(p_ind\).source: 'reading' is not one of",
        ),
        (["uncertainty_budget", "inputs", 2, "standard"], _DELETE, r"inputs\[2\] \(p_ref\).standard"),
        (
            ["uncertainty_budget", "inputs", 1, "role"],
            "reference",
            r"the reference must come from a standard",
        ),
        (["uncertainty_budget", "inputs", 1, "name"], "p_ind", r"input names must be unique"),
        (["uncertainty_budget", "inputs", 1, "name"], "sqrt", r"'sqrt' is not a usable input name"),
        (["uncertainty_budget", "inputs", 4, "coefficient"], "0.04 %/K", r"\(dp_T\).coefficient"),
        (["uncertainty_budget", "inputs", 4, "scale"], "span", r"\(dp_T\).scale: 'span'"),
        (["uncertainty_budget", "coverage_probability"], 95, r"coverage_probability: 95.0 must be between"),
        (["uncertainty_budget", "correlations"], {}, r"correlations: expected a list"),
    ],
)
def test_invalid_procedure_names_the_field(path: list[str | int], value: Any, message: str) -> None:
    with pytest.raises(ProcedureError, match=message):
        procedure_from_dict(_mutate(path, value))


def test_every_budget_needs_one_indication_and_one_reference() -> None:
    data = _mutate(["uncertainty_budget", "inputs", 0, "role"], _DELETE)
    with pytest.raises(ProcedureError, match="exactly one input must have role 'indication'"):
        procedure_from_dict(data)


def test_fixed_inputs_and_relative_half_widths() -> None:
    template = template_from_dict(
        {
            "measurand": "E",
            "model": "x + r - s + b",
            "inputs": [
                {"name": "x", "source": "readings", "role": "indication"},
                {
                    "name": "r",
                    "source": "fixed",
                    "value": 0.0,
                    "scale": "nominal",
                    "distribution": {"kind": "rectangular", "half_width_relative": 1e-4},
                },
                {"name": "s", "source": "standard", "standard": "ref", "role": "reference"},
                {
                    "name": "b",
                    "source": "fixed",
                    "value": 0.01,
                    "distribution": {"kind": "normal", "u": 0.002},
                    "dof": 12,
                },
            ],
        }
    )
    assert model_names(template.model) == {"x", "r", "s", "b"}
    assert template_from_dict(template_to_dict(template)) == template
    data = shipped("CAL-DMM-DCV")
    data["uncertainty_budget"] = template_to_dict(template)
    proc = procedure_from_dict(data)
    budget = instantiate_budget(
        proc,
        10.0,
        [10.001] * 5,
        {"ref": StandardUsed("cal", 10.0, "V", 4e-5, 2.0)},
        InstrumentUnderTest("V", 0.0, 20.0, 0.001),
        {},
    )
    inputs = {i["name"]: i for i in budget["inputs"]}
    assert inputs["r"]["distribution"] == {"kind": "rectangular", "half_width": 0.001}  # 1e-4 × |10 V|
    assert inputs["b"] == {
        "name": "b",
        "unit": "V",
        "value": 0.01,
        "distribution": {"kind": "normal", "u": 0.002},
        "dof": 12.0,
    }


@pytest.mark.parametrize(
    ("dist", "message"),
    [
        ({"kind": "rectangular"}, "needs half_width"),
        ({"kind": "rectangular", "half_width": -1}, "half_width: must be ≥ 0"),
        ({"kind": "normal", "expanded": 0.1}, "needs u, or expanded and k"),
        ({"kind": "normal", "u": "0.1"}, r"distribution\.u: expected a finite number"),
        ({"kind": "normal", "u": -0.1}, r"distribution\.u: must be ≥ 0"),
        ({"kind": "student_t", "scale": 0.1}, "dof"),
        ({"kind": "uniform", "half_width": 1}, "'uniform' is not normal"),
        ("rectangular", "expected an object"),
    ],
)
def test_fixed_input_distribution_errors(dist: Any, message: str) -> None:
    with pytest.raises(BudgetError, match=message):
        template_from_dict(
            {
                "measurand": "E",
                "model": "x - s + f",
                "inputs": [
                    {"name": "x", "source": "readings", "role": "indication"},
                    {"name": "s", "source": "standard", "standard": "ref", "role": "reference"},
                    {"name": "f", "source": "fixed", "distribution": dist},
                ],
            }
        )


PG = InstrumentUnderTest("bar", 0.0, 16.0, 0.1, accuracy_class="1.6")
REF = StandardUsed("ref", 8.002, "bar", 0.0016, 2.0, drift_limit=0.0008)
ENV = {"temperature": 22.0, "humidity": 50.0, "height_difference": 0.15}


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"point": 20.0},
            PointOutOfRange,
            r"test point 20 bar is outside the instrument's range 0 bar to 16 bar",
        ),
        (
            {"readings": [8.1]},
            ProcedureError,
            r"readings: CAL-PG-DKD with sequence C \(DKD-R 6-1\) needs 2 readings at each point \(M1 ↑, M2 ↓\), "
            r"got 1",
        ),
        (
            {"readings": [8.1, 8.2, 8.1]},
            ProcedureError,
            r"needs 2 readings at each point \(M1 ↑, M2 ↓\), got 3",
        ),
        (
            {"instrument": InstrumentUnderTest("bar", 0.0, 16.0, 0.1)},
            ProcedureError,
            r"instrument.accuracy_class: the gauge's accuracy class \(in % of span\) selects the DKD-R 6-1",
        ),
        (
            {"environment": {"temperature": 22.0}},
            ProcedureError,
            r"environment.height_difference: not recorded; input dp_h \(ρ·g·Δh\) needs the height",
        ),
        ({"readings": [8.1, "8,2"]}, ProcedureError, r"readings\[1\]: '8,2' is not a number in bar"),
        ({"readings": [8.1, float("nan")]}, ProcedureError, r"readings\[1\]: nan is not a number"),
        ({"standards": {}}, ProcedureError, r"standards.reference: CAL-PG-DKD needs the reference standard"),
        (
            {"standards": {"reference": StandardUsed("ref", 0.8, "MPa", 0.00016, 2.0)}},
            ProcedureError,
            r"standards.reference.unit: 'MPa' does not match the procedure unit 'bar'",
        ),
        (
            {"standards": {"reference": StandardUsed("ref", 8.0, "bar", 0.0016, 0.0)}},
            ProcedureError,
            r"coverage_factor > 0",
        ),
        (
            {"instrument": InstrumentUnderTest("psi", 0.0, 200.0, 1.0)},
            ProcedureError,
            r"instrument.unit: 'psi' does not match the procedure CAL-PG-DKD unit 'bar'",
        ),
        (
            {"instrument": InstrumentUnderTest("bar", 0.0, 16.0, 0.0)},
            ProcedureError,
            r"instrument.resolution",
        ),
        (
            {"environment": {"humidity": 50.0, "height_difference": 0.15}},
            ProcedureError,
            r"environment.temperature: not recorded; input dp_T of the budget needs it",
        ),
    ],
)
def test_bad_bench_input_is_refused_with_a_clear_message(
    kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    proc = find_procedure(load_procedures(), "CAL-PG-DKD")
    args: dict[str, Any] = {
        "point": 8.0,
        "readings": [8.1, 8.2],
        "standards": {"reference": REF},
        "instrument": PG,
        "environment": ENV,
    } | kwargs
    with pytest.raises(error, match=message):
        instantiate_budget(
            proc, args["point"], args["readings"], args["standards"], args["instrument"], args["environment"]
        )


def test_missing_bath_characteristic_is_named() -> None:
    proc = find_procedure(load_procedures(), "CAL-TH-BATH")
    standards = {
        "reference": StandardUsed("prt", 50.0, "°C", 0.02, 2.0, characteristics={"self_heating": 0.001}),
        "readout": StandardUsed(
            "readout", 50.0, "°C", 0.0, 2.0, characteristics={"readout_equivalent": 0.001}
        ),
        "bath": StandardUsed(
            "bath", 50.0, "°C", 0.0, 2.0, characteristics={"stability": 0.005}, range_min=-40, range_max=150
        ),
    }
    with pytest.raises(ProcedureError, match=r"standards.bath.characteristics.uniformity: missing"):
        instantiate_budget(
            proc, 50.0, [50.1] * 5, standards, InstrumentUnderTest("°C", -50.0, 200.0, 0.1), {}
        )


def test_criterion_override_and_verification_class_from_instrument() -> None:
    proc = find_procedure(load_procedures(), "VER-NAWI-R76", "1.0")
    weights = {"weights": StandardUsed("w", 3.0, "kg", 3e-5, 2.0)}
    scale = InstrumentUnderTest("kg", 0.0, 30.0, 0.005, accuracy_class="III")
    # 3 kg = 600 e → 1 e (OIML R 76-1 table 6, class III)
    assert point_result(proc, 3.0, [3.005, 3.005, 3.005], weights, scale).mpe == 0.005
    override = point_result(proc, 3.0, [3.005, 3.005, 3.005], weights, scale, criterion=Fixed(0.002))
    assert (override.mpe, override.verdict.value if override.verdict else None) == (0.002, "fail")
    with pytest.raises(CriterionError, match=r"accuracy_class: the instrument's OIML R 76 class"):
        point_result(proc, 3.0, [3.0] * 3, weights, InstrumentUnderTest("kg", 0.0, 30.0, 0.005))
