"""Pressure gauges by comparison (DKD-R 6-1:2014; EURAMET Calibration Guide No. 17): sequences and
characteristic values.

The calibration sequence follows from the gauge's accuracy class (DKD-R 6-1:2014 section 5, figure of the
three sequences; from memory, the guideline text could not be consulted while writing this):

==========  ====================  ==========  ===========================================  ===============
sequence    accuracy class (%)    preloads    series at each point                         points (min.)
==========  ====================  ==========  ===========================================  ===============
A           < 0.1                 3           M1 ↑, M2 ↓, M3 ↑, M4 ↓                       9
B           0.1 … 0.6             2           M1 ↑, M2 ↓, M3 ↑                             9
C           > 0.6                 1           M1 ↑, M2 ↓                                   5
==========  ====================  ==========  ===========================================  ===============

The readings of one point are recorded in that order (up, down, up, …). From them (DKD-R 6-1 section 6,
from memory):

* mean indication x̄ = mean of every series' reading; the error is x̄ − reference pressure at the gauge;
* hysteresis h = max |x_down − x_up| over the up/down pairs (M1, M2), (M3, M4): a systematic effect of the
  direction of loading, *not* a sample of the indication; with the mean reported it contributes a rectangular
  distribution of half-width h/2, u = h/(2√3);
* repeatability b' = max |M3 − M1|, |M4 − M2| (sequences A and B), rectangular of half-width b'/2; a
  sequence with one series per direction (C) has no repeated series, so the repeatability comes from the
  laboratory's pooled standard deviation s_p with its degrees of freedom (JCGM 100:2008 4.2.4), a Type A
  input u = s_p/√n;
* zero deviation f0 = max |x_0,after − x_0,before| read at the zero point before the up series and after the
  down series, rectangular of half-width f0/2;
* resolution r, rectangular of half-width r/2 (JCGM 100 F.2.2.1).

The head correction for a difference in height Δh between the reference levels of the standard and of the
gauge is Δp = ρ·g·Δh (EURAMET cg-17 section on the pressure medium, from memory); for a gas the density
grows with the absolute pressure, ρ = ρ₀·p_abs/p₀.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from lims.domain.errors import DomainError

__all__ = [
    "CalibrationSequence",
    "CharacteristicValues",
    "HeadCorrection",
    "MediumKind",
    "PressureError",
    "SequenceSettings",
    "characteristic_values",
    "gas_density_kg_m3",
    "head_correction",
    "head_correction_pa",
    "pascal_per",
    "sequence_for_class",
    "settings_from_dict",
    "zero_deviation",
]

STANDARD_GRAVITY_M_S2 = 9.80665
STANDARD_ATMOSPHERE_PA = 101_325.0
_PA_PER = {"Pa": 1.0, "kPa": 1e3, "MPa": 1e6, "bar": 1e5, "mbar": 1e2, "psi": 6894.757293168361}


class PressureError(DomainError, ValueError):
    """Readings that do not fit the calibration sequence, or a class that selects none."""


class CalibrationSequence(StrEnum):
    """DKD-R 6-1 calibration sequences A, B and C."""

    A = "A"
    B = "B"
    C = "C"

    @property
    def series(self) -> int:
        """Readings per point: 4 (A), 3 (B) or 2 (C).

        >>> [s.series for s in CalibrationSequence]
        [4, 3, 2]
        """
        return {"A": 4, "B": 3, "C": 2}[self.value]

    @property
    def preloads(self) -> int:
        """Preloadings to the upper range limit before the first series: 3 (A), 2 (B), 1 (C)."""
        return {"A": 3, "B": 2, "C": 1}[self.value]

    @property
    def minimum_points(self) -> int:
        """Least number of test points over the range: 9 (A, B) or 5 (C)."""
        return 5 if self is CalibrationSequence.C else 9

    @property
    def directions(self) -> tuple[str, ...]:
        """``up``/``down`` for each reading of a point, in the order recorded.

        >>> CalibrationSequence.B.directions
        ('up', 'down', 'up')
        """
        return tuple("up" if i % 2 == 0 else "down" for i in range(self.series))

    @property
    def repeated(self) -> bool:
        """Whether a direction is measured more than once (A, B): then b' comes from the series."""
        return self.series > 2


