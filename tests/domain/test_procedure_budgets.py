"""Each shipped procedure's budget for a realistic point, checked against a hand calculation.

The standard uncertainties stated in each test are worked by hand (GUM 4.2.2-4.2.3 type A s/√n; GUM 4.3.7
rectangular a/√3; certificate U/k per GUM 4.3.3 / EA-4/02 M:2022). The helper below converts the budget's
distributions the same way, so that the budget dictionary is proved to carry exactly those inputs; the
combined uncertainty of a linear model with unit sensitivity coefficients is then u_c = √Σu_i² (GUM 5.1.2).
"""

from __future__ import annotations

import json
import math
import statistics
from typing import Any

import pytest

from certificates.metrology import Verdict
from lims.domain.budget_template import model_names
from lims.domain.procedure_files import find_procedure, load_procedures
from lims.domain.procedures import (
    InstrumentUnderTest,
    StandardUsed,
    instantiate_budget,
    point_result,
)
from lims.domain.uncertainty import parse_budget

PROCEDURES = load_procedures()


def standard_uncertainty(entry: dict[str, Any]) -> float:
    dist = entry["distribution"]
    kind = dist["kind"]
    if kind == "type_a":
        s = dist["pooled_sd"] if "pooled_sd" in dist else statistics.stdev(dist["readings"])
        return float(s / math.sqrt(len(dist["readings"])))
    if kind == "normal":
        return dist["u"] if "u" in dist else dist["expanded"] / dist["k"]
    if kind == "rectangular":
        return dist["half_width"] / math.sqrt(3)
    raise AssertionError(kind)


def estimate(entry: dict[str, Any]) -> float:
    """x_i: the given value, or for a type A input the mean of its readings (GUM 4.2.1), never both."""
    if entry["distribution"]["kind"] == "type_a":
        assert "value" not in entry
        return statistics.fmean(entry["distribution"]["readings"])
    return float(entry["value"])


def evaluate(budget: dict[str, Any], **shift: float) -> float:
    names = model_names(budget["model"])
    env = {i["name"]: estimate(i) + shift.get(i["name"], 0.0) for i in budget["inputs"]}
    assert names == set(env)
    return float(eval(budget["model"], {"__builtins__": {}, "sqrt": math.sqrt, "pi": math.pi}, env))


def sensitivity(budget: dict[str, Any], name: str) -> float:
    h = 1e-6
    return (evaluate(budget, **{name: h}) - evaluate(budget, **{name: -h})) / (2 * h)


def combined(budget: dict[str, Any]) -> float:
    return math.sqrt(
        sum((sensitivity(budget, i["name"]) * standard_uncertainty(i)) ** 2 for i in budget["inputs"])
    )


def by_name(budget: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["name"]: i for i in budget["inputs"]}


