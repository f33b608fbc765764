"""Acceptance criteria: the maximum permissible error (MPE, VIM 4.26) of an instrument at a test point.

Every value here is in the procedure's unit (the unit of the nominal value). A criterion is a frozen
value object
that a procedure file describes with a ``"kind"`` key (see :func:`criterion_from_dict`):

=====================  ============================================================================
kind                   MPE at nominal x
=====================  ============================================================================
``fixed``              a (e.g. a thermometer's ±0.2 °C)
``percent_of_reading`` p/100 · |x|
``percent_of_range``   p/100 · (range_max − range_min)  (full scale / span)
``counts``             n · resolution (a digital display's "+ n digits")
``sum``                sum of the terms, e.g. a DMM's ±(0.0035 % of reading + 0.0005 % of range)
``banded``             the criterion of the first band whose ``up_to`` ≥ |x|
``oiml_r76``           OIML R 76-1:2006 table 6 for non-automatic weighing instruments, by class
``pressure_gauge``     EN 837-1:1996 table 11 accuracy class, % of span
=====================  ============================================================================

>>> mpe_at(Sum((PercentOfReading(0.0035), PercentOfRange(0.0005))), 10.0, range_max=10.0, resolution=1e-6)
0.0004
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lims.domain.errors import DomainError


class CriterionError(DomainError, ValueError):
    """An acceptance criterion is malformed or cannot be evaluated; the message names the field."""


@dataclass(frozen=True, slots=True)
class Fixed:
    """A constant MPE in the procedure's unit."""

    value: float


@dataclass(frozen=True, slots=True)
class PercentOfReading:
    """MPE proportional to the nominal value (accuracy of indication)."""

    percent: float


@dataclass(frozen=True, slots=True)
class PercentOfRange:
    """MPE as a percentage of the span range_max − range_min (accuracy of full scale)."""

    percent: float


@dataclass(frozen=True, slots=True)
class Counts:
    """MPE as a number of digits of the instrument's resolution."""

    counts: float


@dataclass(frozen=True, slots=True)
class Sum:
    """The sum of several criteria, e.g. ±(% of reading + % of range + counts)."""

    terms: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class Band:
    """One band of a :class:`Banded` criterion: applies while |nominal| ≤ ``up_to``."""

    up_to: float
    criterion: Criterion


@dataclass(frozen=True, slots=True)
class Banded:
    """A table of criteria by nominal value (bands sorted by ``up_to``; the last may be ``inf``)."""

    bands: tuple[Band, ...]


@dataclass(frozen=True, slots=True)
class OimlR76:
    """OIML R 76-1:2006 table 6 (3.5.1); in service the MPE is twice that on verification (3.5.2).

    ``accuracy_class`` is ``"I"``, ``"II"``, ``"III"`` or ``"IIII"``; ``None`` means "take it from the
    instrument".
    """

    accuracy_class: str | None = None
    in_service: bool = False


@dataclass(frozen=True, slots=True)
class PressureGauge:
    """EN 837-1:1996 table 11: the MPE is the class number as a percentage of the span.

    ``accuracy_class`` ``None`` means "take it from the instrument".
    """

    accuracy_class: float | None = None


Criterion = Fixed | PercentOfReading | PercentOfRange | Counts | Sum | Banded | OimlR76 | PressureGauge

#: OIML R 76-1:2006 table 6: for each class, the upper load limits (in verification scale intervals e) of the
#: 0.5 e and 1.0 e bands, and the upper limit of the 1.5 e band (max number of intervals n; Class I is
#: unbounded).
R76_TABLE_6: Mapping[str, tuple[int, int, float]] = {
    "I": (50_000, 200_000, math.inf),
    "II": (5_000, 20_000, 100_000),
    "III": (500, 2_000, 10_000),
    "IIII": (50, 200, 1_000),
}

#: EN 837-1:1996 table 11 classes (0.1, 0.25, 0.6, 1, 1.6, 2.5, 4; limits of permissible error, % of span).
#: 0.16 and 0.4, found in other national class ladders for test gauges, are accepted too.
PRESSURE_GAUGE_CLASSES: tuple[float, ...] = (0.1, 0.16, 0.25, 0.4, 0.6, 1.0, 1.6, 2.5, 4.0)


