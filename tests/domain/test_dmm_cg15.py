"""CAL-DMM-DCV 2.0 (EURAMET cg-15): points per range in both polarities with the zero (short) test, and the
calibrator's contribution relative to its output (certificate U at the setting + drift since calibration
as ppm of output + floor per year), checked against hand calculations written out below.

The uncertainty engine's own results are compared with the hand arithmetic (GUM 5.1.2 for u_c, G.4.1
Welch–Satterthwaite for ν_eff), so the budget the bench evaluates is proved to be the one written here.
"""

from __future__ import annotations

import math

import pytest

from certificates.metrology import Verdict
from lims.domain.budget_template import template_from_dict, template_to_dict
from lims.domain.procedure_files import find_procedure, load_procedures
from lims.domain.procedures import (
    InstrumentUnderTest,
    ProcedureError,
    StandardUsed,
    instantiate_budget,
    point_result,
)
from lims.domain.test_points import PointOutOfRange, TestPointError, rule_from_dict
from lims.domain.uncertainty import parse_budget
from lims.domain.uncertainty import propagate as evaluate

PROC = find_procedure(load_procedures(), "CAL-DMM-DCV", "2.0")
#: 6 V DC range of a 6000-count handheld DMM, resolution 1 mV
DMM = InstrumentUnderTest("V", -6.0, 6.0, 0.001)
#: 5 ppm of output + 1 µV per year: the calibrator's stability specification
SPEC = {"stability_relative_per_year": 5e-6, "stability_floor_per_year": 1e-6}


def calibrator(value: float, expanded: float, years: float | None = 0.5) -> StandardUsed:
    return StandardUsed(
        "Fluke 5522A", value, "V", expanded, 2.0, characteristics=SPEC, years_since_calibration=years
    )


def test_points_per_range_in_both_polarities_with_the_zero_test() -> None:
    """0 (short-circuited input), +10 %, +50 %, +90 % and −90 % of the 6 V full scale."""
    assert PROC.version == "2.0" and PROC.usable_range == ()
    assert PROC.points_for(DMM) == (0.0, 0.6, 3.0, 5.4, -5.4)
    # the 60 V range of the same DMM (resolution 10 mV) is its own job with its own points
    assert PROC.points_for(InstrumentUnderTest("V", -60.0, 60.0, 0.01)) == (0.0, 6.0, 30.0, 54.0, -54.0)
    # a range recorded without its negative half cannot give the −90 % point: refused, never moved
    with pytest.raises(
        PointOutOfRange, match=r"test point -5.4 V is outside the instrument's range 0 V to 6 V"
    ):
        PROC.points_for(InstrumentUnderTest("V", 0.0, 6.0, 0.001))
    with pytest.raises(TestPointError, match="120 % is not between −100 % and 100 % of full scale"):
        rule_from_dict({"kind": "percent_of_full_scale", "percents": [0, 120]})


def test_dc_voltage_at_90_percent_of_the_6_v_range() -> None:
    """+5.4 V on the 6 V range, calibrator 0.5 year after its calibration, lab at 24.0 °C.

    u(V_ix)  = s/√5, readings 5.403, 5.404, 5.403, 5.403, 5.404 V: mean 5.4034 V,
               s = √((3 × 0.0004² + 2 × 0.0006²)/4) = √(1.2e-6/4) = 0.54772 mV → 0.24495 mV, ν = 4
    u(δV_res) = (1 mV/2)/√3 = 0.28868 mV
    u(V_s)   = U/k at 5.4 V from the certificate, interpolated between 2 V (10 µV) and 10 V (40 µV):
               10 + (5.4 − 2)/(10 − 2) × 30 = 22.75 µV → /2 = 11.375 µV
    u(δV_S)  = a/√3, a = (5e-6 × 5.4 V + 1 µV) × 0.5 = (27 + 1) µV × 0.5 = 14 µV → 8.0829 µV
    u(δV_T)  = a/√3, a = 2e-6/K × |24.0 − 23| K × 5.4 V = 10.8 µV → 6.2354 µV
    u_c² = 0.24495² + 0.28868² + 0.011375² + 0.0080829² + 0.0062354² (mV²)
         = 0.060000 + 0.083333 + 0.00012939 + 0.00006533 + 0.00003888 = 0.14356660 mV² → u_c = 0.37890 mV
    ν_eff = u_c⁴ / (u_A⁴/4) = 0.14356660² / (0.060000²/4) = 0.0206114 / 0.0009 = 22.90
    E = 5.4034 − 5.4000 = 3.4 mV; MPE = 0.09 % × 5.4 V + 2 × 1 mV = 4.86 + 2 = 6.86 mV.
    """
    readings = [5.403, 5.404, 5.403, 5.403, 5.404]
    standards = {"calibrator": calibrator(5.4, 22.75e-6)}
    budget = instantiate_budget(PROC, 5.4, readings, standards, DMM, {"temperature": 24.0, "humidity": 50.0})
    inputs = {i["name"]: i for i in budget["inputs"]}
    assert list(inputs) == ["V_ix", "dV_res", "V_s", "dV_S", "dV_T"]
    assert inputs["dV_S"]["distribution"] == {"kind": "rectangular", "half_width": pytest.approx(14e-6)}
    assert inputs["dV_T"]["distribution"] == {"kind": "rectangular", "half_width": pytest.approx(10.8e-6)}

    result = evaluate(parse_budget(budget))
    assert result.value == pytest.approx(0.0034, abs=1e-12)
    u = {c.name: c.standard_uncertainty for c in result.contributions}
    hand = {"V_ix": 2.4495e-4, "dV_res": 2.8868e-4, "V_s": 1.1375e-5, "dV_S": 8.0829e-6, "dV_T": 6.2354e-6}
    for name, expected in hand.items():
        assert u[name] == pytest.approx(expected, rel=1e-4), name
    assert result.standard_uncertainty == pytest.approx(3.7890e-4, rel=1e-4)
    assert result.effective_dof == pytest.approx(22.90, rel=1e-3)
    assert 2.0 < result.coverage_factor < 2.2  # t_95.45 %(ν = 22.9)

    point = point_result(PROC, 5.4, readings, standards, DMM)
    assert point.error == pytest.approx(0.0034) and point.mpe == pytest.approx(0.00686)