def sequence_for_class(accuracy_class: str | float | None) -> CalibrationSequence:
    """The sequence for an accuracy class in % of span (DKD-R 6-1: A below 0.1, B up to 0.6, C above).

    >>> sequence_for_class("0.05"), sequence_for_class(0.25), sequence_for_class("1,6")
    (<CalibrationSequence.A: 'A'>, <CalibrationSequence.B: 'B'>, <CalibrationSequence.C: 'C'>)
    >>> sequence_for_class(None)
    Traceback (most recent call last):
    ...
    lims.domain.pressure.PressureError: accuracy_class: the gauge's accuracy class (in % of span) selects \
the DKD-R 6-1 calibration sequence; record it on the instrument
    """
    if accuracy_class is None or (isinstance(accuracy_class, str) and not accuracy_class.strip()):
        raise PressureError(
            "accuracy_class: the gauge's accuracy class (in % of span) selects the DKD-R 6-1 calibration "
            "sequence; record it on the instrument"
        )
    text = str(accuracy_class).strip().replace(",", ".").removesuffix("%").strip()
    try:
        value = float(text)
    except ValueError:
        raise PressureError(f"accuracy_class: {accuracy_class!r} is not a class in % of span") from None
    if not math.isfinite(value) or value <= 0:
        raise PressureError(f"accuracy_class: {accuracy_class!r} must be a positive percentage")
    if value < 0.1:
        return CalibrationSequence.A
    if value <= 0.6:
        return CalibrationSequence.B
    return CalibrationSequence.C


@dataclass(frozen=True, slots=True)
class CharacteristicValues:
    """The DKD-R 6-1 values of one point, in the reading unit.

    :ivar mean: x̄, mean of all readings.
    :ivar mean_up, mean_down: means of the up and of the down readings.
    :ivar hysteresis: h, largest |down − up| of a pair (M1, M2), (M3, M4).
    :ivar repeatability: b', largest |M3 − M1|, |M4 − M2|; ``None`` for sequence C (no repeated series).
    """

    mean: float
    mean_up: float
    mean_down: float
    hysteresis: float
    repeatability: float | None


def _clean(x: float) -> float:
    return float(f"{x:.12g}")


def characteristic_values(sequence: CalibrationSequence, readings: Sequence[float]) -> CharacteristicValues:
    """Mean, hysteresis and repeatability of one point from its readings (M1 ↑, M2 ↓, M3 ↑, M4 ↓ …).

    Sequence B at 8 bar, M1 ↑ 8.02, M2 ↓ 8.06, M3 ↑ 8.03: x̄ = 24.11/3 = 8.036667; h = |8.06 − 8.02| = 0.04;
    b' = |8.03 − 8.02| = 0.01:

    >>> v = characteristic_values(CalibrationSequence.B, [8.02, 8.06, 8.03])
    >>> round(v.mean, 6), v.hysteresis, v.repeatability
    (8.036667, 0.04, 0.01)
    >>> characteristic_values(CalibrationSequence.C, [8.0]).mean
    Traceback (most recent call last):
    ...
    lims.domain.pressure.PressureError: readings: sequence C needs 2 readings at each point (M1 ↑, M2 ↓), got 1
    """
    values = [float(r) for r in readings]
    if len(values) != sequence.series:
        order = ", ".join(f"M{i + 1} {'↑' if d == 'up' else '↓'}" for i, d in enumerate(sequence.directions))
        raise PressureError(
            f"readings: sequence {sequence.value} needs {sequence.series} readings at each point ({order}), "
            f"got {len(values)}"
        )
    if not all(math.isfinite(v) for v in values):
        raise PressureError("readings: every reading must be a finite number")
    up = values[0::2]
    down = values[1::2]
    pairs = list(zip(up, down, strict=False))
    hysteresis = max(abs(d - u) for u, d in pairs)
    repeatability = None
    if sequence.repeated:
        spreads = [abs(up[1] - up[0])]
        if len(down) > 1:
            spreads.append(abs(down[1] - down[0]))
        repeatability = _clean(max(spreads))
    return CharacteristicValues(
        mean=_clean(math.fsum(values) / len(values)),
        mean_up=_clean(math.fsum(up) / len(up)),
        mean_down=_clean(math.fsum(down) / len(down)),
        hysteresis=_clean(hysteresis),
        repeatability=repeatability,
    )


