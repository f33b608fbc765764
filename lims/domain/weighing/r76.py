"""Verification of a non-automatic weighing instrument: the measurement method of OIML R 76-1:2006 annex A.

Clauses cited from memory unless stated (the MPE table is checked, see :mod:`lims.domain.mpe`):

- A.4.4.1 weighing test: at least five loads from Min to Max, including Min and the loads where the MPE
  changes (500 e and 2 000 e for class III), loaded in increasing then decreasing order;
- A.4.4.3 elimination of the rounding error with change-point weights: at a load L showing I, weights of
  0.1 e are added until the indication changes to I + e; with ΔL the weights added,
  ``E = I + ½e − ΔL − L`` and the error corrected for the zero, ``E_c = E − E_0`` (A.4.2.3.2);
- A.4.2.3 zero-setting accuracy: E_0 by the same method at zero, |E_0| ≤ 0.25 e (R 76-1 4.5.2);
- A.4.7 eccentricity: a load of about Max/3 at the centre and four quarters; every |E_c| ≤ MPE(load)
  (R 76-1 3.6.2);
- A.4.10 repeatability: the spread of several weighings of one load ≤ |MPE(load)| (R 76-1 3.6.1);
- A.4.8 discrimination: an extra load of 1.4 d placed on the instrument at equilibrium changes the
  indication by at least d (R 76-1 3.8).

Uncertainty of E_c (the change-point method removes the d/√12 roundings): the change point lies within one
step s of the change-point weights below ΔL, so ``I + ½e − ΔL`` is low by a rectangular U(0, s) offset, the
same at load and at zero; the mean offsets cancel in E_c and each leaves u = s/√12. With the repeatability
s_rep (A.4.10 readings), the weights' certificate U/k and their drift D/√3:
``u²(E_c) = 2 s²/12 + s_rep² + (U_w/k)² + D²/3``.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lims.domain.mpe import R76_TABLE_6, r76_mpe_in_e
from lims.domain.weighing.cg18 import WeighingDataError

#: OIML R 76-1:2006 table 3 (from memory): Min in e by class; class II has 20 e for e ≤ 0.05 g, else 50 e.
MIN_IN_E: Mapping[str, float] = {"I": 100, "II": 50, "III": 20, "IIII": 10}


def minimum_capacity(accuracy_class: str, e: float, *, e_in_g: float | None = None) -> float:
    """Min of R 76-1 table 3 (from memory) in the unit of ``e``.

    ``e_in_g``: e in grams, for class II's two rows (20 e when e ≤ 0.05 g).

    >>> minimum_capacity("III", 0.01), minimum_capacity("II", 0.01, e_in_g=0.01), minimum_capacity("I", 0.001)
    (0.2, 0.2, 0.1)
    """
    if accuracy_class not in MIN_IN_E:
        raise WeighingDataError(f"accuracy_class: {accuracy_class!r} is not I, II, III or IIII")
    n = MIN_IN_E[accuracy_class]
    if accuracy_class == "II" and e_in_g is not None and e_in_g <= 0.05:
        n = 20
    return _on_grid(n * e, e)


def _on_grid(x: float, e: float) -> float:
    return float(f"{round(x / e) * e:.12g}")


def load_plan(
    accuracy_class: str,
    e: float,
    maximum: float,
    *,
    percents_of_max: Sequence[float] = (50.0, 100.0),
    e_in_g: float | None = None,
) -> tuple[float, ...]:
    """The weighing-test loads (A.4.4.1): Min, the table 6 change points below Max, and percentages of Max.

    Hand calculation, 30 kg × 10 g class III: Min = 20 e = 0.2 kg; 500 e = 5 kg; 2 000 e = 20 kg; 50 % of
    Max = 15 kg; Max = 30 kg.

    >>> load_plan("III", 0.01, 30.0)
    (0.2, 5.0, 15.0, 20.0, 30.0)
    """
    if not (e > 0 and maximum > 0 and math.isfinite(e) and math.isfinite(maximum)):
        raise WeighingDataError(f"instrument: e = {e} and Max = {maximum} must be positive numbers")
    if accuracy_class not in R76_TABLE_6:
        raise WeighingDataError(f"accuracy_class: {accuracy_class!r} is not I, II, III or IIII")
    half, one, _top = R76_TABLE_6[accuracy_class]
    loads = {minimum_capacity(accuracy_class, e, e_in_g=e_in_g)}
    loads |= {_on_grid(n * e, e) for n in (half, one) if n * e < maximum}
    loads |= {_on_grid(p / 100 * maximum, e) for p in percents_of_max}
    return tuple(sorted(x for x in loads if 0 < x <= maximum + 1e-12 * maximum))


def change_point_error(indication: Decimal, added: Decimal, load: Decimal, e: Decimal) -> Decimal:
    """E = I + ½e − ΔL − L (R 76-1 A.4.4.3), in the unit of the arguments.

    Computed in decimal from the figures as entered (the indication, the change-point weights, the load and
    e are decimal texts), so that E is exact: in binary floating point 10.001 − 10 − 0.001 is
    0.000999999999999, which a page would show.

    Hand calculation, L = 5 kg, I = 5.00 kg, e = 0.01 kg, ΔL = 0.003 kg: E = 5 + 0.005 − 0.003 − 5 =
    0.002 kg.

    >>> change_point_error(Decimal("5.00"), Decimal("0.003"), Decimal("5"), Decimal("0.01"))
    Decimal('0.002')
    """
    if added < 0 or added > e:
        raise WeighingDataError(
            f"change-point weights: {added} must be between 0 and e = {e} (the indication changes by e)"
        )
    return indication + e / 2 - added - load


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one R 76 test: the figure compared, its limit (both exact decimals), and whether it is
    met."""

    value: Decimal
    limit: Decimal
    passed: bool


