"""CAL-TH-BATH 2.0: comparison with a reference SPRT and its readout in a stirred liquid bath (DKD-R 5-1:2018,
from memory), with the ISO 386 emergent-stem correction, self-heating, the bath's stability and uniformity and
the bath's usable range. Every number is worked by hand below; the engine (GUM 5.1.2, G.4.1) must agree.
"""

from __future__ import annotations

import math

import pytest

from lims.domain.procedure_files import find_procedure, load_procedures
from lims.domain.procedures import (
    InstrumentUnderTest,
    OutsideUsableRange,
    ProcedureError,
    StandardUsed,
    instantiate_budget,
    point_result,
)
from lims.domain.uncertainty import parse_budget, propagate

PROC = find_procedure(load_procedures(), "CAL-TH-BATH", "2.0")
DIGITAL = InstrumentUnderTest("°C", -50.0, 150.0, 0.1)  # Pt100 probe with its own indicator
MERCURY = InstrumentUnderTest("°C", -10.0, 110.0, 0.1)  # total-immersion mercury-in-glass, 0.2 °C divisions


def standards(
    reference: float, *, bath_range: tuple[float, float] | None = (-40.0, 150.0)
) -> dict[str, StandardUsed]:
    low, high = bath_range if bath_range is not None else (None, None)
    return {
        "reference": StandardUsed(
            "SPRT 5681",
            reference,
            "°C",
            0.020,
            2.0,
            drift_limit=0.010,
            characteristics={"self_heating": 0.001},
        ),
        "readout": StandardUsed(
            "readout 1594A", reference, "°C", 0.0, 2.0, characteristics={"readout_equivalent": 0.001}
        ),
        "bath": StandardUsed(
            "oil bath 7340",
            reference,
            "°C",
            0.0,
            2.0,
            characteristics={"stability": 0.005, "uniformity": 0.010},
            range_min=low,
            range_max=high,
        ),
    }


def u_of(budget: dict, name: str) -> float:
    result = propagate(parse_budget(budget))
    return next(c.standard_uncertainty for c in result.contributions if c.name == name)


def test_every_input_the_method_names_is_in_the_budget() -> None:
    assert PROC.usable_range == ("bath",)
    assert set(PROC.standards) == {"reference", "readout", "bath"}
    names = [i.name for i in PROC.budget.inputs]
    assert names == ["t_ix", "dt_stem", "dt_res", "t_ref", "dt_D", "dt_RO", "dt_SH", "dt_stab", "dt_unif"]


def test_digital_thermometer_at_50_c() -> None:
    """Pt100 digital thermometer, resolution 0.1 °C, at 50 °C; no emergent stem (dt_stem = 0, u = 0).

    u(t_ix)   = s/√5, readings 50.1, 50.2, 50.1, 50.1, 50.2: s = 0.054772 → 0.024495 °C, ν = 4
    u(δt_res) = 0.05/√3 = 0.028868 °C
    u(t_ref)  = 0.020/2 = 0.010 °C (SPRT certificate at the point of use)
    u(δt_D)   = 0.010/√3 = 0.0057735 °C (SPRT drift)
    u(δt_RO)  = 0.001/√3 = 0.00057735 °C (readout's certificate as a temperature equivalent)
    u(δt_SH)  = 0.001/√3 = 0.00057735 °C (self-heating)
    u(δt_stab)= 0.005/√3 = 0.0028868 °C;  u(δt_unif) = 0.010/√3 = 0.0057735 °C
    u_c² = 0.024495² + 0.028868² + 0.010² + 0.0057735² + 2 × 0.00057735² + 0.0028868² + 0.0057735²
         = 0.00060000 + 0.00083333 + 0.00010000 + 0.000033333 + 0.00000066667 + 0.0000083333 + 0.000033333
         = 0.0016090 °C² → u_c = 0.040112 °C
    ν_eff = 0.0016090² / (0.00060000²/4) = 2.5889e-6 / 9.0e-8 = 28.8
    E = 50.14 − 50.012 = 0.128 °C.
    """
    budget = instantiate_budget(PROC, 50.0, [50.1, 50.2, 50.1, 50.1, 50.2], standards(50.012), DIGITAL, {})
    stem = next(i for i in budget["inputs"] if i["name"] == "dt_stem")
    assert stem["value"] == 0.0 and stem["distribution"] == {"kind": "normal", "u": 0.0}
    result = propagate(parse_budget(budget))
    assert result.value == pytest.approx(0.128, abs=1e-12)
    assert result.standard_uncertainty == pytest.approx(0.040112, rel=1e-4)
    assert result.effective_dof == pytest.approx(28.8, rel=2e-3)
    assert u_of(budget, "dt_SH") == pytest.approx(0.00057735, rel=1e-4)
    assert u_of(budget, "dt_RO") == pytest.approx(0.00057735, rel=1e-4)
    assert result.coverage_factor < 3


