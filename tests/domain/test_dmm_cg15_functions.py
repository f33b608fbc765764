"""CAL-DMM-DCI, CAL-DMM-ACV and CAL-DMM-R 1.0 (EURAMET cg-15): the other functions of a DMM with the budget
machinery of CAL-DMM-DCV 2.0, each checked against a hand calculation written out below.

The engine's own figures (GUM 5.1.2 for u_c, G.4.1 Welch–Satterthwaite for ν_eff, k from t at 95.45 %) are
compared with the arithmetic, and U is rounded to two significant digits by the one rounding of the
certificates (:func:`certificates.metrology.round_uncertainty`, GUM 7.2.6).
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from certificates.metrology import round_uncertainty
from lims.domain import standard_choice as sc
from lims.domain.budget_template import template_from_dict, template_to_dict
from lims.domain.calibration_points import CalibrationPoint, uncertainty_at
from lims.domain.capability import CmcEntry, unrealisable_points
from lims.domain.procedure_files import find_procedure, load_procedures
from lims.domain.procedures import (
    InstrumentUnderTest,
    ProcedureError,
    StandardUsed,
    instantiate_budget,
    point_result,
)
from lims.domain.test_points import TestPointError, rule_from_dict, rule_to_dict
from lims.domain.uncertainty import parse_budget
from lims.domain.uncertainty import propagate as evaluate
from lims.domain.unit_conversion import convert_value
from lims.services.demo import jobs as demo_jobs
from lims.services.demo import seed as demo_seed
from lims.services.demo import traceability as demo_traceability

PROCEDURES = load_procedures()
DCI = find_procedure(PROCEDURES, "CAL-DMM-DCI", "1.0")
ACV = find_procedure(PROCEDURES, "CAL-DMM-ACV", "1.0")
RES = find_procedure(PROCEDURES, "CAL-DMM-R", "1.0")
#: the demo calibrator's specification per function (lims/services/demo/seed.py)
SPEC = demo_seed.CALIBRATOR_SPECIFICATION
LAB = {"temperature": 24.0, "humidity": 50.0}


def calibrator(value: float, unit: str, expanded: float) -> StandardUsed:
    return StandardUsed(
        "Fluke 5522A", value, unit, expanded, 2.0, characteristics=SPEC, years_since_calibration=0.5
    )


def u_by_name(result: object) -> dict[str, float]:
    return {c.name: c.standard_uncertainty for c in result.contributions}  # type: ignore[attr-defined]


def test_the_new_procedures_load_validate_and_cite_cg15() -> None:
    """Each loads from its file, validates, names EURAMET cg-15 with its clause, keeps its budget through the
    file form, and needs the calibrator's own specification for its function (not the DC voltage one)."""
    for proc, spec in ((DCI, "dc_current"), (ACV, "ac_voltage"), (RES, "resistance")):
        assert (
            proc.version == "1.0" and proc.kind.value == "calibration" and proc.standards == ("calibrator",)
        )
        assert any("Calibration Guide No. 15" in s and "section 3.4" in s for s in proc.sources), proc.code
        assert proc.title_vi.startswith("Đồng hồ vạn năng hiện số") and "EURAMET cg-15" in proc.title_vi
        assert template_from_dict(template_to_dict(proc.budget)) == proc.budget
        drift = next(i for i in proc.budget.inputs if i.source.value == "standard_specification")
        assert drift.specification == spec and drift.floor_unit == proc.unit
    assert rule_from_dict(rule_to_dict(ACV.test_points)) == ACV.test_points
    with pytest.raises(TestPointError, match=r"points\[1\]: 90 % at 50 Hz is listed twice"):
        rule_from_dict(
            {
                "kind": "percent_of_full_scale_at_frequency",
                "points": [{"percent": 90, "frequency_hz": 50}, {"percent": 90, "frequency_hz": 50}],
            }
        )