def zero_setting(zero_error: Decimal, e: Decimal) -> Check:
    """Zero-setting accuracy: |E_0| ≤ 0.25 e (R 76-1 4.5.2, A.4.2.3; from memory).

    >>> zero_setting(Decimal("0.002"), Decimal("0.01"))
    Check(value=Decimal('0.002'), limit=Decimal('0.0025'), passed=True)
    """
    limit = e / 4
    return Check(zero_error, limit, abs(zero_error) <= limit)


def mpe_at_load(load: Decimal, accuracy_class: str, e: Decimal, *, in_service: bool = False) -> Decimal:
    """MPE (unit of e) at ``load`` from R 76-1 table 6 via the one helper :func:`lims.domain.mpe.r76_mpe_in_e`;
    the load in e is exact, so a load on a change point (500 e, 2 000 e) is on it.

    >>> [mpe_at_load(Decimal(x), "III", Decimal("0.01")) for x in ("5", "5.01", "30")]
    [Decimal('0.005'), Decimal('0.010'), Decimal('0.015')]
    """
    n = float(abs(load) / e)
    return Decimal(repr(r76_mpe_in_e(n, accuracy_class, in_service=in_service))) * e


def repeatability_check(indications_free_of_rounding: Sequence[Decimal], mpe: Decimal) -> Check:
    """Spread (max − min) of repeated weighings ≤ |MPE| (R 76-1 3.6.1, A.4.10).

    >>> repeatability_check([Decimal("15.001"), Decimal("15.0015"), Decimal("15.0005")], Decimal("0.01"))
    Check(value=Decimal('0.0010'), limit=Decimal('0.01'), passed=True)
    """
    values = list(indications_free_of_rounding)
    if len(values) < 2:
        raise WeighingDataError("repeatability: needs at least 2 weighings")
    spread = max(values) - min(values)
    return Check(spread, mpe, spread <= mpe)


def eccentricity_check(corrected_errors: Sequence[Decimal], mpe: Decimal) -> Check:
    """Every position's |E_c| ≤ MPE at the eccentricity load (R 76-1 3.6.2, A.4.7).

    >>> eccentricity_check([Decimal("0.001"), Decimal("-0.002"), Decimal("0.0035"), Decimal(0)], Decimal("0.005"))
    Check(value=Decimal('0.0035'), limit=Decimal('0.005'), passed=True)
    """
    if not corrected_errors:
        raise WeighingDataError("eccentricity: no positions measured")
    worst = max(corrected_errors, key=abs)
    return Check(worst, mpe, abs(worst) <= mpe)


def discrimination_check(before: Decimal, after: Decimal, d: Decimal) -> Check:
    """1.4 d added at equilibrium must change the indication by at least d (R 76-1 3.8, A.4.8).

    >>> d = Decimal("0.01")
    >>> discrimination_check(Decimal("15.000"), Decimal("15.010"), d).passed
    True
    >>> discrimination_check(Decimal("15.0"), Decimal("15.0"), d).passed
    False
    """
    change = after - before
    return Check(change, d, change >= d)


def supplied_inputs(
    *,
    corrected_indication: float,
    repeatability_sd: float,
    repeatability_dof: float,
    step: float,
) -> Mapping[str, Mapping[str, Any]]:
    """The inputs of the R 76 template (``P + dP_L - dP_0 - m_ref - dm_D``) that the method supplies.

    ``P`` = I + ½e − ΔL − E_0 (the indication free of rounding, corrected for the zero) with the
    repeatability (normal, u = s_rep); ``dP_L`` and ``dP_0`` the change-point resolution at load and at zero
    (rectangular, half-width step/2, see the module text).

    >>> s = supplied_inputs(corrected_indication=5.001, repeatability_sd=0.0005, repeatability_dof=2,
    ...                     step=0.001)
    >>> s["dP_L"]["distribution"], s["P"]["dof"]
    ({'kind': 'rectangular', 'half_width': 0.0005}, 2.0)
    """
    half = float(f"{step / 2:.12g}")
    return {
        "P": {
            "value": corrected_indication,
            "distribution": {"kind": "normal", "u": float(repeatability_sd)},
            "dof": float(repeatability_dof),
        },
        "dP_L": {"value": 0.0, "distribution": {"kind": "rectangular", "half_width": half}},
        "dP_0": {"value": 0.0, "distribution": {"kind": "rectangular", "half_width": half}},
    }


def spread_sd(values: Sequence[Decimal] | Sequence[float]) -> float:
    """Standard deviation of repeated indications free of rounding (A.4.10 readings), 0 for identical ones;
    a float, for the uncertainty budget.

    >>> round(spread_sd([15.001, 15.0015, 15.0005]), 7)
    0.0005
    """
    return statistics.stdev([float(v) for v in values]) if len(values) > 1 else 0.0
