"""The budget a template emits for a point is one the uncertainty engine accepts as it is, for every input kind.

docs/budget-format.md: every input gives ``value`` except a ``type_a`` one, whose estimate is the mean of its
readings (JCGM 100:2008 4.2.1) and which must not give a value.
"""

from __future__ import annotations

import json
import math
import statistics
from typing import Any

import pytest

from lims.domain.budget_template import (
    SEQUENCE_SOURCES,
    InputSource,
    InstrumentUnderTest,
    PointContext,
    StandardUsed,
    instantiate,
    template_from_dict,
)
from lims.domain.uncertainty import evaluate_budget, parse_budget
from lims.domain.uncertainty.errors import BudgetFormatError

READINGS = (10.002, 10.003, 10.002, 10.002, 10.003)

#: One input per source; the fixed one's distribution is filled in per test.
INPUTS: list[dict[str, Any]] = [
    {"name": "x", "source": "readings", "role": "indication"},
    {"name": "s", "source": "standard", "standard": "ref", "role": "reference"},
    {"name": "d", "source": "standard_drift", "standard": "ref"},
    {"name": "b", "source": "standard_characteristic", "standard": "ref", "characteristic": "stability"},
    {"name": "r", "source": "resolution"},
    {
        "name": "t",
        "source": "environment",
        "quantity": "temperature",
        "reference_value": 20.0,
        "coefficient": 1e-5,
        "scale": "nominal",
    },
    # EURAMET cg-15: drift since calibration, (ppm of output + floor) per year × years
    {"name": "p", "source": "standard_specification", "standard": "ref"},
    # ISO 386 emergent stem: none recorded here (a digital indication), so 0 with u = 0
    {"name": "h", "source": "stem_correction", "coefficient": 0.00016, "stem_temperature_half_width": 2.0},
    {"name": "w", "source": "supplied"},  # e.g. a balance's eccentricity (lims.domain.weighing)
]

#: Every distribution a ``fixed`` input may give (lims.domain.budget_template.codec._fixed_distribution).
FIXED_DISTRIBUTIONS = [
    {"kind": "normal", "u": 0.0002},
    {"kind": "normal", "expanded": 0.0004, "k": 2.0},
    {"kind": "rectangular", "half_width": 0.0003},
    {"kind": "rectangular", "half_width_relative": 2e-5},
    {"kind": "triangular", "half_width": 0.0003},
    {"kind": "arcsine", "half_width": 0.0003},
    {"kind": "student_t", "scale": 0.0002, "dof": 8},
]


def _budget(fixed: dict[str, Any]) -> dict[str, Any]:
    template = template_from_dict(
        {
            "measurand": "E",
            "model": "x + h + r + b + t + w + f - s - d - p",
            "inputs": [
                *INPUTS,
                {"name": "f", "source": "fixed", "value": 0.0, "scale": "nominal", "distribution": fixed},
            ],
        }
    )
    # every kind of input is covered; the DKD-R 6-1 sources need a sequence: tests/domain/test_pressure.py
    assert {i.source for i in template.inputs} == set(InputSource) - SEQUENCE_SOURCES
    ctx = PointContext(
        nominal=10.0,
        unit="V",
        readings=READINGS,
        standards={
            "ref": StandardUsed(
                "5522A",
                10.0,
                "V",
                4e-5,
                2.0,
                drift_limit=3e-5,
                characteristics={
                    "stability": 1e-5,
                    "stability_relative_per_year": 5e-6,
                    "stability_floor_per_year": 1e-6,
                },
                years_since_calibration=0.5,
            )
        },
        instrument=InstrumentUnderTest("V", 0.0, 20.0, 0.001),
        environment={"temperature": [22.0, 23.5]},
        supplied={"w": {"value": 0.0, "distribution": {"kind": "rectangular", "half_width": 1e-5}}},
    )
    return instantiate(template, ctx)


@pytest.mark.parametrize("fixed", FIXED_DISTRIBUTIONS, ids=lambda d: "-".join(map(str, d)))
def test_every_input_kind_emits_what_the_engine_accepts(fixed: dict[str, Any]) -> None:
    budget = _budget(fixed)
    assert json.loads(json.dumps(budget)) == budget
    by_name = {i["name"]: i for i in budget["inputs"]}
    # Type A: the readings and nothing else; the engine takes their mean (JCGM 100:2008 4.2.1).
    assert by_name["x"] == {
        "name": "x",
        "unit": "V",
        "distribution": {"kind": "type_a", "readings": list(READINGS)},
    }
    assert all("value" in i for name, i in by_name.items() if name != "x")

    spec = parse_budget(budget)  # refuses a type_a input that gives a value (docs/budget-format.md)
    assert [q.name for q in spec.inputs] == ["x", "s", "d", "b", "r", "t", "p", "h", "w", "f"]
    result = evaluate_budget(spec).propagation
    # E = x̄ − s with every other estimate 0: 10.0024 − 10.0 V
    assert result.value == pytest.approx(statistics.fmean(READINGS) - 10.0, abs=1e-12)
    # u(x) = s/√n (JCGM 100:2008 4.2.3), the largest contribution here
    u_x = statistics.stdev(READINGS) / math.sqrt(len(READINGS))
    assert u_x < result.standard_uncertainty < 2 * u_x
    assert result.effective_dof < math.inf


def test_the_engine_refuses_a_value_on_a_type_a_input() -> None:
    """The reason the template leaves it out: a copied mean could only disagree with the readings."""
    budget = _budget(FIXED_DISTRIBUTIONS[0])
    budget["inputs"][0]["value"] = statistics.fmean(READINGS)
    with pytest.raises(BudgetFormatError, match=r"inputs\[0\]\.value.*type_a"):
        parse_budget(budget)


def test_an_input_description_may_be_given_in_both_languages() -> None:
    """A procedure file names each input in Vietnamese and English (``{"vi": ..., "en": ...}``); an older
    file's plain text is English and is shown in both languages; the pair survives a round trip."""
    import unicodedata

    from lims.domain.budget_template import BudgetError, template_to_dict

    decomposed = unicodedata.normalize("NFD", "Độ phân giải của phương tiện đo")
    template = template_from_dict(
        {
            "measurand": "E",
            "model": "x + r - s",
            "inputs": [
                {"name": "x", "source": "readings", "role": "indication", "description": "indication"},
                {"name": "r", "source": "resolution", "description": {"vi": decomposed, "en": "resolution"}},
                {"name": "s", "source": "standard", "standard": "ref", "role": "reference"},
            ],
        }
    )
    x, r, _s = template.inputs
    assert (x.describe("vi"), x.describe("en")) == ("indication", "indication")
    assert r.describe("vi") == "Độ phân giải của phương tiện đo"  # kept in NFC
    assert r.describe("vi") == unicodedata.normalize("NFC", r.describe("vi"))
    assert r.describe("en") == "resolution"
    assert template_from_dict(template_to_dict(template)) == template
    with pytest.raises(BudgetError, match=r"description: expected a text or"):
        template_from_dict(
            {
                "measurand": "E",
                "model": "x",
                "inputs": [
                    {"name": "x", "source": "readings", "role": "indication", "description": {"fr": "x"}}
                ],
            }
        )