def test_points_and_units_of_each_function() -> None:
    """DC current: the 10 mA range recorded in mA becomes −0.01 A … 0.01 A (pint, not refused), points 0 (open
    input), ±… % in A. AC voltage: 10/50/90 % at 1 kHz and 90 % at 50 Hz and 10 kHz on the 10 V range, the
    same value at two frequencies being two points. Resistance: the 10 kΩ range in kΩ → 0, 1, 5, 9 kΩ in Ω."""
    ma = InstrumentUnderTest("A", -0.01, 0.01, 1e-8)
    assert DCI.points_for(ma) == (0.0, 0.001, 0.005, 0.009, -0.009)
    volts = InstrumentUnderTest("V", 0.0, 10.0, 1e-5)
    assert ACV.points_for(volts) == (1.0, 5.0, 9.0, 9.0, 9.0)
    assert ACV.frequencies_for(ACV.points_for(volts)) == (1000.0, 1000.0, 1000.0, 50.0, 10000.0)
    assert RES.points_for(InstrumentUnderTest("Ω", 0.0, 10000.0, 0.01)) == (0.0, 1000.0, 5000.0, 9000.0)
    assert DCI.frequencies_for((0.009,)) == (None,)
    # an AC point needs its frequency; a DC point refuses one
    with pytest.raises(ProcedureError, match="AC procedure, give the point's frequency"):
        instantiate_budget(ACV, 9.0, [9.0] * 5, {"calibrator": calibrator(9.0, "V", 7.2e-4)}, volts, LAB)
    with pytest.raises(ProcedureError, match="DC procedure, a point has no frequency"):
        instantiate_budget(
            DCI,
            0.009,
            [0.009] * 5,
            {"calibrator": calibrator(0.009, "A", 3.6e-7)},
            ma,
            LAB,
            frequency_hz=50.0,
        )


