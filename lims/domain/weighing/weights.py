"""Reference weights of a balance calibration: conventional mass and the air-buoyancy bound.

Weights are certified in conventional mass (OIML R 111-1:2004 clause 2.7, OIML D 28:2004): the mass of a
body of density ρ_ref = 8 000 kg/m³ that balances it in air of density ρ_0 = 1.2 kg/m³ at 20 °C. Used in
air of density ρ_a, a weight of true density ρ_c exerts the force of a conventional mass m_c plus

    δm_B = −m_c · (ρ_a − ρ_0) · (1/ρ_c − 1/ρ_ref)                        (D 28; EURAMET cg-18 v4.0 7.1.2.2)

EURAMET cg-18 (7.1.2.2, cited from memory) does not apply this correction in a routine calibration; it
takes its possible magnitude as a rectangular contribution. Here the bound is

    a = m_N · Δρ_a · (|ρ_c − ρ_ref| + Δρ_c) / (ρ_c · ρ_ref),    u(δm_B) = a/√3

with Δρ_a the largest departure of the air density from ρ_0 (0.12 kg/m³, i.e. 10 %, when it is not
measured) and Δρ_c the half-width of the weights' density (their certificate, else the OIML R 111-1 class
limits of table 5 for weights of 100 g and above, from memory).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from lims.domain.errors import DomainError

#: Reference density of conventional mass and reference air density (OIML R 111-1:2004 2.7, D 28).
RHO_REF_KG_M3 = 8000.0
RHO_AIR_0_KG_M3 = 1.2
#: Air density not measured: ±10 % of ρ_0 (EURAMET cg-18 v4.0 7.1.2.2, from memory).
AIR_DENSITY_DEVIATION_KG_M3 = 0.12

#: OIML R 111-1:2004 table 5 (minimum and maximum density, kg/m³) for weights of 100 g and above, by class
#: (from memory; a weight's certificate, when it states the density, is used instead).
R111_DENSITY_LIMITS_KG_M3: Mapping[str, tuple[float, float]] = {
    "E1": (7934.0, 8067.0),
    "E2": (7810.0, 8190.0),
    "F1": (7390.0, 8730.0),
    "F2": (6400.0, 10700.0),
    "M1": (4400.0, 11600.0),
}


class WeightsError(DomainError, ValueError):
    """The reference weights' data cannot give a buoyancy bound (the message names what is missing)."""


def r111_class(text: str | None) -> str | None:
    """The OIML R 111 class named in a standard's accuracy text (``"F1"``, ``"cấp E2"``, ``"OIML F1"``).

    >>> r111_class("OIML R 111 class F1"), r111_class("cấp chính xác E2"), r111_class("±0.1 g")
    ('F1', 'E2', None)
    """
    if not text:
        return None
    found = re.search(r"\b(E1|E2|F1|F2|M1|M2|M3)\b", text.upper())
    return found.group(1) if found else None


def density_half_width_kg_m3(weight_class: str | None, characteristics: Mapping[str, float]) -> tuple[float, float]:
    """(ρ_c, Δρ_c) of the weights: from ``density``/``density_tolerance`` (kg/m³) in the standard's
    characteristics, else from the R 111-1 class limits (centre and half-width of the interval).

    >>> density_half_width_kg_m3("E2", {})
    (8000.0, 190.0)
    >>> density_half_width_kg_m3(None, {"density": 7950.0, "density_tolerance": 40.0})
    (7950.0, 40.0)
    """
    if "density" in characteristics and "density_tolerance" in characteristics:
        rho, tol = float(characteristics["density"]), float(characteristics["density_tolerance"])
        if not (rho > 0 and tol >= 0 and math.isfinite(rho) and math.isfinite(tol)):
            raise WeightsError(f"weights: density {rho} ± {tol} kg/m³ is not a usable density")
        return rho, tol
    if weight_class is None or weight_class not in R111_DENSITY_LIMITS_KG_M3:
        raise WeightsError(
            "weights: state the OIML R 111 class (E1, E2, F1, F2, M1) of the weights or their density and "
            "density tolerance, needed for the air-buoyancy contribution (EURAMET cg-18 7.1.2.2)"
        )
    low, high = R111_DENSITY_LIMITS_KG_M3[weight_class]
    return (low + high) / 2, (high - low) / 2


def buoyancy_half_width(
    nominal: float,
    *,
    density_kg_m3: float,
    density_tolerance_kg_m3: float,
    air_density_deviation_kg_m3: float = AIR_DENSITY_DEVIATION_KG_M3,
) -> float:
    """Half-width a of the rectangular air-buoyancy contribution of weights of conventional mass m_N.

    a = m_N · Δρ_a · (|ρ_c − ρ_ref| + Δρ_c) / (ρ_c · ρ_ref)  (see the module text). The density ratios are
    dimensionless, so a is in the unit of ``nominal`` (any mass unit).

    Hand calculation, 200 g of E2 steel (ρ_c = 8 000 ± 190 kg/m³), air density not measured:
    a = 0.2 · 0.12 · 190 / (8 000 · 8 000) = 7.125e-8 kg = 0.071 mg.

    >>> round(buoyancy_half_width(0.2, density_kg_m3=8000.0, density_tolerance_kg_m3=190.0) * 1e6, 4)
    0.0713
    """
    for name, value in (
        ("nominal", nominal),
        ("density", density_kg_m3),
        ("density_tolerance", density_tolerance_kg_m3),
        ("air_density_deviation", air_density_deviation_kg_m3),
    ):
        if not math.isfinite(value) or value < 0:
            raise WeightsError(f"{name}: {value} must be a finite number ≥ 0")
    if density_kg_m3 == 0:
        raise WeightsError("density: must be above 0 kg/m³")
    spread = abs(density_kg_m3 - RHO_REF_KG_M3) + density_tolerance_kg_m3
    return nominal * air_density_deviation_kg_m3 * spread / (density_kg_m3 * RHO_REF_KG_M3)