def test_nawi_verification_class_iii_scale_at_15_kg() -> None:
    """30 kg × 5 g class III scale (e = d = 5 g, n = 6000), weighing test at 15 kg with F2 weights.

    u(I) = s/√3 with readings 15.005, 15.005, 15.000 kg: s = 2.8868 g → 1.6667 g
    u(δI_digL) = u(δI_dig0) = (5 g / 2)/√3 = 1.4434 g        (EURAMET cg-18 7.1.1.1-7.1.1.2)
    u(m_ref) = 0.08 g / 2 = 0.04 g                          (cg-18 7.1.2.1)
    u(δm_D) = 0.05 g/√3 = 0.028868 g                        (cg-18 7.1.2.3)
    u_c(E) = √(1.6667² + 2·1.4434² + 0.04² + 0.028868²) g = 2.6357 g
    E = 15.003333 − 15.000100 = 3.2333 g; MPE = 1.5 e = 7.5 g (OIML R 76-1 table 6, 3000 e) → pass.
    """
    proc = find_procedure(PROCEDURES, "VER-NAWI-R76", "1.0")
    scale = InstrumentUnderTest("kg", 0.0, 30.0, 0.005, accuracy_class="III", verification_interval=0.005)
    assert proc.points_for(scale) == (3.0, 7.5, 15.0, 22.5, 30.0)
    weights = StandardUsed("F2 set W-07 (10 kg + 5 kg)", 15.0001, "kg", 0.00008, 2.0, drift_limit=0.00005)
    readings = [15.005, 15.005, 15.000]
    budget = instantiate_budget(proc, 15.0, readings, {"weights": weights}, scale, {"temperature": 24.0})

    assert budget["measurand"] == {"name": "E", "unit": "kg"}
    assert budget["model"] == "I + dI_digL - dI_dig0 - m_ref - dm_D"
    assert budget["coverage_probability"] == 0.9545
    assert budget["correlations"] == []
    inputs = by_name(budget)
    assert list(inputs) == ["I", "dI_digL", "dI_dig0", "m_ref", "dm_D"]
    assert "value" not in inputs["I"] and estimate(inputs["I"]) == pytest.approx(15.0033333333, abs=1e-9)
    assert inputs["I"]["distribution"] == {"kind": "type_a", "readings": readings}
    assert inputs["dI_digL"]["distribution"] == {"kind": "rectangular", "half_width": 0.0025}
    assert inputs["dI_dig0"] == inputs["dI_digL"] | {"name": "dI_dig0"}
    assert inputs["m_ref"]["value"] == 15.0001
    assert inputs["m_ref"]["distribution"] == {"kind": "normal", "expanded": 0.00008, "k": 2.0}
    assert inputs["dm_D"]["distribution"] == {"kind": "rectangular", "half_width": 0.00005}
    assert all(i["unit"] == "kg" for i in budget["inputs"])

    hand = {"I": 1.6667e-3, "dI_digL": 1.4434e-3, "dI_dig0": 1.4434e-3, "m_ref": 4.0e-5, "dm_D": 2.8868e-5}
    for name, u in hand.items():
        assert standard_uncertainty(inputs[name]) == pytest.approx(u, rel=1e-4)
    assert combined(budget) == pytest.approx(2.6357e-3, rel=1e-4)

    result = point_result(proc, 15.0, readings, {"weights": weights}, scale)
    assert evaluate(budget) == pytest.approx(result.error, abs=1e-12)
    assert result.error == pytest.approx(0.0032333, abs=1e-7)
    assert result.correction == pytest.approx(-0.0032333, abs=1e-7)
    assert result.mpe == 0.0075
    assert result.verdict == Verdict.PASS


def test_pressure_gauge_class_1_6_at_8_bar_version_1() -> None:
    """Version 1.0 of CAL-PG-DKD, kept for the jobs done with it (its fault, issue 16: the up and down
    readings taken as a Type A sample of two; version 2.0 is tested in tests/domain/test_pressure.py).

    0-16 bar Bourdon gauge, class 1.6, read to 0.1 bar; reference digital gauge; sequence C (up, down).

    u(p_ind) = s/√2 with 8.1, 8.2 bar: s = 0.070711 → 0.05 bar
    u(δp_res) = 0.05/√3 = 0.028868 bar
    u(p_ref) = 0.0016/2 = 0.0008 bar; u(δp_D) = 0.0008/√3 = 0.00046188 bar
    δp_T: lab at 21.5-22.0 °C, largest departure from 20 °C = 2 K; a = 0.0004 /K × 16 bar × 2 K = 0.0128 bar,
    u = 0.0128/√3 = 0.0073901 bar
    u_c = √(0.05² + 0.028868² + 0.0008² + 0.00046188² + 0.0073901²) = 0.058214 bar
    E = 8.15 − 8.002 = 0.148 bar; MPE = 1.6 % × 16 bar = 0.256 bar (EN 837-1 table 11).
    Guarded rule (ILAC-G8 4.2.2, w = U): with U = 0.1164 bar, AL = 0.1396 bar < 0.148 → fail;
    simple acceptance would have passed.
    """
    proc = find_procedure(PROCEDURES, "CAL-PG-DKD", "1.0")
    gauge = InstrumentUnderTest("bar", 0.0, 16.0, 0.1, accuracy_class="1.6")
    assert proc.points_for(gauge) == (0.0, 4.0, 8.0, 12.0, 16.0)
    ref = StandardUsed(
        "DPI 620 S/N 1234", 8.002, "bar", 0.0016, 2.0, drift_limit=0.0008, degrees_of_freedom=60
    )
    readings = [8.1, 8.2]
    budget = instantiate_budget(
        proc, 8.0, readings, {"reference": ref}, gauge, {"temperature": [21.5, 22.0], "humidity": 55.0}
    )
    inputs = by_name(budget)
    assert budget["measurand"] == {"name": "E", "unit": "bar"}
    assert list(inputs) == ["p_ind", "dp_res", "p_ref", "dp_D", "dp_T"]
    assert "value" not in inputs["p_ind"] and estimate(inputs["p_ind"]) == pytest.approx(8.15)
    assert inputs["p_ref"] == {
        "name": "p_ref",
        "unit": "bar",
        "value": 8.002,
        "distribution": {"kind": "normal", "expanded": 0.0016, "k": 2.0},
        "dof": 60,
    }
    assert inputs["dp_res"]["distribution"] == {"kind": "rectangular", "half_width": 0.05}
    assert inputs["dp_T"]["value"] == 0.0
    assert inputs["dp_T"]["distribution"] == {"kind": "rectangular", "half_width": 0.0128}

    hand = {"p_ind": 0.05, "dp_res": 0.028868, "p_ref": 0.0008, "dp_D": 0.00046188, "dp_T": 0.0073901}
    for name, u in hand.items():
        assert standard_uncertainty(inputs[name]) == pytest.approx(u, rel=1e-4)
    assert combined(budget) == pytest.approx(0.058214, rel=1e-4)

    result = point_result(proc, 8.0, readings, {"reference": ref}, gauge)
    assert evaluate(budget) == pytest.approx(result.error, abs=1e-12)
    assert (result.error, result.mpe, result.verdict) == (pytest.approx(0.148), 0.256, None)
    guarded = point_result(proc, 8.0, readings, {"reference": ref}, gauge, expanded_uncertainty=0.1164)
    assert guarded.verdict == Verdict.FAIL