def test_the_negative_polarity_and_the_zero_point() -> None:
    """−5.4 V: the calibrator's relative terms use |V| (the same 14 µV drift and 10.8 µV temperature term as
    at +5.4 V); E = −5.3985 − (−5.4) = +1.5 mV.
    At 0 V (short): only the floor drifts, a = 1 µV × 0.5 = 0.5 µV; the temperature term is 2e-6 × 0 = 0;
    readings 0.000, 0.001, 0.000, 0.000, 0.001 → offset E = 0.4 mV."""
    neg = instantiate_budget(
        PROC,
        -5.4,
        [-5.398, -5.399, -5.398, -5.398, -5.399],
        {"calibrator": calibrator(-5.4, 22.75e-6)},
        DMM,
        {"temperature": 24.0},
    )
    by_name = {i["name"]: i for i in neg["inputs"]}
    assert by_name["dV_S"]["distribution"]["half_width"] == pytest.approx(14e-6)
    assert by_name["dV_T"]["distribution"]["half_width"] == pytest.approx(10.8e-6)
    assert evaluate(parse_budget(neg)).value == pytest.approx(0.0016, abs=1e-12)

    zero = instantiate_budget(
        PROC,
        0.0,
        [0.000, 0.001, 0.000, 0.000, 0.001],
        {"calibrator": calibrator(0.0, 1e-6)},
        DMM,
        {"temperature": 24.0},
    )
    by_name = {i["name"]: i for i in zero["inputs"]}
    assert by_name["dV_S"]["distribution"]["half_width"] == pytest.approx(0.5e-6)
    assert by_name["dV_T"]["distribution"]["half_width"] == 0.0
    assert evaluate(parse_budget(zero)).value == pytest.approx(0.0004, abs=1e-12)


def test_drift_grows_with_the_time_since_calibration() -> None:
    """Not one absolute value for every point and every day: at 3 V, 0.25 and 1 year after calibration,
    a = (5e-6 × 3 + 1e-6) × t = 16 µV × t → 4 µV and 16 µV."""
    widths = []
    for years in (0.25, 1.0):
        budget = instantiate_budget(
            PROC, 3.0, [3.001] * 5, {"calibrator": calibrator(3.0, 1.6e-5, years)}, DMM, {"temperature": 23.0}
        )
        widths.append(next(i for i in budget["inputs"] if i["name"] == "dV_S")["distribution"]["half_width"])
    assert widths == [pytest.approx(4e-6), pytest.approx(16e-6)]


def test_missing_specification_or_calibration_date_is_refused_by_name() -> None:
    bare = StandardUsed("5522A", 3.0, "V", 1.6e-5, 2.0, years_since_calibration=0.5)
    with pytest.raises(ProcedureError, match=r"characteristics.stability_relative_per_year: missing"):
        instantiate_budget(PROC, 3.0, [3.001] * 5, {"calibrator": bare}, DMM, {"temperature": 23.0})
    undated = calibrator(3.0, 1.6e-5, None)
    with pytest.raises(ProcedureError, match="the date of its calibration is needed; input dV_S"):
        instantiate_budget(PROC, 3.0, [3.001] * 5, {"calibrator": undated}, DMM, {"temperature": 23.0})


def test_guarded_statement_at_90_percent() -> None:
    """U = k·u_c ≈ 2.1 × 0.3789 mV ≈ 0.80 mV; TUR = 6.86/0.80 ≈ 8.6 ≥ 3.
    Guarded, w = U: acceptance limit 6.86 − 0.80 = 6.06 mV > E = 3.4 mV → pass."""
    readings = [5.403, 5.404, 5.403, 5.403, 5.404]
    standards = {"calibrator": calibrator(5.4, 22.75e-6)}
    result = evaluate(
        parse_budget(instantiate_budget(PROC, 5.4, readings, standards, DMM, {"temperature": 24.0}))
    )
    expanded = result.expanded_uncertainty
    assert expanded == pytest.approx(result.coverage_factor * 3.7890e-4, rel=1e-4)
    assert 0.00686 / expanded > 3
    verdict = point_result(PROC, 5.4, readings, standards, DMM, expanded_uncertainty=expanded).verdict
    assert verdict is Verdict.PASS


def test_specification_input_round_trips_through_the_file_form() -> None:
    data = template_to_dict(PROC.budget)
    again = template_from_dict(data)
    assert again == PROC.budget
    assert math.isclose(PROC.minimum_tur, 3.0)