def test_dc_current_at_90_percent_of_the_10_ma_range() -> None:
    """+9 mA on the 10 mA range of a 6½-digit DMM (resolution 10 nA), calibrator 0.5 year after its calibration
    (DC current 40·10⁻⁶/year of output + 10 nA/year), lab at 24.0 °C. Sensitivity coefficients: +1 for I_ix
    and δI_res, −1 for I_s, δI_S, δI_T (E = I_ix + δI_res − I_s − δI_S − δI_T).

    u(I_ix)  = s/√5, readings 9.00012, 9.00013, 9.00012, 9.00012, 9.00013 mA: mean 9.000124 mA,
               s = √((3 × 0.004² + 2 × 0.006²)/4) µA = √0.3 × 10 nA = 5.4772 nA → 2.4495 nA, ν = 4
    u(δI_res) = (10 nA/2)/√3 = 2.8868 nA
    u(I_s)   = U/k at 9 mA from the calibrator's certificate, between 1 mA (40 nA) and 10 mA (400 nA):
               40 + (9 − 1)/(10 − 1) × 360 = 360 nA → /2 = 180 nA
    u(δI_S)  = a/√3, a = (40·10⁻⁶ × 9 mA + 10 nA) × 0.5 = (360 + 10) nA × 0.5 = 185 nA → 106.81 nA
    u(δI_T)  = a/√3, a = 5·10⁻⁶/K × 1 K × 9 mA = 45 nA → 25.981 nA
    u_c² = 2.4495² + 2.8868² + 180² + 106.81² + 25.981² (nA²) = 6.0 + 8.333 + 32 400 + 11 408.3 + 675.0
         = 44 497.7 nA² → u_c = 210.94 nA
    ν_eff = u_c⁴/(u_A⁴/4) = 44 497.7²/(6.0²/4) = 2.2·10⁸ → k = 2.00; U = 2 × 210.94 = 421.9 nA → 0.42 µA
    E = 9.000124 − 9 mA = +0.124 µA; MPE = 0.05 % × 9 mA + 200 × 10 nA = 4.5 + 2.0 = 6.5 µA; TUR = 15.
    """
    readings = [0.00900012, 0.00900013, 0.00900012, 0.00900012, 0.00900013]
    # the certificate's U at the setting, by the one interpolation the bench uses (in A, DC points only)
    certificate = [CalibrationPoint(i, "A", u) for i, u in ((0.001, 4e-8), (0.01, 4e-7))]
    certificate.append(
        CalibrationPoint(0.009, "A", 1e-3, frequency_hz=1000.0)
    )  # an AC point: never used for DC
    expanded = uncertainty_at(certificate, 0.009, "A")
    assert expanded == pytest.approx(3.6e-7, rel=1e-12)
    standards = {"calibrator": calibrator(0.009, "A", expanded)}
    dmm = InstrumentUnderTest("A", -0.01, 0.01, 1e-8)
    budget = instantiate_budget(DCI, 0.009, readings, standards, dmm, LAB)
    assert [i["name"] for i in budget["inputs"]] == ["I_ix", "dI_res", "I_s", "dI_S", "dI_T"]
    result = evaluate(parse_budget(budget))
    assert result.value == pytest.approx(1.24e-7, abs=1e-15)
    assert {c.name: c.sensitivity_coefficient for c in result.contributions} == {
        "I_ix": 1.0,
        "dI_res": 1.0,
        "I_s": -1.0,
        "dI_S": -1.0,
        "dI_T": -1.0,
    }
    hand = {"I_ix": 2.4495e-9, "dI_res": 2.8868e-9, "I_s": 1.8e-7, "dI_S": 1.0681e-7, "dI_T": 2.5981e-8}
    for name, expected in hand.items():
        assert u_by_name(result)[name] == pytest.approx(expected, rel=1e-4), name
    assert result.standard_uncertainty == pytest.approx(2.1094e-7, rel=1e-4)
    assert result.effective_dof == pytest.approx(2.2e8, rel=1e-3)
    assert result.coverage_factor == pytest.approx(2.00, abs=0.005)
    assert round_uncertainty(Decimal(repr(result.expanded_uncertainty))) == Decimal("4.2E-7")
    point = point_result(
        DCI, 0.009, readings, standards, dmm, expanded_uncertainty=result.expanded_uncertainty
    )
    assert point.error == pytest.approx(1.24e-7) and point.mpe == pytest.approx(6.5e-6)
    assert point.verdict is not None and point.verdict.value == "pass"