def test_digital_thermometer_in_a_bath_at_50_c() -> None:
    """Digital thermometer −50…200 °C, resolution 0.1 °C, compared with a PRT in a stirred oil bath at 50 °C.

    u(t_ix) = s/√5 with 50.1, 50.2, 50.1, 50.1, 50.2 °C: s = 0.054772 → 0.024495 °C
    u(δt_res) = 0.05/√3 = 0.028868 °C
    u(t_ref) = 0.020/2 = 0.010 °C; u(δt_D) = 0.010/√3 = 0.0057735 °C
    bath (lab characterisation): stability ±0.005 °C → 0.0028868 °C; uniformity ±0.010 °C → 0.0057735 °C
    u_c = √(0.024495² + 0.028868² + 0.010² + 0.0057735² + 0.0028868² + 0.0057735²) = 0.040104 °C
    E = 50.14 − 50.012 = 0.128 °C; MPE ±0.5 °C → pass (simple acceptance).
    """
    proc = find_procedure(PROCEDURES, "CAL-TH-BATH", "1.0")  # 1.1 adds the readout: see the test below
    thermometer = InstrumentUnderTest("°C", -50.0, 200.0, 0.1)
    assert proc.points_for(thermometer) == (0.0, 25.0, 50.0, 75.0, 100.0)
    prt = StandardUsed("PRT Pt100 + indicator T-03", 50.012, "°C", 0.020, 2.0, drift_limit=0.010)
    bath = StandardUsed(
        "oil bath B-02", 50.0, "°C", 0.0, 2.0, characteristics={"stability": 0.005, "uniformity": 0.010}
    )
    readings = [50.1, 50.2, 50.1, 50.1, 50.2]
    standards = {"reference": prt, "bath": bath}
    budget = instantiate_budget(proc, 50.0, readings, standards, thermometer, {"temperature": 23.0})
    inputs = by_name(budget)
    assert list(inputs) == ["t_ix", "dt_res", "t_ref", "dt_D", "dt_stab", "dt_unif"]
    assert "value" not in inputs["t_ix"] and estimate(inputs["t_ix"]) == pytest.approx(50.14)
    assert inputs["t_ref"]["value"] == 50.012
    assert inputs["dt_stab"]["distribution"] == {"kind": "rectangular", "half_width": 0.005}
    assert inputs["dt_unif"]["distribution"] == {"kind": "rectangular", "half_width": 0.010}
    assert "dof" not in inputs["t_ref"]

    hand = {
        "t_ix": 0.024495,
        "dt_res": 0.028868,
        "t_ref": 0.010,
        "dt_D": 0.0057735,
        "dt_stab": 0.0028868,
        "dt_unif": 0.0057735,
    }
    for name, u in hand.items():
        assert standard_uncertainty(inputs[name]) == pytest.approx(u, rel=1e-4)
    assert combined(budget) == pytest.approx(0.040104, rel=1e-4)

    result = point_result(proc, 50.0, readings, standards, thermometer)
    assert evaluate(budget) == pytest.approx(result.error, abs=1e-12)
    assert (result.mean_indication, result.reference_value) == (50.14, 50.012)
    assert result.error == pytest.approx(0.128) and result.mpe == 0.5 and result.verdict == Verdict.PASS


