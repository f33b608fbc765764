"""Probability distributions assigned to input quantities (JCGM 100:2008 4.3, JCGM 101:2008 6.4).

Each distribution knows the standard uncertainty it implies for the law of propagation, its default
degrees of freedom, and how to draw Monte Carlo samples around an estimate with a numpy ``Generator``.
All widths are in the unit of the input quantity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray

from lims.domain.uncertainty.errors import BudgetFormatError

FloatArray = NDArray[np.float64]


def check_number(value: object, field: str, *, minimum: float | None = None, strict: bool = False) -> float:
    """Return ``value`` as a float, or raise naming ``field`` if it is not a finite number in range.

    >>> check_number(2, "k", minimum=0, strict=True)
    2.0
    >>> check_number(-1.0, "half_width", minimum=0)
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.BudgetFormatError: half_width: must be a finite number >= 0
    """
    bound = "" if minimum is None else f" {'>' if strict else '>='} {minimum:g}"
    problem = BudgetFormatError(f"must be a finite number{bound}", field=field)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise problem
    number = float(value)
    if not math.isfinite(number):
        raise problem
    if minimum is not None and (number < minimum or (strict and number == minimum)):
        raise problem
    return number


def draw_t(rng: np.random.Generator, estimate: float, scale: float, dof: float, size: int) -> FloatArray:
    """Draws ξ = x + s·t from the scaled and shifted t distribution t_ν(x, s²), t drawn from the central t
    distribution with ν degrees of freedom (JCGM 101:2008 6.4.9.7); from N(x, s²) when ν is infinite
    (6.4.7). Its standard deviation is s·√(ν/(ν − 2)), finite only for ν > 2 (6.4.9.4): callers refuse
    ν ≤ 2 before drawing.

    >>> rng = np.random.default_rng(1)
    >>> round(float(np.std(draw_t(rng, 0.0, 1.0, 5.0, 400_000))), 2), round(math.sqrt(5 / 3), 2)
    (1.29, 1.29)
    """
    draws = rng.standard_normal(size) if math.isinf(dof) else rng.standard_t(dof, size)
    draws *= scale
    draws += estimate
    return draws


class Distribution(Protocol):
    """What the engine needs from a distribution."""

    kind: ClassVar[str]

    @property
    def standard_uncertainty(self) -> float: ...

    @property
    def degrees_of_freedom(self) -> float: ...

    @property
    def estimate(self) -> float | None: ...

    @property
    def is_gaussian(self) -> bool: ...

    def sample(self, rng: np.random.Generator, estimate: float, size: int) -> FloatArray: ...


@dataclass(frozen=True, slots=True)
class Normal:
    """Gaussian distribution N(x, u²) (JCGM 101 6.4.7); from a certificate, u = U/k (JCGM 100 4.3.3).

    An input that declares finite degrees of freedom ν with this distribution (a certificate's ν_eff, or a
    standard deviation from n − 1 = ν readings) is drawn by Monte Carlo from t_ν(x, u²) instead
    (JCGM 101:2008 6.4.9.2–6.4.9.3; :func:`lims.domain.uncertainty.montecarlo.monte_carlo_dof`).

    >>> Normal.from_expanded(0.045, 2).standard_uncertainty
    0.0225
    """

    u: float
    expanded: float | None = None
    k: float | None = None
    kind: ClassVar[str] = "normal"

    def __post_init__(self) -> None:
        check_number(self.u, "u", minimum=0)

    @classmethod
    def from_expanded(cls, expanded: float, k: float) -> Normal:
        """Normal distribution from an expanded uncertainty U and its coverage factor k."""
        expanded = check_number(expanded, "expanded", minimum=0)
        k = check_number(k, "k", minimum=0, strict=True)
        return cls(u=expanded / k, expanded=expanded, k=k)

    @property
    def standard_uncertainty(self) -> float:
        return self.u

    @property
    def degrees_of_freedom(self) -> float:
        return math.inf

    @property
    def estimate(self) -> None:
        return None

    @property
    def is_gaussian(self) -> bool:
        return True

    def sample(self, rng: np.random.Generator, estimate: float, size: int) -> FloatArray:
        return rng.normal(estimate, self.u, size)


@dataclass(frozen=True, slots=True)
class Rectangular:
    """Rectangular distribution of half-width a: u = a/√3 (JCGM 100 4.3.7, JCGM 101 6.4.2).

    >>> round(Rectangular(0.015).standard_uncertainty, 5)
    0.00866
    """

    half_width: float
    kind: ClassVar[str] = "rectangular"

    def __post_init__(self) -> None:
        check_number(self.half_width, "half_width", minimum=0)

    @property
    def standard_uncertainty(self) -> float:
        return self.half_width / math.sqrt(3.0)

    @property
    def degrees_of_freedom(self) -> float:
        return math.inf

    @property
    def estimate(self) -> None:
        return None

    @property
    def is_gaussian(self) -> bool:
        return False

    def sample(self, rng: np.random.Generator, estimate: float, size: int) -> FloatArray:
        return rng.uniform(estimate - self.half_width, estimate + self.half_width, size)


@dataclass(frozen=True, slots=True)
class Triangular:
    """Symmetric triangular distribution of half-width a: u = a/√6 (JCGM 100 4.3.9, JCGM 101 6.4.5).

    >>> round(Triangular(1e-6).standard_uncertainty * 1e6, 4)
    0.4082
    """

    half_width: float
    kind: ClassVar[str] = "triangular"

    def __post_init__(self) -> None:
        check_number(self.half_width, "half_width", minimum=0)

    @property
    def standard_uncertainty(self) -> float:
        return self.half_width / math.sqrt(6.0)

    @property
    def degrees_of_freedom(self) -> float:
        return math.inf

    @property
    def estimate(self) -> None:
        return None

    @property
    def is_gaussian(self) -> bool:
        return False

    def sample(self, rng: np.random.Generator, estimate: float, size: int) -> FloatArray:
        draws = rng.random(size)
        draws -= rng.random(size)
        draws *= self.half_width
        draws += estimate
        return draws


@dataclass(frozen=True, slots=True)
class Arcsine:
    """Arcsine (U-shaped) distribution of half-width a: u = a/√2 (JCGM 101 6.4.6).

    >>> round(Arcsine(1.0).standard_uncertainty, 4)
    0.7071
    """

    half_width: float
    kind: ClassVar[str] = "arcsine"

    def __post_init__(self) -> None:
        check_number(self.half_width, "half_width", minimum=0)

    @property
    def standard_uncertainty(self) -> float:
        return self.half_width / math.sqrt(2.0)

    @property
    def degrees_of_freedom(self) -> float:
        return math.inf

    @property
    def estimate(self) -> None:
        return None

    @property
    def is_gaussian(self) -> bool:
        return False

    def sample(self, rng: np.random.Generator, estimate: float, size: int) -> FloatArray:
        draws = rng.random(size)
        draws *= 2.0 * math.pi
        np.sin(draws, out=draws)
        draws *= self.half_width
        draws += estimate
        return draws


@dataclass(frozen=True, slots=True)
class StudentT:
    """Scaled and shifted t distribution t_ν(x, s²): u = s·√(ν/(ν−2)) (JCGM 101 6.4.9.3).

    Its standard uncertainty already includes the widening due to ν, so for the law of propagation the
    input is taken with infinite degrees of freedom unless the input states ``dof`` itself.

    >>> round(StudentT(scale=1.0, dof=4).standard_uncertainty, 4)
    1.4142
    """

    scale: float
    dof: float
    kind: ClassVar[str] = "student_t"

    def __post_init__(self) -> None:
        check_number(self.scale, "scale", minimum=0)
        dof = check_number(self.dof, "dof", minimum=0, strict=True)
        if dof <= 2:
            raise BudgetFormatError(
                "must be > 2 (the t distribution has no finite variance otherwise)", field="dof"
            )

    @property
    def standard_uncertainty(self) -> float:
        return self.scale * math.sqrt(self.dof / (self.dof - 2.0))

    @property
    def degrees_of_freedom(self) -> float:
        return math.inf

    @property
    def estimate(self) -> None:
        return None

    @property
    def is_gaussian(self) -> bool:
        return False

    def sample(self, rng: np.random.Generator, estimate: float, size: int) -> FloatArray:
        return draw_t(rng, estimate, self.scale, self.dof, size)


@dataclass(frozen=True, slots=True)
class TypeA:
    """Type A evaluation from repeated readings (JCGM 100 4.2): mean, u = s/√n, ν = n − 1.

    With a pooled standard deviation s_p from an earlier evaluation (JCGM 100 4.2.4, e.g. a balance's known
    repeatability), u = s_p/√n and ν is that of the pooled estimate (infinite when not stated). Monte Carlo
    draws from the scaled and shifted t distribution t_ν(x̄, u²) (JCGM 101 6.4.9.7).

    >>> a = TypeA((0.010, 0.030, 0.020), pooled_sd=0.025)
    >>> round(a.estimate, 6), round(a.standard_uncertainty, 5), a.degrees_of_freedom
    (0.02, 0.01443, inf)
    >>> TypeA((1.0, 2.0, 3.0)).degrees_of_freedom
    2.0
    """

    readings: tuple[float, ...]
    pooled_sd: float | None = None
    pooled_dof: float | None = None
    kind: ClassVar[str] = "type_a"

    def __post_init__(self) -> None:
        if not isinstance(self.readings, Sequence) or isinstance(self.readings, str):
            raise BudgetFormatError("must be a list of at least two numbers", field="readings")
        if len(self.readings) < 2:
            raise BudgetFormatError(
                "must hold at least two readings for a Type A evaluation", field="readings"
            )
        for index, reading in enumerate(self.readings):
            check_number(reading, f"readings[{index}]")
        if self.pooled_sd is not None:
            check_number(self.pooled_sd, "pooled_sd", minimum=0)
        if self.pooled_dof is not None:
            if self.pooled_sd is None:
                raise BudgetFormatError("needs pooled_sd", field="pooled_dof")
            check_number(self.pooled_dof, "pooled_dof", minimum=0, strict=True)

    @property
    def count(self) -> int:
        return len(self.readings)

    @property
    def estimate(self) -> float:
        return math.fsum(self.readings) / self.count

    @property
    def experimental_sd(self) -> float:
        """Experimental standard deviation s(q_k) of the readings (JCGM 100 4.2.2)."""
        mean = self.estimate
        return math.sqrt(math.fsum((q - mean) ** 2 for q in self.readings) / (self.count - 1))

    @property
    def standard_uncertainty(self) -> float:
        sd = self.pooled_sd if self.pooled_sd is not None else self.experimental_sd
        return sd / math.sqrt(self.count)

    @property
    def degrees_of_freedom(self) -> float:
        if self.pooled_sd is not None:
            return float(self.pooled_dof) if self.pooled_dof is not None else math.inf
        return float(self.count - 1)

    @property
    def is_gaussian(self) -> bool:
        return math.isinf(self.degrees_of_freedom)

    @property
    def too_few_for_monte_carlo(self) -> bool:
        """Fewer than 4 readings and no pooled standard deviation: the t distribution of JCGM 101 6.4.9 has
        n − 1 ≤ 2 degrees of freedom and no finite variance, so Monte Carlo cannot use it (JCGM 101 6.4.9.4),
        and for the law of propagation s/√n from so few readings is itself very uncertain (JCGM 100 G.3.3).

        >>> TypeA((1.0, 2.0, 3.0)).too_few_for_monte_carlo, TypeA((1.0, 2.0, 3.0, 2.0)).too_few_for_monte_carlo
        (True, False)
        >>> TypeA((1.0, 2.0), pooled_sd=0.5).too_few_for_monte_carlo
        False
        """
        return self.pooled_sd is None and self.count < 4

    def sample(self, rng: np.random.Generator, estimate: float, size: int) -> FloatArray:
        return draw_t(rng, estimate, self.standard_uncertainty, self.degrees_of_freedom, size)


#: Every distribution kind of the budget format, by its ``kind`` name.
KINDS: tuple[str, ...] = ("normal", "rectangular", "triangular", "arcsine", "student_t", "type_a")
