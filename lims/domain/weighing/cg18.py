"""Calibration of a non-automatic weighing instrument per EURAMET Calibration Guide No. 18 v4.0 (2015).

The tests (cg-18 section 5): a repeatability test (n readings of one load, 5.1), an eccentricity test (one
load at the centre and the four quarters of the load receptor, 5.3) and the errors of indication at test
loads spread over the weighing range (5.2), each load read against the preceding no-load indication.

Error of indication at a load (cg-18 7.1): E = I − m_ref with I = I_L − I_0 (load minus no-load indication)
and m_ref the conventional mass of the test weights. Its standard uncertainty (cg-18 7.1.1, 7.1.2; the
equation numbers are not reproduced, the clauses are cited from memory):

================  ==========================================  ============================================
input             estimate                                    standard uncertainty
================  ==========================================  ============================================
δI_dig0           0                                           d_0/(2√3)  (rounding of the no-load reading)
δI_digL           0                                           d_L/(2√3)  (rounding of the load reading)
δI_rep            0 (in I)                                    s from the repeatability test (ν = n − 1)
δI_ecc            0                                           |ΔI_ecc|max · L / (2 L_ecc √3)
m_ref             conventional mass from the weights'          U/k of their certificate
                  certificate
δm_B              0 (no buoyancy correction applied)          a/√3, :func:`.weights.buoyancy_half_width`
δm_D              0                                           D/√3, D = the weights' drift limit
================  ==========================================  ============================================

u²(E) is the sum of the squares; U(E) = k·u(E) with k from ν_eff (Welch–Satterthwaite, cg-18 7.3).
The budget of a load is instantiated from the procedure's template (``I + dI_digL - dI_dig0 + dI_ecc -
m_ref - dm_B - dm_D``); this module supplies the inputs that come from the tests.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lims.domain.errors import DomainError


class WeighingDataError(DomainError, ValueError):
    """Readings of a weighing test are missing or not usable; the message names the test."""


@dataclass(frozen=True, slots=True)
class RepeatabilityResult:
    """cg-18 5.1: n indications of one load; s their standard deviation (unit of the indications)."""

    load: float
    readings: int
    standard_deviation: float

    @property
    def degrees_of_freedom(self) -> float:
        return float(self.readings - 1)


@dataclass(frozen=True, slots=True)
class EccentricityResult:
    """cg-18 5.3: ΔI_ecc,i = I_i − I_1 (centre first); the largest |ΔI_ecc,i|. Exact decimals: the
    differences of the indications as entered."""

    load: Decimal
    deviations: tuple[Decimal, ...]

    @property
    def max_deviation(self) -> Decimal:
        return max(abs(d) for d in self.deviations)


def _numbers(values: Sequence[float], where: str, minimum: int) -> list[float]:
    out = [float(v) for v in values]
    if len(out) < minimum or not all(math.isfinite(v) for v in out):
        raise WeighingDataError(f"{where}: needs at least {minimum} finite readings, got {len(out)}")
    return out


def repeatability(load: float, indications: Sequence[float], *, minimum: int = 2) -> RepeatabilityResult:
    """Standard deviation of repeated indications of one load (cg-18 5.1, 7.1.1.3).

    Hand calculation: 100.0001, 100.0002, 100.0000, 100.0001, 100.0002, 100.0001 g; mean 100.000117 g;
    deviations (−0.017, 0.083, −0.117, −0.017, 0.083, −0.017) mg; Σd² = 0.02833 mg²; s = √(0.02833/5) =
    0.0753 mg.

    >>> r = repeatability(100.0, [100.0001, 100.0002, 100.0000, 100.0001, 100.0002, 100.0001])
    >>> round(r.standard_deviation * 1000, 4), r.degrees_of_freedom
    (0.0753, 5.0)
    """
    values = _numbers(indications, "repeatability", max(2, minimum))
    return RepeatabilityResult(float(load), len(values), statistics.stdev(values))


def eccentricity(load: Decimal, indications: Sequence[Decimal], *, positions: int = 5) -> EccentricityResult:
    """Deviations of the off-centre indications from the centre one (cg-18 5.3; positions 1 = centre),
    computed in decimal from the indications as entered, so that they are exact (in binary floating point
    100.0002 − 100.0000 is 0.000200000000003).

    >>> r = eccentricity(Decimal(100), [Decimal(x) for x in ("100.0000", "100.0002", "99.9999", "100.0003")],
    ...                  positions=4)
    >>> r.deviations, r.max_deviation
    ((Decimal('0.0002'), Decimal('-0.0001'), Decimal('0.0003')), Decimal('0.0003'))
    """
    values = list(indications)
    if len(values) < positions or not all(v.is_finite() for v in values):
        raise WeighingDataError(
            f"eccentricity: needs at least {positions} finite readings, got {len(values)}"
        )
    return EccentricityResult(load, tuple(v - values[0] for v in values[1:]))


def eccentricity_half_width(result: EccentricityResult, load: float) -> float:
    """Half-width of the rectangular eccentricity contribution at ``load``: |ΔI_ecc|max · L / (2 L_ecc)
    (cg-18 7.1.1.4, from memory; u = half-width/√3).

    >>> eccentricity_half_width(EccentricityResult(Decimal(100), (Decimal("0.0003"),)), 200.0)
    0.0003
    """
    if not result.load > 0:
        raise WeighingDataError("eccentricity: the test load must be above zero")
    return float(result.max_deviation) * abs(load) / (2 * float(result.load))


def indication_at_load(load_readings: Sequence[float], zero_readings: Sequence[float]) -> float:
    """I = I_L − I_0 (cg-18 7.1): the mean load indication less the mean preceding no-load indication.

    >>> round(indication_at_load([200.0003], [0.0001]), 7)
    200.0002
    """
    loads = _numbers(load_readings, "load indication", 1)
    zeros = _numbers(zero_readings, "no-load indication", 1)
    return float(f"{statistics.fmean(loads) - statistics.fmean(zeros):.12g}")


def supplied_inputs(
    *,
    indication: float,
    repeat: RepeatabilityResult,
    eccentric: EccentricityResult,
    load: float,
    buoyancy_half_width: float,
) -> Mapping[str, Mapping[str, Any]]:
    """The inputs of the cg-18 template that the tests supply, in the uncertainty engine's format.

    ``I`` carries the repeatability (normal, u = s, ν = n − 1; cg-18 7.1.1.3), ``dI_ecc`` the eccentricity
    and ``dm_B`` the air-buoyancy bound (rectangular).

    >>> s = supplied_inputs(indication=200.0002, repeat=RepeatabilityResult(100.0, 6, 7.53e-5),
    ...     eccentric=EccentricityResult(Decimal(100), (Decimal("3E-4"),)), load=200.0, buoyancy_half_width=7.125e-5)
    >>> s["I"]["distribution"], s["I"]["dof"], s["dI_ecc"]["distribution"]["half_width"]
    ({'kind': 'normal', 'u': 7.53e-05}, 5.0, 0.0003)
    """
    return {
        "I": {
            "value": indication,
            "distribution": {"kind": "normal", "u": repeat.standard_deviation},
            "dof": repeat.degrees_of_freedom,
        },
        "dI_ecc": {
            "value": 0.0,
            "distribution": {
                "kind": "rectangular",
                "half_width": _clean(eccentricity_half_width(eccentric, load)),
            },
        },
        "dm_B": {
            "value": 0.0,
            "distribution": {"kind": "rectangular", "half_width": _clean(buoyancy_half_width)},
        },
    }


def _clean(x: float) -> float:
    return float(f"{x:.12g}")