def test_dmm_dc_voltage_at_10_v_on_the_20_v_range() -> None:
    """4½-digit DMM, 20 V range, resolution 1 mV, measuring a multifunction calibrator set to 10 V.

    u(V_ix) = s/√5 with 10.002, 10.003, 10.002, 10.002, 10.003 V: s = 0.54772 mV → 0.24495 mV
    u(δV_res) = 0.5 mV/√3 = 0.28868 mV
    u(V_s) = 40 µV / 2 = 20 µV (calibrator certificate at 10 V); u(δV_D) = 30 µV/√3 = 17.321 µV
    δV_T: lab at 23.5 °C, 2 µV/V/K × 10 V × 0.5 K = 10 µV → u = 5.7735 µV
    u_c = √(0.24495² + 0.28868² + 0.020² + 0.017321² + 0.0057735²) mV = 0.37956 mV
    E = 10.0024 − 10.0000 = 2.4 mV; MPE = 0.05 % × 10 V + 2 × 1 mV = 7 mV.
    Guarded (w = U = 0.76 mV): AL = 6.24 mV > 2.4 mV → pass.
    """
    # 2.0 (EURAMET cg-15) is tested in tests/domain/test_dmm_cg15.py
    proc = find_procedure(PROCEDURES, "CAL-DMM-DCV", "1.0")
    dmm = InstrumentUnderTest("V", 0.0, 20.0, 0.001)
    assert proc.points_for(dmm) == (2.0, 10.0, 18.0)
    calibrator = StandardUsed("Fluke 5522A S/N 987", 10.0, "V", 0.00004, 2.0, drift_limit=0.00003)
    readings = [10.002, 10.003, 10.002, 10.002, 10.003]
    budget = instantiate_budget(
        proc, 10.0, readings, {"calibrator": calibrator}, dmm, {"temperature": 23.5, "humidity": 45.0}
    )
    inputs = by_name(budget)
    assert budget["measurand"] == {"name": "E", "unit": "V"}
    assert list(inputs) == ["V_ix", "dV_res", "V_s", "dV_D", "dV_T"]
    assert "value" not in inputs["V_ix"] and estimate(inputs["V_ix"]) == pytest.approx(10.0024)
    assert inputs["dV_res"]["distribution"] == {"kind": "rectangular", "half_width": 0.0005}
    assert inputs["dV_T"]["distribution"] == {"kind": "rectangular", "half_width": 1e-5}

    hand = {"V_ix": 2.4495e-4, "dV_res": 2.8868e-4, "V_s": 2.0e-5, "dV_D": 1.7321e-5, "dV_T": 5.7735e-6}
    for name, u in hand.items():
        assert standard_uncertainty(inputs[name]) == pytest.approx(u, rel=1e-4)
    assert combined(budget) == pytest.approx(3.7956e-4, rel=1e-4)

    result = point_result(proc, 10.0, readings, {"calibrator": calibrator}, dmm, expanded_uncertainty=0.00076)
    assert evaluate(budget) == pytest.approx(result.error, abs=1e-12)
    assert result.error == pytest.approx(0.0024) and result.mpe == 0.007 and result.verdict == Verdict.PASS