def zero_deviation(sequence: CalibrationSequence, zero_readings: Sequence[float]) -> float:
    """f0 = largest |x_0 after the down series − x_0 before the up series| over the cycles.

    The readings are those of the zero point in sequence order: M1 ↑ at zero is the zero before the first
    series, M2 ↓ at zero the zero after it.

    >>> zero_deviation(CalibrationSequence.A, [0.0, 0.02, 0.01, 0.02])
    0.02
    """
    return characteristic_values(sequence, zero_readings).hysteresis


def pascal_per(unit: str) -> float:
    """Pascals in one ``unit`` (Pa, kPa, MPa, bar, mbar, psi).

    >>> pascal_per("bar"), pascal_per("kPa")
    (100000.0, 1000.0)
    """
    try:
        return _PA_PER[unit]
    except KeyError:
        raise PressureError(f"unit: {unit!r} is not a pressure unit this procedure knows") from None


def head_correction_pa(
    *, density_kg_m3: float, height_difference_m: float, gravity_m_s2: float = STANDARD_GRAVITY_M_S2
) -> float:
    """Δp = ρ·g·Δh in pascals: the pressure at the gauge exceeds the standard's when the standard's reference
    level is Δh above the gauge's (Δh > 0).

    Hand calculation, oil ρ = 860 kg/m³, g = 9.7866 m/s² (Hà Nội), Δh = 0.15 m:
    860 × 9.7866 × 0.15 = 1262.47 Pa = 0.0126 bar.

    >>> round(head_correction_pa(density_kg_m3=860, height_difference_m=0.15, gravity_m_s2=9.7866), 2)
    1262.47
    """
    return density_kg_m3 * gravity_m_s2 * height_difference_m


def gas_density_kg_m3(density_at_atmosphere_kg_m3: float, gauge_pressure_pa: float) -> float:
    """ρ of a gas at gauge pressure p_e: ρ₀·(p₀ + p_e)/p₀ (ideal gas at constant temperature).

    Air ρ₀ = 1.2 kg/m³ at 16 bar gauge: 1.2 × (101325 + 1.6e6)/101325 = 20.15 kg/m³.

    >>> round(gas_density_kg_m3(1.2, 16e5), 2)
    20.15
    """
    return density_at_atmosphere_kg_m3 * (STANDARD_ATMOSPHERE_PA + gauge_pressure_pa) / STANDARD_ATMOSPHERE_PA


class MediumKind(StrEnum):
    """A liquid (constant density) or a gas (density proportional to the absolute pressure)."""

    LIQUID = "liquid"
    GAS = "gas"


@dataclass(frozen=True, slots=True)
class SequenceSettings:
    """A DKD-R 6-1 procedure's settings (from its file's ``calibration_sequence``).

    :ivar pooled_repeatability_relative: the laboratory's pooled standard deviation of a single reading as a
        fraction of the span, for sequences without repeated series (C); ``pooled_dof`` its degrees of freedom.
    :ivar medium_density_kg_m3: ρ of a liquid, or ρ₀ at atmospheric pressure of a gas.
    :ivar density_relative_uncertainty: standard uncertainty of ρ as a fraction of ρ.
    :ivar height_uncertainty_m: half-width of the rectangular distribution of Δh as measured.
    :ivar gravity_m_s2: local acceleration due to gravity.
    :ivar pressure_reference: ``gauge`` or ``absolute``.
    """

    pooled_repeatability_relative: float
    pooled_dof: float
    medium: str
    medium_kind: MediumKind
    medium_density_kg_m3: float
    density_relative_uncertainty: float
    height_uncertainty_m: float
    gravity_m_s2: float = STANDARD_GRAVITY_M_S2
    pressure_reference: str = "gauge"


