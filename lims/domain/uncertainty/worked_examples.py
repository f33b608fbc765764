"""Published worked examples of uncertainty evaluation, as budgets in the format of docs/budget-format.md.

The same data serve the unit tests (tests/domain/test_worked_examples.py) and the built-in validation of
``lims validate`` (ISO/IEC 17025:2017 7.11.2), so the command does not depend on the test suite.

- JCGM 100:2008 Annex H.1: calibration of an end gauge of nominal length 50 mm (Table H.1, H.1.5–H.1.7).
- EA-4/02 M:1999 Supplement 1 examples S2 (10 kg weight), S3 (10 kΩ resistor), S4 (50 mm gauge block).
- JCGM 101:2008 9.2 (additive model, Tables 2–4) and 9.3 (mass calibration, Table 6).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "END_GAUGE",
    "GAUGE_BLOCK_50MM",
    "MASS_CALIBRATION",
    "RESISTOR_10KOHM",
    "WEIGHT_10KG",
    "additive",
]

# JCGM 100:2008 Annex H.1: calibration of an end gauge, 50 mm nominal, Table H.1 and H.1.6.
END_GAUGE: dict[str, Any] = {
    "measurand": {"name": "l", "unit": "mm"},
    "model": "l_S + d_mean + d_1 + d_2 - l_S * (d_alpha * (theta_mean + Delta) + alpha_S * d_theta)",
    "coverage_probability": 0.99,
    "inputs": [
        {
            "name": "l_S",
            "value": 50.000623,
            "unit": "mm",
            "distribution": {"kind": "normal", "u": 25e-6},
            "dof": 18,
        },
        {
            "name": "d_mean",
            "value": 215e-6,
            "unit": "mm",
            "distribution": {"kind": "normal", "u": 5.8e-6},
            "dof": 24,
        },
        {"name": "d_1", "value": 0, "unit": "mm", "distribution": {"kind": "normal", "u": 3.9e-6}, "dof": 5},
        {"name": "d_2", "value": 0, "unit": "mm", "distribution": {"kind": "normal", "u": 6.7e-6}, "dof": 8},
        {
            "name": "alpha_S",
            "value": 11.5e-6,
            "unit": "1/°C",
            "distribution": {"kind": "rectangular", "half_width": 2e-6},
        },
        {"name": "theta_mean", "value": -0.1, "unit": "°C", "distribution": {"kind": "normal", "u": 0.2}},
        {"name": "Delta", "value": 0, "unit": "°C", "distribution": {"kind": "arcsine", "half_width": 0.5}},
        {
            "name": "d_alpha",
            "value": 0,
            "unit": "1/°C",
            "distribution": {"kind": "rectangular", "half_width": 1e-6},
            "dof": 50,
        },
        {
            "name": "d_theta",
            "value": 0,
            "unit": "°C",
            "distribution": {"kind": "rectangular", "half_width": 0.05},
            "dof": 2,
        },
    ],
}

# EA-4/02 S2: weight of nominal value 10 kg.
WEIGHT_10KG: dict[str, Any] = {
    "measurand": {"name": "m_X", "unit": "g"},
    "model": "m_S + dm_D + dm + dm_C + dB",
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
        {
            "name": "dm",
            "unit": "g",
            "distribution": {"kind": "type_a", "readings": [0.010, 0.030, 0.020], "pooled_sd": 0.025},
        },
        {
            "name": "dm_C",
            "value": 0,
            "unit": "g",
            "distribution": {"kind": "rectangular", "half_width": 0.010},
        },
        {"name": "dB", "value": 0, "unit": "g", "distribution": {"kind": "rectangular", "half_width": 0.010}},
    ],
}

# JCGM 101:2008 9.3: mass calibration (buoyancy correction).
MASS_CALIBRATION: dict[str, Any] = {
    "measurand": {"name": "dm", "unit": "mg"},
    "model": "(m_Rc + dm_Rc) * (1 + (rho_a - 1.2) * (1 / rho_W - 1 / rho_R)) - 100000",
    "coverage_probability": 0.95,
    "inputs": [
        {"name": "m_Rc", "value": 100000.000, "unit": "mg", "distribution": {"kind": "normal", "u": 0.050}},
        {"name": "dm_Rc", "value": 1.234, "unit": "mg", "distribution": {"kind": "normal", "u": 0.020}},
        {
            "name": "rho_a",
            "value": 1.20,
            "unit": "kg/m^3",
            "distribution": {"kind": "rectangular", "half_width": 0.10},
        },
        {
            "name": "rho_W",
            "value": 8000,
            "unit": "kg/m^3",
            "distribution": {"kind": "rectangular", "half_width": 1000},
        },
        {
            "name": "rho_R",
            "value": 8000,
            "unit": "kg/m^3",
            "distribution": {"kind": "rectangular", "half_width": 50},
        },
    ],
}


def additive(kind: str, widths: list[float]) -> dict[str, Any]:
    """JCGM 101:2008 9.2: Y = X1 + X2 + X3 + X4, inputs of the given standard deviations (normal or rectangular)."""

    def distribution(width: float) -> dict[str, Any]:
        if kind == "normal":
            return {"kind": "normal", "u": width}
        return {"kind": "rectangular", "half_width": width * math.sqrt(3)}

    return {
        "model": "X1 + X2 + X3 + X4",
        "coverage_probability": 0.95,
        "inputs": [
            {"name": f"X{i + 1}", "value": 0, "distribution": distribution(w)} for i, w in enumerate(widths)
        ],
    }


# EA-4/02 S3: four-terminal 10 kΩ standard resistor.
RESISTOR_10KOHM: dict[str, Any] = {
    "measurand": {"name": "R_X", "unit": "ohm"},
    "model": "(R_S + dR_D + dR_TS) * r_C * r - dR_TX",
    "inputs": [
        {
            "name": "R_S",
            "value": 10000.053,
            "unit": "Ω",
            "distribution": {"kind": "normal", "expanded": 0.005, "k": 2},
        },
        {
            "name": "dR_D",
            "value": 0.020,
            "unit": "Ω",
            "distribution": {"kind": "rectangular", "half_width": 0.010},
        },
        {
            "name": "dR_TS",
            "value": 0,
            "unit": "Ω",
            "distribution": {"kind": "rectangular", "half_width": 0.00275},
        },
        {
            "name": "r_C",
            "value": 1,
            "unit": "1",
            "distribution": {"kind": "triangular", "half_width": 1e-6},
        },
        {
            "name": "r",
            "value": 1.0000105,
            "unit": "1",
            "distribution": {"kind": "normal", "u": 0.07e-6},
            "dof": 4,
        },
        {
            "name": "dR_TX",
            "value": 0,
            "unit": "Ω",
            "distribution": {"kind": "rectangular", "half_width": 0.0055},
        },
    ],
}


# EA-4/02 S4: gauge block of nominal length 50 mm.
GAUGE_BLOCK_50MM: dict[str, Any] = {
    "measurand": {"name": "l_X", "unit": "mm"},
    "model": "l_S + dl_D + dl + dl_C - L * (alpha * dt + dalpha_Dt) - dl_V",
    "inputs": [
        {
            "name": "l_S",
            "value": 50.000020,
            "unit": "mm",
            "distribution": {"kind": "normal", "expanded": 30e-6, "k": 2},
        },
        {
            "name": "dl_D",
            "value": 0,
            "unit": "mm",
            "distribution": {"kind": "rectangular", "half_width": 30e-6},
        },
        {
            "name": "dl",
            "value": -94e-6,
            "unit": "mm",
            "distribution": {"kind": "normal", "u": 12e-6 / math.sqrt(5)},
        },
        {
            "name": "dl_C",
            "value": 0,
            "unit": "mm",
            "distribution": {"kind": "rectangular", "half_width": 32e-6},
        },
        {"name": "L", "value": 50, "unit": "mm", "distribution": {"kind": "normal", "u": 0}},
        {
            "name": "alpha",
            "value": 11.5e-6,
            "unit": "1/K",
            "distribution": {"kind": "normal", "u": 0},
        },
        {
            "name": "dt",
            "value": 0,
            "unit": "K",
            "distribution": {"kind": "rectangular", "half_width": 0.05},
        },
        {
            "name": "dalpha_Dt",
            "value": 0,
            "unit": "1",
            "distribution": {"kind": "normal", "u": 0.236e-6},
        },
        {
            "name": "dl_V",
            "value": 0,
            "unit": "mm",
            "distribution": {"kind": "rectangular", "half_width": 6.7e-6},
        },
    ],
}