def r76_mpe_in_e(load_in_e: float, accuracy_class: str, *, in_service: bool = False) -> float:
    """MPE in multiples of e for a load expressed in verification scale intervals (OIML R 76-1:2006 table 6).

    Class III: 0 ≤ m ≤ 500 e → 0.5 e; 500 e < m ≤ 2 000 e → 1 e; 2 000 e < m ≤ 10 000 e → 1.5 e.
    In service the MPE doubles (R 76-1 3.5.2).

    >>> r76_mpe_in_e(500, "III"), r76_mpe_in_e(501, "III"), r76_mpe_in_e(2001, "III", in_service=True)
    (0.5, 1.0, 3.0)
    """
    limits = R76_TABLE_6.get(accuracy_class)
    if limits is None:
        raise CriterionError(
            f"accuracy_class: {accuracy_class!r} is not an OIML R 76 class (I, II, III or IIII)"
        )
    if load_in_e < 0:
        raise CriterionError(f"load: {load_in_e} e is negative; OIML R 76 table 6 is for loads m ≥ 0")
    half, one, top = limits
    if load_in_e <= half:
        mpe = 0.5
    elif load_in_e <= one:
        mpe = 1.0
    elif load_in_e <= top:
        mpe = 1.5
    else:
        raise CriterionError(
            f"load: {load_in_e:g} e is above the {top:g} e that table 6 of OIML R 76-1 covers for class "
            f"{accuracy_class}"
        )
    return 2 * mpe if in_service else mpe


def _fmt(x: float) -> float:
    # Round away binary noise (0.1 + 0.2) so that stored and displayed limits are the decimal the table gives.
    return float(f"{x:.12g}")


def mpe_at(
    criterion: Criterion,
    nominal: float,
    *,
    range_max: float,
    resolution: float,
    range_min: float = 0.0,
    accuracy_class: str | None = None,
    verification_interval: float | None = None,
) -> float:
    """The maximum permissible error (a positive number, procedure unit) at ``nominal``.

    ``accuracy_class`` and ``verification_interval`` (e of OIML R 76; defaults to ``resolution``) come
    from the
    instrument when the criterion does not fix them.

    >>> mpe_at(OimlR76(), 2.0, range_max=6.0, resolution=0.002, accuracy_class="III")  # 1000 e → 1 e
    0.002
    >>> mpe_at(PressureGauge(1.6), 4.0, range_max=10.0, resolution=0.05)
    0.16
    """
    if not (math.isfinite(nominal) and math.isfinite(range_max) and math.isfinite(range_min)):
        raise CriterionError(
            f"nominal/range: values must be finite (got {nominal}, {range_min}..{range_max})"
        )
    if range_max <= range_min:
        raise CriterionError(f"range_max: {range_max} must be above range_min {range_min}")
    if not (resolution > 0 and math.isfinite(resolution)):
        raise CriterionError(f"resolution: {resolution} must be a positive number")
    value = _mpe(criterion, nominal, range_min, range_max, resolution, accuracy_class, verification_interval)
    return _fmt(value)


def _mpe(
    c: Criterion,
    x: float,
    lo: float,
    hi: float,
    res: float,
    cls: str | None,
    e: float | None,
) -> float:
    if isinstance(c, Fixed):
        return abs(c.value)
    if isinstance(c, PercentOfReading):
        return c.percent / 100 * abs(x)
    if isinstance(c, PercentOfRange):
        return c.percent / 100 * (hi - lo)
    if isinstance(c, Counts):
        return c.counts * res
    if isinstance(c, Sum):
        return sum(_mpe(t, x, lo, hi, res, cls, e) for t in c.terms)
    if isinstance(c, Banded):
        for band in c.bands:
            if abs(x) <= band.up_to:
                return _mpe(band.criterion, x, lo, hi, res, cls, e)
        raise CriterionError(f"nominal: {x} is above the last band ({c.bands[-1].up_to}) of the criterion")
    if isinstance(c, OimlR76):
        klass = c.accuracy_class or cls
        if klass is None:
            raise CriterionError(
                "accuracy_class: the instrument's OIML R 76 class (I, II, III, IIII) is missing"
            )
        interval = e if e is not None else res
        if not interval > 0:
            raise CriterionError(f"verification_interval: e = {interval} must be positive")
        # Loads are whole multiples of e in R 76; the tiny tolerance keeps 0.5/0.001 = 499.99… in its band.
        load_in_e = abs(x) / interval
        nearest = round(load_in_e)
        if math.isclose(load_in_e, nearest, rel_tol=1e-9):
            load_in_e = nearest
        return r76_mpe_in_e(load_in_e, klass, in_service=c.in_service) * interval
    if isinstance(c, PressureGauge):
        raw = c.accuracy_class if c.accuracy_class is not None else cls
        if raw is None:
            raise CriterionError("accuracy_class: the pressure gauge's accuracy class is missing")
        try:
            klass_f = float(raw)
        except ValueError:
            raise CriterionError(f"accuracy_class: {raw!r} is not a number") from None
        if klass_f not in PRESSURE_GAUGE_CLASSES:
            raise CriterionError(
                f"accuracy_class: {klass_f:g} is not a pressure gauge class "
                f"({', '.join(f'{k:g}' for k in PRESSURE_GAUGE_CLASSES)})"
            )
        return klass_f / 100 * (hi - lo)
    raise CriterionError(f"criterion: unsupported criterion {c!r}")