def _positive(data: object, key: str, where: str, *, allow_zero: bool = False) -> float:
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PressureError(f"{where}.{key}: expected a finite number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise PressureError(f"{where}.{key}: must be {'≥' if allow_zero else '>'} 0")
    return float(value)


def settings_from_dict(data: object, where: str = "calibration_sequence") -> SequenceSettings:
    """Read a procedure file's ``calibration_sequence`` object (every error names the field).

    >>> s = settings_from_dict({"kind": "dkd_r_6_1", "pooled_repeatability": {"relative_to_span": 0.0005,
    ...     "dof": 30}, "medium": {"name": "air", "kind": "gas", "density_kg_m3": 1.2,
    ...     "density_relative_uncertainty": 0.05}, "height_uncertainty_m": 0.005, "gravity_m_s2": 9.7866})
    >>> s.medium_kind, s.pooled_dof, s.pressure_reference
    (<MediumKind.GAS: 'gas'>, 30.0, 'gauge')
    """
    if not isinstance(data, dict) or data.get("kind") != "dkd_r_6_1":
        raise PressureError(f'{where}: expected {{"kind": "dkd_r_6_1", ...}}')
    pooled = data.get("pooled_repeatability")
    medium = data.get("medium")
    if not isinstance(pooled, dict):
        raise PressureError(f"{where}.pooled_repeatability: expected {{relative_to_span, dof}}")
    if not isinstance(medium, dict) or not isinstance(medium.get("name"), str):
        raise PressureError(f"{where}.medium: expected {{name, kind, density_kg_m3, ...}}")
    try:
        kind = MediumKind(str(medium.get("kind")))
    except ValueError:
        raise PressureError(f"{where}.medium.kind: {medium.get('kind')!r} is not liquid or gas") from None
    reference = data.get("pressure_reference", "gauge")
    if reference not in ("gauge", "absolute"):
        raise PressureError(f"{where}.pressure_reference: {reference!r} is not gauge or absolute")
    return SequenceSettings(
        pooled_repeatability_relative=_positive(pooled, "relative_to_span", f"{where}.pooled_repeatability"),
        pooled_dof=_positive(pooled, "dof", f"{where}.pooled_repeatability"),
        medium=str(medium["name"]),
        medium_kind=kind,
        medium_density_kg_m3=_positive(medium, "density_kg_m3", f"{where}.medium"),
        density_relative_uncertainty=_positive(
            medium, "density_relative_uncertainty", f"{where}.medium", allow_zero=True
        ),
        height_uncertainty_m=_positive(data, "height_uncertainty_m", where, allow_zero=True),
        gravity_m_s2=_positive(data, "gravity_m_s2", where)
        if "gravity_m_s2" in data
        else STANDARD_GRAVITY_M_S2,
        pressure_reference=str(reference),
    )


@dataclass(frozen=True, slots=True)
class HeadCorrection:
    """Δp = ρ·g·Δh at one point and its standard uncertainty, both in the point's unit."""

    value: float
    standard_uncertainty: float
    density_kg_m3: float


def head_correction(
    settings: SequenceSettings, *, nominal: float, unit: str, height_difference_m: float
) -> HeadCorrection:
    """The head correction in ``unit`` with u² = (g·Δh·u(ρ))² + (ρ·g·u(Δh))², u(Δh) = a/√3.

    Hand calculation, air ρ₀ = 1.2 kg/m³ (u 5 %), at 10 bar gauge ρ = 1.2 × 1101325/101325 = 13.043 kg/m³;
    g = 9.7866 m/s², Δh = 0.20 m ± 0.005 m: Δp = 13.043 × 9.7866 × 0.20 = 25.53 Pa = 0.000255 bar;
    u = √((9.7866 × 0.20 × 0.652)² + (13.043 × 9.7866 × 0.005/√3)²) = √(1.276² + 0.3685²) = 1.33 Pa.

    >>> s = SequenceSettings(0.0005, 30, "air", MediumKind.GAS, 1.2, 0.05, 0.005, 9.7866)
    >>> h = head_correction(s, nominal=10.0, unit="bar", height_difference_m=0.20)
    >>> round(h.value * 1e5, 2), round(h.standard_uncertainty * 1e5, 2), round(h.density_kg_m3, 3)
    (25.53, 1.33, 13.043)
    """
    per = pascal_per(unit)
    rho = settings.medium_density_kg_m3
    if settings.medium_kind is MediumKind.GAS:
        gauge_pa = nominal * per - (
            STANDARD_ATMOSPHERE_PA if settings.pressure_reference == "absolute" else 0.0
        )
        rho = gas_density_kg_m3(rho, max(gauge_pa, -STANDARD_ATMOSPHERE_PA))
    g = settings.gravity_m_s2
    value_pa = head_correction_pa(density_kg_m3=rho, height_difference_m=height_difference_m, gravity_m_s2=g)
    u_pa = math.hypot(
        g * height_difference_m * rho * settings.density_relative_uncertainty,
        rho * g * settings.height_uncertainty_m / math.sqrt(3.0),
    )
    return HeadCorrection(_clean(value_pa / per), _clean(u_pa / per), rho)
