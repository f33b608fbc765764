"""CAL-PG-DKD 2.0: the DKD-R 6-1 / EURAMET cg-17 pressure method, checked against hand calculations.

DKD-R 6-1:2014 is cited from memory (the guideline's text could not be consulted): sequences A, B and C by
accuracy class, the characteristic values (mean, hysteresis h, repeatability b', zero deviation f0) and their
rectangular contributions u = x/(2√3). No worked example of the guideline was at hand, so each budget below
is worked by hand in its docstring.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from lims.domain import pressure as dkd
from lims.domain.procedure_files import find_procedure, load_procedures
from lims.domain.procedures import (
    InstrumentUnderTest,
    ProcedureError,
    StandardUsed,
    instantiate_budget,
    point_result,
)
from lims.domain.uncertainty import evaluate_budget, parse_budget

PROCEDURES = load_procedures()
PG = find_procedure(PROCEDURES, "CAL-PG-DKD")


def by_name(budget: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in budget["inputs"]}


@pytest.mark.parametrize(
    ("klass", "sequence", "series", "preloads", "points"),
    [
        ("0.05", "A", 4, 3, 9),
        ("0.1", "B", 3, 2, 9),
        ("0.6", "B", 3, 2, 9),
        ("1.6", "C", 2, 1, 5),
        ("4", "C", 2, 1, 5),
    ],
)
def test_sequence_is_chosen_by_accuracy_class(
    klass: str, sequence: str, series: int, preloads: int, points: int
) -> None:
    """DKD-R 6-1 (from memory): A below 0.1 %, B from 0.1 % to 0.6 %, C above 0.6 %."""
    s = dkd.sequence_for_class(klass)
    assert (s.value, s.series, s.preloads, s.minimum_points) == (sequence, series, preloads, points)


@pytest.mark.parametrize("klass", [None, "", "III", "-1", "0"])
def test_a_gauge_without_a_usable_class_is_refused(klass: str | None) -> None:
    with pytest.raises(dkd.PressureError, match="accuracy_class"):
        dkd.sequence_for_class(klass)


def test_sequence_a_characteristic_values() -> None:
    """Sequence A at 10 bar, M1 ↑ 10.0012, M2 ↓ 10.0020, M3 ↑ 10.0014, M4 ↓ 10.0019:
    x̄ = 40.0065/4 = 10.001625; h = max(|10.0020 − 10.0012|, |10.0019 − 10.0014|) = 0.0008;
    b' = max(|10.0014 − 10.0012|, |10.0019 − 10.0020|) = 0.0002."""
    v = dkd.characteristic_values(dkd.CalibrationSequence.A, [10.0012, 10.0020, 10.0014, 10.0019])
    assert (v.mean, v.hysteresis, v.repeatability) == (10.001625, 0.0008, 0.0002)
    assert (v.mean_up, v.mean_down) == (10.0013, 10.00195)


def test_sequence_b_budget_by_hand() -> None:
    """Digital gauge 0–20 bar, class 0.25 → sequence B, resolution 0.001 bar, at 10 bar:
    M1 ↑ 10.004, M2 ↓ 10.007, M3 ↑ 10.005; zero point M1 0.000, M2 0.002, M3 0.001 → f0 = 0.002 bar.
    Reference 10.0000 bar, U = 0.0016 bar (k = 2), drift 0.0008 bar; lab 20.5 °C; oil ρ = 860 kg/m³ (u 2 %),
    Δh = −0.10 m (gauge above the standard), u(Δh) rectangular ±5 mm, g = 9.7866 m/s².

    x̄ = 30.016/3 = 10.005333; h = 0.003; b' = 0.001
    u(p_ind) = 0 (its dispersion is in b', h, f0); u(δp_res) = 0.0005/√3 = 0.00028868
    u(δp_zero) = 0.001/√3 = 0.00057735; u(δp_rep) = 0.0005/√3 = 0.00028868; u(δp_hys) = 0.0015/√3 = 0.00086603
    u(p_ref) = 0.0008; u(δp_D) = 0.0008/√3 = 0.00046188; u(δp_T) = 0.0004 × 20 × 0.5/√3 = 0.0023094
    Δp_h = 860 × 9.7866 × (−0.10) = −841.65 Pa = −0.0084165 bar;
    u(Δp_h) = √((9.7866 × 0.10 × 17.2)² + (860 × 9.7866 × 0.005/√3)²) = √(16.833² + 24.296²) = 29.557 Pa
            = 0.00029557 bar
    u_c² = 0.28868² + 0.57735² + 0.28868² + 0.86603² + 0.8² + 0.46188² + 2.3094² + 0.29557² (×10⁻⁶ bar²)
         = (0.083334 + 0.333333 + 0.083334 + 0.750008 + 0.64 + 0.213333 + 5.333329 + 0.087362) × 10⁻⁶
         = 7.524033 × 10⁻⁶ → u_c = 0.0027430 bar
    E = 10.005333 − 10.0000 − (−0.0084165) = 0.0137498 bar (the gauge sits 0.1 m above: less pressure there).
    """
    oil = dkd.SequenceSettings(0.0005, 30, "oil", dkd.MediumKind.LIQUID, 860.0, 0.02, 0.005, 9.7866)
    proc = dataclasses.replace(PG, sequence_settings=oil)
    gauge = InstrumentUnderTest("bar", 0.0, 20.0, 0.001, accuracy_class="0.25")
    assert proc.reading_labels(gauge) == ("M1 ↑", "M2 ↓", "M3 ↑")
    ref = StandardUsed("PPC4", 10.0, "bar", 0.0016, 2.0, drift_limit=0.0008)
    readings = [10.004, 10.007, 10.005]
    budget = instantiate_budget(
        proc,
        10.0,
        readings,
        {"reference": ref},
        gauge,
        {"temperature": 20.5, "humidity": 50.0, "height_difference": -0.10},
        zero_readings=[0.000, 0.002, 0.001],
    )
    inputs = by_name(budget)
    assert inputs["p_ind"]["value"] == pytest.approx(10.0053333333, abs=1e-9)
    assert inputs["p_ind"]["distribution"] == {"kind": "normal", "u": 0.0}
    assert inputs["dp_zero"]["distribution"] == {"kind": "rectangular", "half_width": 0.001}
    assert inputs["dp_rep"]["distribution"] == {"kind": "rectangular", "half_width": 0.0005}
    assert inputs["dp_hys"]["distribution"] == {"kind": "rectangular", "half_width": 0.0015}
    assert inputs["dp_h"]["value"] == pytest.approx(-0.0084165, rel=1e-4)
    assert inputs["dp_h"]["distribution"]["u"] == pytest.approx(0.00029557, rel=1e-4)

    lpu = evaluate_budget(parse_budget(budget)).propagation
    assert lpu.value == pytest.approx(0.0137498, abs=2e-7)
    assert lpu.standard_uncertainty == pytest.approx(math.sqrt(7.524033e-6), rel=1e-4)
    assert lpu.effective_dof == math.inf and lpu.coverage_factor == 2.0

    result = point_result(proc, 10.0, readings, {"reference": ref}, gauge)
    assert result.hysteresis == 0.003 and result.mpe == pytest.approx(0.05)  # 0.25 % of 20 bar