def test_mercury_in_glass_with_emergent_stem_at_100_c() -> None:
    """Total-immersion mercury-in-glass thermometer immersed to the 40 °C mark at 100 °C: n = 60 °C of
    column emerge, their mean temperature t2 = 30 °C (auxiliary thermometer, ±2 K); t1 = 100 °C (bath).

    Δt = k·n·(t1 − t2) = 0.00016 × 60 × (100 − 30) = 0.672 °C (ISO 386; the reading is low by that much)
    u(Δt)² = (k·n·2/√3)² + (0.672 × 10 %)² = 0.011085² + 0.0672² → u = 0.068108 °C
    E = (99.34 + 0.672) − 99.985 = 0.027 °C: the error at total immersion.
    """
    readings = [99.3, 99.4, 99.3, 99.4, 99.3]  # mean 99.34
    env = {"emergent_column": 60.0, "stem_temperature": [29.5, 30.5]}
    budget = instantiate_budget(PROC, 100.0, readings, standards(99.985), MERCURY, env)
    stem = next(i for i in budget["inputs"] if i["name"] == "dt_stem")
    assert stem["value"] == pytest.approx(0.672)
    assert stem["distribution"]["u"] == pytest.approx(0.068108, rel=1e-4)
    result = propagate(parse_budget(budget))
    assert result.value == pytest.approx(0.027, abs=1e-9)
    # without the correction the indication alone gives −0.645 °C
    assert point_result(PROC, 100.0, readings, standards(99.985), MERCURY).error == pytest.approx(-0.645)
    assert u_of(budget, "dt_stem") == pytest.approx(0.068108, rel=1e-4)


def test_partial_immersion_thermometer_against_its_rated_stem_temperature() -> None:
    """A partial-immersion thermometer graduated for a mean stem temperature t1 = 25 °C, used with
    t2 = 30 °C over n = 60 °C: Δt = 0.00016 × 60 × (25 − 30) = −0.048 °C."""
    env = {"emergent_column": 60.0, "stem_temperature": 30.0, "stem_reference_temperature": 25.0}
    budget = instantiate_budget(PROC, 75.0, [75.1] * 5, standards(75.0), MERCURY, env)
    stem = next(i for i in budget["inputs"] if i["name"] == "dt_stem")
    assert stem["value"] == pytest.approx(-0.048)
    # u² = (0.00016 × 60 × 2/√3)² + (0.048 × 0.1)²
    assert stem["distribution"]["u"] == pytest.approx(math.hypot(0.0096 * 2 / math.sqrt(3), 0.0048), rel=1e-9)


def test_emergent_column_without_its_temperature_is_refused() -> None:
    with pytest.raises(ProcedureError, match=r"environment.stem_temperature: not recorded; input dt_stem"):
        instantiate_budget(PROC, 50.0, [50.1] * 5, standards(50.0), MERCURY, {"emergent_column": 40.0})


def test_a_point_outside_the_bath_range_is_refused_at_the_bench() -> None:
    """The bath works from −40 °C to 150 °C: a 180 °C point of a thermometer ranging to 200 °C is refused,
    and so is a bath whose usable range was never recorded."""
    wide = InstrumentUnderTest("°C", -50.0, 200.0, 0.1)
    with pytest.raises(
        OutsideUsableRange, match=r"test point 180 °C is outside the usable range of oil bath"
    ):
        instantiate_budget(PROC, 180.0, [180.1] * 5, standards(180.0), wide, {})
    with pytest.raises(OutsideUsableRange):
        point_result(PROC, 180.0, [180.1] * 5, standards(180.0), wide)
    with pytest.raises(ProcedureError, match=r"needs the usable range of oil bath 7340"):
        instantiate_budget(PROC, 50.0, [50.1] * 5, standards(50.0, bath_range=None), DIGITAL, {})
    # the end of the range itself is usable
    instantiate_budget(PROC, 150.0, [150.1] * 5, standards(150.0), wide, {})


def test_missing_self_heating_is_named() -> None:
    data = standards(50.0)
    data["reference"] = StandardUsed("SPRT 5681", 50.0, "°C", 0.02, 2.0)
    with pytest.raises(ProcedureError, match=r"standards.reference.characteristics.self_heating: missing"):
        instantiate_budget(PROC, 50.0, [50.1] * 5, data, DIGITAL, {})