def test_ac_voltage_at_9_v_10_khz_takes_the_wider_band_on_the_edge() -> None:
    """9 V at 10 kHz on the 10 V AC range (resolution 10 µV), calibrator 0.5 year after its calibration, lab at
    24.0 °C. 10 kHz ends the 45 Hz – 10 kHz band (100·10⁻⁶ + 50 µV per year) and starts the 10 kHz – 20 kHz
    band (150·10⁻⁶ + 50 µV per year): the wider applies. Sensitivities +1 (V_ix, δV_res), −1 (V_s, δV_S, δV_T).

    u(V_ix)  = s/√5, readings 9.00231, 9.00233, 9.00232, 9.00231, 9.00233 V: mean 9.00232 V,
               s = √((2 × 10² + 2 × 10²)/4) µV = 10 µV → 4.4721 µV, ν = 4
    u(δV_res) = (10 µV/2)/√3 = 2.8868 µV
    u(V_s)   = U/k at 9 V and 10 kHz from the certificate's 10 kHz points, 1 V (100 µV) and 10 V (1 mV):
               0.1 + (8/9) × 0.9 = 0.9 mV → /2 = 0.45 mV (the 1 kHz points are not used)
    u(δV_S)  = a/√3, a = (150·10⁻⁶ × 9 V + 50 µV) × 0.5 = (1.35 + 0.05) mV × 0.5 = 0.70 mV → 0.40415 mV
               (the lower band would give (0.9 + 0.05) × 0.5 = 0.475 mV)
    u(δV_T)  = a/√3, a = 5·10⁻⁶/K × 1 K × 9 V = 45 µV → 25.981 µV
    u_c² = 4.4721² + 2.8868² + 450² + 404.15² + 25.981² (µV²) = 20.0 + 8.33 + 202 500 + 163 333.3 + 675.0
         = 366 536.7 µV² → u_c = 0.60542 mV
    ν_eff = 366 536.7²/(20.0²/4) = 1.3·10⁹ → k = 2.00; U = 1.2108 mV → 1.2 mV
    E = 9.00232 − 9 = +2.32 mV; MPE = 0.06 % × 9 V + 300 × 10 µV = 5.4 + 3.0 = 8.4 mV; TUR = 7.
    """
    readings = [9.00231, 9.00233, 9.00232, 9.00231, 9.00233]
    certificate = [
        CalibrationPoint(*p)
        for p in (
            (1.0, "V", 8e-5, 2.0, None, 1000.0),
            (10.0, "V", 8e-4, 2.0, None, 1000.0),
            (1.0, "V", 1e-4, 2.0, None, 10000.0),
            (10.0, "V", 1e-3, 2.0, None, 10000.0),
        )
    ]
    expanded = uncertainty_at(certificate, 9.0, "V", frequency_hz=10000.0)
    assert expanded == pytest.approx(9e-4, rel=1e-12)
    assert uncertainty_at(certificate, 9.0, "V", frequency_hz=1000.0) == pytest.approx(7.2e-4, rel=1e-12)
    assert uncertainty_at(certificate, 9.0, "V", frequency_hz=20000.0) is None  # never across frequencies
    standards = {"calibrator": calibrator(9.0, "V", expanded)}
    dmm = InstrumentUnderTest("V", 0.0, 10.0, 1e-5)
    budget = instantiate_budget(ACV, 9.0, readings, standards, dmm, LAB, frequency_hz=10000.0)
    drift = next(i for i in budget["inputs"] if i["name"] == "dV_S")
    assert drift["distribution"]["half_width"] == pytest.approx(7e-4)
    result = evaluate(parse_budget(budget))
    assert result.value == pytest.approx(0.00232, abs=1e-12)
    hand = {"V_ix": 4.4721e-6, "dV_res": 2.8868e-6, "V_s": 4.5e-4, "dV_S": 4.0415e-4, "dV_T": 2.5981e-5}
    for name, expected in hand.items():
        assert u_by_name(result)[name] == pytest.approx(expected, rel=1e-4), name
    assert result.standard_uncertainty == pytest.approx(6.0542e-4, rel=1e-4)
    assert result.effective_dof == pytest.approx(1.3435e9, rel=1e-3)
    assert result.coverage_factor == pytest.approx(2.00, abs=0.005)
    assert round_uncertainty(Decimal(repr(result.expanded_uncertainty))) == Decimal("0.0012")
    point = point_result(ACV, 9.0, readings, standards, dmm, frequency_hz=10000.0)
    assert point.error == pytest.approx(0.00232) and point.mpe == pytest.approx(0.0084)
    # at 50 Hz the 10 Hz – 45 Hz band does not hold the point, the 45 Hz – 10 kHz band does: (0.9 + 0.05) × 0.5
    at_50 = instantiate_budget(ACV, 9.0, readings, standards, dmm, LAB, frequency_hz=50.0)
    assert next(i for i in at_50["inputs"] if i["name"] == "dV_S")["distribution"][
        "half_width"
    ] == pytest.approx(4.75e-4)
    # a frequency no band of the calibrator's specification holds is refused by name
    with pytest.raises(ProcedureError, match="no ac_voltage band holds 200000 Hz"):
        instantiate_budget(ACV, 9.0, readings, standards, dmm, LAB, frequency_hz=200000.0)