def _number(data: Mapping[str, Any], key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CriterionError(f"{where}.{key}: expected a number, got {value!r}")
    if not math.isfinite(value) and key != "up_to":
        raise CriterionError(f"{where}.{key}: must be finite, got {value!r}")
    return float(value)


def criterion_from_dict(data: Any, where: str = "acceptance") -> Criterion:
    """Build a criterion from its procedure-file form.

    >>> criterion_from_dict({"kind": "sum", "terms": [{"kind": "percent_of_reading", "percent": 0.5},
    ...                                               {"kind": "counts", "counts": 2}]})
    Sum(terms=(PercentOfReading(percent=0.5), Counts(counts=2.0)))
    """
    if not isinstance(data, Mapping):
        raise CriterionError(f"{where}: expected an object with a 'kind', got {data!r}")
    kind = data.get("kind")
    if kind == "fixed":
        return Fixed(_number(data, "value", where))
    if kind == "percent_of_reading":
        return PercentOfReading(_number(data, "percent", where))
    if kind == "percent_of_range":
        return PercentOfRange(_number(data, "percent", where))
    if kind == "counts":
        return Counts(_number(data, "counts", where))
    if kind == "sum":
        terms = data.get("terms")
        if not isinstance(terms, list) or not terms:
            raise CriterionError(f"{where}.terms: expected a non-empty list of criteria")
        return Sum(tuple(criterion_from_dict(t, f"{where}.terms[{i}]") for i, t in enumerate(terms)))
    if kind == "banded":
        bands = data.get("bands")
        if not isinstance(bands, list) or not bands:
            raise CriterionError(f"{where}.bands: expected a non-empty list of {{up_to, criterion}}")
        built = tuple(
            Band(
                _number(b, "up_to", f"{where}.bands[{i}]"),
                criterion_from_dict(b.get("criterion"), f"{where}.bands[{i}].criterion"),
            )
            for i, b in enumerate(bands)
        )
        if any(a.up_to >= b.up_to for a, b in itertools.pairwise(built)):
            raise CriterionError(f"{where}.bands: up_to values must increase")
        return Banded(built)
    if kind == "oiml_r76":
        klass = data.get("accuracy_class")
        if klass is not None and klass not in R76_TABLE_6:
            raise CriterionError(f"{where}.accuracy_class: {klass!r} is not I, II, III or IIII")
        stage = data.get("stage", "initial")
        if stage not in ("initial", "in_service"):
            raise CriterionError(f"{where}.stage: expected 'initial' or 'in_service', got {stage!r}")
        return OimlR76(klass, in_service=stage == "in_service")
    if kind == "pressure_gauge":
        klass_f = data.get("accuracy_class")
        if klass_f is not None:
            klass_f = _number(data, "accuracy_class", where)
            if klass_f not in PRESSURE_GAUGE_CLASSES:
                raise CriterionError(f"{where}.accuracy_class: {klass_f:g} is not a pressure gauge class")
        return PressureGauge(klass_f)
    raise CriterionError(
        f"{where}.kind: {kind!r} is not one of fixed, percent_of_reading, percent_of_range, counts, sum, "
        "banded, oiml_r76, pressure_gauge"
    )


def criterion_to_dict(c: Criterion) -> dict[str, Any]:
    """The procedure-file form of a criterion (inverse of :func:`criterion_from_dict`).

    >>> criterion_to_dict(OimlR76("III", in_service=True))
    {'kind': 'oiml_r76', 'accuracy_class': 'III', 'stage': 'in_service'}
    """
    if isinstance(c, Fixed):
        return {"kind": "fixed", "value": c.value}
    if isinstance(c, PercentOfReading):
        return {"kind": "percent_of_reading", "percent": c.percent}
    if isinstance(c, PercentOfRange):
        return {"kind": "percent_of_range", "percent": c.percent}
    if isinstance(c, Counts):
        return {"kind": "counts", "counts": c.counts}
    if isinstance(c, Sum):
        return {"kind": "sum", "terms": [criterion_to_dict(t) for t in c.terms]}
    if isinstance(c, Banded):
        return {
            "kind": "banded",
            "bands": [{"up_to": b.up_to, "criterion": criterion_to_dict(b.criterion)} for b in c.bands],
        }
    if isinstance(c, OimlR76):
        return {
            "kind": "oiml_r76",
            "accuracy_class": c.accuracy_class,
            "stage": "in_service" if c.in_service else "initial",
        }
    return {"kind": "pressure_gauge", "accuracy_class": c.accuracy_class}