def test_thermometer_budget_carries_the_sprt_readout() -> None:
    """CAL-TH-BATH 1.1 (issue 16): the reference thermometer's readout is a standard of its own and an input:
    u(δt_RO) = 0.001/√3 = 0.00057735 °C (a rectangular temperature equivalent from the readout's certificate);
    u_c = √(0.040104² + 0.00057735²) = 0.040108 °C, the 1.0 example above with the readout added."""
    proc = find_procedure(PROCEDURES, "CAL-TH-BATH", "1.1")
    assert set(proc.standards) == {"reference", "readout", "bath"}
    standards = {
        "reference": StandardUsed("SPRT", 50.012, "°C", 0.020, 2.0, drift_limit=0.010),
        "readout": StandardUsed(
            "readout", 50.012, "°C", 0.0, 2.0, characteristics={"readout_equivalent": 0.001}
        ),
        "bath": StandardUsed(
            "oil bath", 50.0, "°C", 0.0, 2.0, characteristics={"stability": 0.005, "uniformity": 0.010}
        ),
    }
    thermometer = InstrumentUnderTest("°C", -50.0, 200.0, 0.1)
    budget = instantiate_budget(proc, 50.0, [50.1, 50.2, 50.1, 50.1, 50.2], standards, thermometer, {})
    inputs = by_name(budget)
    assert inputs["dt_RO"]["distribution"] == {"kind": "rectangular", "half_width": 0.001}
    assert standard_uncertainty(inputs["dt_RO"]) == pytest.approx(0.00057735, rel=1e-4)
    assert combined(budget) == pytest.approx(0.040108, rel=1e-4)


@pytest.mark.parametrize("procedure", PROCEDURES, ids=lambda p: f"{p.code}_{p.version}")
def test_every_shipped_budget_has_the_engine_format(procedure: Any) -> None:
    """Smoke test over every shipped procedure with synthetic, valid data."""
    instrument = InstrumentUnderTest(
        procedure.unit, 0.0, 100.0, 0.1, accuracy_class="III" if procedure.unit == "kg" else "1.6"
    )
    standards = {
        role: StandardUsed(
            role,
            50.0,
            procedure.unit,
            0.02,
            2.0,
            drift_limit=0.01,
            characteristics={
                "stability": 0.01,
                "uniformity": 0.02,
                "readout_equivalent": 0.001,
                "self_heating": 0.001,
                "stability_relative_per_year": 5e-6,
                "stability_floor_per_year": 1e-6,
                # the other DMM functions' specifications (CAL-DMM-DCI, -R; AC voltage per frequency band)
                "dc_current_relative_per_year": 4e-5,
                "dc_current_floor_per_year": 1e-8,
                "resistance_relative_per_year": 2e-5,
                "resistance_floor_per_year": 1e-3,
                "ac_voltage@45-10000Hz_relative_per_year": 1e-4,
                "ac_voltage@45-10000Hz_floor_per_year": 5e-5,
            },
            years_since_calibration=0.5,
            range_min=-100.0,
            range_max=200.0,
        )
        for role in procedure.standards
    }
    readings = [50.1, 50.0, 50.2, 50.1, 50.1][: max(procedure.readings_per_point(instrument), 2)]
    env = {"temperature": 22.0, "humidity": 50.0, "height_difference": 0.1}
    # A weighing method supplies some inputs from its own tests (lims.domain.weighing)
    supplied = {
        i.name: {
            "value": 50.1 if i.role == "indication" else 0.0,
            "distribution": {"kind": "normal", "u": 0.01},
        }
        for i in procedure.budget.inputs
        if i.source.value == "supplied"
    }
    budget = instantiate_budget(
        procedure,
        50.0,
        readings,
        standards,
        instrument,
        env,
        supplied=supplied,
        frequency_hz=procedure.reference_frequency_hz,
    )
    assert {i["unit"] for i in budget["inputs"]} == {procedure.unit}
    assert all(standard_uncertainty(i) >= 0 for i in budget["inputs"])
    assert all(abs(sensitivity(budget, i["name"])) == pytest.approx(1.0) for i in budget["inputs"])
    # Exactly the engine's format: no extra keys, JSON-serialisable, distribution kinds it knows.
    assert set(budget) == {"measurand", "model", "coverage_probability", "inputs", "correlations"}
    assert all(set(i) <= {"name", "value", "unit", "distribution", "dof"} for i in budget["inputs"])
    assert {i["distribution"]["kind"] for i in budget["inputs"]} <= {
        "normal",
        "rectangular",
        "triangular",
        "arcsine",
        "student_t",
        "type_a",
    }
    assert json.loads(json.dumps(budget)) == budget
    spec = parse_budget(budget)  # the engine accepts it as it is (docs/budget-format.md)
    assert [q.name for q in spec.inputs] == [i["name"] for i in budget["inputs"]]