def test_resistance_at_9_kohm_4_wire_and_the_2_wire_lead_residual() -> None:
    """9 kΩ on the 10 kΩ range (resolution 0.01 Ω), 4-wire, calibrator 0.5 year after its calibration
    (resistance 20·10⁻⁶/year of value + 1 mΩ/year), lab at 24.0 °C. Sensitivities +1 (R_ix, δR_res), −1 (R_s,
    δR_S, δR_T, δR_lead).

    u(R_ix)  = s/√5, readings 9000.52, 9000.53, 9000.52, 9000.52, 9000.53 Ω: mean 9000.524 Ω,
               s = √0.3 × 0.01 Ω = 5.4772 mΩ → 2.4495 mΩ, ν = 4
    u(δR_res) = (0.01 Ω/2)/√3 = 2.8868 mΩ
    u(R_s)   = U/k at 9 kΩ between 1 kΩ (0.02 Ω) and 10 kΩ (0.2 Ω): 0.02 + (8/9) × 0.18 = 0.18 Ω → 0.09 Ω
    u(δR_S)  = a/√3, a = (20·10⁻⁶ × 9000 Ω + 1 mΩ) × 0.5 = 0.181 × 0.5 = 0.0905 Ω → 52.250 mΩ
    u(δR_T)  = a/√3, a = 3·10⁻⁶/K × 1 K × 9000 Ω = 0.027 Ω → 15.588 mΩ
    u(δR_lead) = 0 (4-wire: no lead residual recorded)
    u_c² = 2.4495² + 2.8868² + 90² + 52.250² + 15.588² (mΩ²) = 6.0 + 8.33 + 8100 + 2730.1 + 243.0 = 11 087.4 mΩ²
         → u_c = 105.30 mΩ; ν_eff = 11 087.4²/(6.0²/4) = 1.37·10⁷ → k = 2.00; U = 0.21059 Ω → 0.21 Ω
    E = 9000.524 − 9000 = +0.524 Ω; MPE = 0.01 % × 9000 Ω + 10 × 0.01 Ω = 0.9 + 0.1 = 1.0 Ω; TUR = 4.8.
    2-wire after nulling on the short, 0.02 Ω left: δR_lead rectangular, a = 0.02 Ω → u = 11.547 mΩ.
    """
    readings = [9000.52, 9000.53, 9000.52, 9000.52, 9000.53]
    expanded = uncertainty_at(
        [CalibrationPoint(1000.0, "Ω", 0.02), CalibrationPoint(10.0, "kΩ", 0.0002)], 9000.0, "Ω"
    )  # a certificate point in kΩ is converted (pint), not skipped
    assert expanded == pytest.approx(0.18, rel=1e-12)
    standards = {"calibrator": calibrator(9000.0, "Ω", expanded)}
    dmm = InstrumentUnderTest("Ω", 0.0, 10000.0, 0.01)
    budget = instantiate_budget(RES, 9000.0, readings, standards, dmm, LAB)
    result = evaluate(parse_budget(budget))
    assert result.value == pytest.approx(0.524, abs=1e-9)
    hand = {
        "R_ix": 2.4495e-3,
        "dR_res": 2.8868e-3,
        "R_s": 0.09,
        "dR_S": 5.2250e-2,
        "dR_T": 1.5588e-2,
        "dR_lead": 0.0,
    }
    for name, expected in hand.items():
        assert u_by_name(result)[name] == pytest.approx(expected, rel=1e-4, abs=1e-15), name
    assert result.standard_uncertainty == pytest.approx(0.10530, rel=1e-4)
    assert result.effective_dof == pytest.approx(1.3659e7, rel=1e-3)
    assert round_uncertainty(Decimal(repr(result.expanded_uncertainty))) == Decimal("0.21")
    point = point_result(
        RES, 9000.0, readings, standards, dmm, expanded_uncertainty=result.expanded_uncertainty
    )
    assert point.error == pytest.approx(0.524) and point.mpe == pytest.approx(1.0)
    two_wire = instantiate_budget(RES, 9000.0, readings, standards, dmm, {**LAB, "lead_resistance": 0.02})
    lead = u_by_name(evaluate(parse_budget(two_wire)))["dR_lead"]
    assert lead == pytest.approx(0.02 / math.sqrt(3), rel=1e-9)
    # the zero test (input short-circuited): only the floor drifts, a = 1 mΩ × 0.5
    zero = instantiate_budget(
        RES, 0.0, [0.0, 0.01, 0.0, 0.0, 0.01], {"calibrator": calibrator(0.0, "Ω", 5e-4)}, dmm, LAB
    )
    assert next(i for i in zero["inputs"] if i["name"] == "dR_S")["distribution"][
        "half_width"
    ] == pytest.approx(5e-4)