def test_sequence_c_uses_the_pooled_repeatability_with_its_degrees_of_freedom() -> None:
    """Class 1.6, one series per direction: u(p_ind) = s_p/√2 = 0.0005 × 16 bar/√2 = 0.0056569 bar with
    ν = 30 (JCGM 100 4.2.4), never s of the two readings with ν = 1 (issue 16)."""
    gauge = InstrumentUnderTest("bar", 0.0, 16.0, 0.1, accuracy_class="1.6")
    ref = StandardUsed("ref", 8.002, "bar", 0.0016, 2.0, drift_limit=0.0008)
    budget = instantiate_budget(
        PG,
        8.0,
        [8.1, 8.2],
        {"reference": ref},
        gauge,
        {"temperature": [21.5, 22.0], "height_difference": 0.0},
        zero_readings=[0.0, 0.1],
    )
    spec = parse_budget(budget)
    p_ind = spec.inputs[0]
    assert p_ind.standard_uncertainty == pytest.approx(0.0056569, rel=1e-4) and p_ind.degrees_of_freedom == 30
    assert evaluate_budget(spec).propagation.coverage_factor == 2.0


def test_the_zero_readings_must_follow_the_sequence() -> None:
    gauge = InstrumentUnderTest("bar", 0.0, 16.0, 0.1, accuracy_class="1.6")
    ref = StandardUsed("ref", 8.0, "bar", 0.0016, 2.0)
    with pytest.raises(ProcedureError, match="zero point: needs 2 readings, got 3"):
        instantiate_budget(
            PG,
            8.0,
            [8.1, 8.2],
            {"reference": ref},
            gauge,
            {"temperature": 22.0, "height_difference": 0.0},
            zero_readings=[0.0, 0.1, 0.0],
        )


def test_head_correction_of_a_gas_grows_with_pressure() -> None:
    """Air at 16 bar gauge: ρ = 1.2 × 1701325/101325 = 20.149 kg/m³, Δp = 20.149 × 9.80665 × 1 m = 197.6 Pa."""
    air = dkd.SequenceSettings(0.0005, 30, "air", dkd.MediumKind.GAS, 1.2, 0.05, 0.005)
    head = dkd.head_correction(air, nominal=16.0, unit="bar", height_difference_m=1.0)
    assert head.density_kg_m3 == pytest.approx(20.149, rel=1e-4)
    assert head.value == pytest.approx(197.6e-5, rel=1e-3)


def test_a_sequence_source_without_a_sequence_is_refused() -> None:
    import json
    from importlib import resources

    data = json.loads(
        resources.files("lims.domain").joinpath("procedures/CAL-PG-DKD_2.0.json").read_text(encoding="utf-8")
    )
    del data["calibration_sequence"]
    from lims.domain.procedures import procedure_from_dict

    with pytest.raises(ProcedureError, match="need a calibration_sequence"):
        procedure_from_dict(data)