def test_demo_cmc_rows_of_the_new_functions_are_not_smaller_than_the_calibrator_realises() -> None:
    """Each CMC row of the three procedures against the demo calibrator's certificate (U at every point the row
    covers; an AC row at every frequency the certificate states)."""
    certificate = tuple(
        CalibrationPoint(row[0], row[1], row[2], 2.0, None, row[3] if len(row) == 4 else None)  # type: ignore[misc]
        for row in demo_traceability.CALIBRATOR
    )
    rows = [r for r in demo_jobs.CMC if r[4]["procedure_code"] in demo_jobs.AUTHORISED_ONLY]
    assert {r[4]["procedure_code"] for r in rows} == {"CAL-DMM-DCI", "CAL-DMM-ACV", "CAL-DMM-R"}
    for quantity, unit, low, high, extra in rows:
        entry = CmcEntry(quantity, unit, float(low), float(high), a=float(extra["a"]), b=float(extra["b"]))
        assert unrealisable_points(entry, [("CDL-DI-001", certificate)]) == [], (quantity, low, high)
    # the AC row is judged at the 50 Hz and 10 kHz points too: a row fitted to 1 kHz only would be refused
    tight = CmcEntry("AC voltage", "V", 0.1, 100.0, a=2e-5, b=8e-5)
    refused = unrealisable_points(tight, [("CDL-DI-001", certificate)])
    assert refused and {p.value for p in refused} >= {10.0}


def test_the_bench_offers_a_calibrator_for_a_function_only_with_its_specification_and_range() -> None:
    """A multifunction calibrator recorded in V serves a current job by the range its certificate covers in A;
    without its AC specification (bands) it is not offered for AC voltage, and the page can name what lacks."""

    def candidate(keys: set[str]) -> sc.Candidate:
        return sc.Candidate(
            "CDL-DI-001",
            "electrical",
            "V",
            True,
            date(2027, 1, 1),
            -1020.0,
            1020.0,
            frozenset(keys),
            True,
            (("V", -1000.0, 1000.0), ("A", -10.0, 10.0)),
        )

    full = candidate(set(SPEC))
    on = date(2026, 12, 6)
    for proc, points, unit in ((DCI, [0.0, 0.009, -0.009], "A"), (ACV, [1.0, 9.0], "V")):
        needs = sc.role_needs(proc.budget)["calibrator"]
        assert (
            sc.why_not(
                full, needs, quantity="electrical", on=on, points=points, unit=unit, convert=convert_value
            )
            is None
        )
    beyond = sc.why_not(
        full,
        sc.role_needs(DCI.budget)["calibrator"],
        quantity="electrical",
        on=on,
        points=[20.0],
        unit="A",
        convert=convert_value,
    )
    assert beyond is not None and beyond.params["high"] == "10" and beyond.params["unit"] == "A"
    dc_only = candidate({"stability_relative_per_year", "stability_floor_per_year"})
    lacking = sc.why_not(
        dc_only,
        sc.role_needs(ACV.budget)["calibrator"],
        quantity="electrical",
        on=on,
        points=[1.0],
        unit="V",
        convert=convert_value,
    )
    assert lacking is not None
    assert lacking.missing == ("ac_voltage_relative_per_year", "ac_voltage_floor_per_year")
    assert all(name in sc.CHARACTERISTIC_LABELS for name in lacking.missing)
