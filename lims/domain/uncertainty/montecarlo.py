"""Monte Carlo method of JCGM 101:2008 (GUM Supplement 1).

The parsed model is evaluated on numpy arrays, block by block, so memory stays bounded by the block size
plus one float64 per trial (needed to sort for the coverage intervals, JCGM 101 7.5–7.7). Draws come from a
seedable :class:`numpy.random.Generator`; the seed is always reported so that a run can be repeated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from lims.domain.uncertainty.budget import BudgetSpec, InputQuantity
from lims.domain.uncertainty.distributions import Normal, TypeA, draw_t
from lims.domain.uncertainty.errors import MonteCarloError, NonFiniteResultError
from lims.domain.uncertainty.propagation import PropagationResult

FloatArray = NDArray[np.float64]

DEFAULT_TRIALS = 1_000_000
DEFAULT_BLOCK_SIZE = 65_536
MAX_TRIALS = 100_000_000

#: numpy counterparts of the model's functions (JCGM 101 7.5: the model is evaluated for every draw).
NUMPY_FUNCTIONS: Mapping[str, Any] = {
    "sqrt": np.sqrt,
    "exp": np.exp,
    "log": np.log,
    "log10": np.log10,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "asin": np.arcsin,
    "acos": np.arccos,
    "atan": np.arctan,
}


@dataclass(frozen=True, slots=True)
class AdaptiveRun:
    """How the adaptive procedure of JCGM 101 7.9 ended."""

    significant_digits: int
    sequences: int
    tolerance: float
    converged: bool


@dataclass(frozen=True, slots=True)
class MonteCarloResult:
    """Estimate (mean), standard uncertainty and coverage intervals from M trials (JCGM 101 7.6, 7.7)."""

    value: float
    standard_uncertainty: float
    interval: tuple[float, float]
    shortest_interval: tuple[float, float]
    coverage_probability: float
    trials: int
    seed: int
    adaptive: AdaptiveRun | None = None


@dataclass(frozen=True, slots=True)
class Validation:
    """Comparison of the GUM interval y ± U_p with the Monte Carlo interval (JCGM 101 8.2)."""

    passed: bool
    d_low: float
    d_high: float
    tolerance: float
    significant_digits: int


def minimum_trials(coverage_probability: float) -> int:
    """J, the smallest integer ≥ 100/(1 − p) (JCGM 101 7.2.2 Note 2 and 7.9.4 b).

    >>> minimum_trials(0.95), minimum_trials(0.9545)
    (2000, 2198)
    """
    return math.ceil(round(100.0 / (1.0 - coverage_probability), 9))


def numerical_tolerance(standard_uncertainty: float, significant_digits: int = 2) -> float:
    """δ = ½·10^l where u = c × 10^l and c has ``significant_digits`` digits (JCGM 101 7.9.2).

    >>> numerical_tolerance(0.0539), numerical_tolerance(2.0), numerical_tolerance(0.0999)
    (0.0005, 0.05, 0.005)
    """
    if standard_uncertainty <= 0 or not math.isfinite(standard_uncertainty):
        return 0.0
    exponent = math.floor(math.log10(standard_uncertainty)) - significant_digits + 1
    if round(standard_uncertainty / 10.0**exponent) >= 10**significant_digits:
        exponent += 1
    return float(0.5 * 10.0**exponent)


def monte_carlo_dof(quantity: InputQuantity) -> float:
    """ν of the t distribution Monte Carlo draws a Gaussian-type input from (JCGM 101:2008 6.4.9).

    A ``normal`` or ``type_a`` input with finite degrees of freedom is assigned the scaled and shifted t
    distribution t_ν(x, u²): from n indications x̄ and u = s/√n with ν = n − 1 (6.4.9.2), from a certificate
    x and u = U/k with ν = ν_eff (6.4.9.3). ν is the one the input declares (``dof``), else the
    distribution's own (n − 1, or a pooled ν). Infinite means N(x, u²) (6.4.7). Other distributions keep
    their own shape (JCGM 101 6.4.2–6.4.6 take their limits as exactly known): a ``dof`` on them is the
    reliability of u for Welch–Satterthwaite only (JCGM 100 G.4.2), and this returns infinity.

    >>> from lims.domain.uncertainty.io import parse_input
    >>> monte_carlo_dof(parse_input({"name": "x", "value": 0, "dof": 5,
    ...                              "distribution": {"kind": "normal", "u": 1}}, 0))
    5.0
    >>> monte_carlo_dof(parse_input({"name": "x", "value": 0, "dof": 5,
    ...                              "distribution": {"kind": "rectangular", "half_width": 1}}, 0))
    inf
    """
    if isinstance(quantity.distribution, Normal | TypeA):
        return float(quantity.degrees_of_freedom)
    return math.inf


@dataclass(frozen=True, slots=True)
class MonteCarloRefusal:
    """An input Monte Carlo cannot draw: its t distribution has ν ≤ 2, so no finite variance
    (JCGM 101:2008 6.4.9.4). ``readings`` is n for a Type A input of n < 4 readings without a pooled s."""

    index: int
    name: str
    dof: float
    readings: int | None = None

    @property
    def field(self) -> str:
        return (
            f"inputs[{self.index}].distribution" if self.readings is not None else f"inputs[{self.index}].dof"
        )

    @property
    def message(self) -> str:
        if self.readings is not None:
            return (
                f"{self.name!r} is a Type A evaluation of {self.readings} readings without a pooled standard "
                f"deviation: its t distribution with {self.readings - 1} degrees of freedom has no finite "
                "variance, so Monte Carlo cannot use it (JCGM 101:2008 6.4.9.4); give at least 4 readings or "
                "pooled_sd and pooled_dof"
            )
        return (
            f"{self.name!r} has ν = {self.dof:g} degrees of freedom: its t distribution t_ν(x, u²) (JCGM 101:2008 "
            "6.4.9.2–6.4.9.3) has no finite variance for ν ≤ 2, so Monte Carlo cannot use it (JCGM 101:2008 "
            "6.4.9.4); evaluate u with more degrees of freedom"
        )

    @property
    def warning(self) -> str:
        """The flag the law of propagation carries instead (JCGM 100 G.3.3: s from so few readings is itself
        very uncertain, and k = t_p(ν_eff) is large)."""
        if self.readings is not None:
            return (
                f"inputs[{self.index}] {self.name!r}: Type A from {self.readings} readings without a pooled "
                f"standard deviation (ν = {self.readings - 1}); Monte Carlo is refused (JCGM 101:2008 6.4.9.4): "
                "take at least 4 readings or give pooled_sd"
            )
        return (
            f"inputs[{self.index}] {self.name!r}: t distribution with ν = {self.dof:g} degrees of freedom, no "
            "finite variance for ν ≤ 2; Monte Carlo is refused (JCGM 101:2008 6.4.9.4): the law of propagation "
            "is used with k from ν_eff"
        )


def monte_carlo_refusals(spec: BudgetSpec) -> list[MonteCarloRefusal]:
    """The inputs Monte Carlo refuses (JCGM 101:2008 6.4.9.4): a Type A input of fewer than 4 readings without
    a pooled s, and any input drawn from a t distribution (:func:`monte_carlo_dof`) with ν ≤ 2.

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> [(r.name, r.dof, r.readings) for r in monte_carlo_refusals(parse_budget({"model": "a + b + c", "inputs": [
    ...     {"name": "a", "distribution": {"kind": "type_a", "readings": [1.0, 1.2, 1.1]}},
    ...     {"name": "b", "value": 0, "dof": 2, "distribution": {"kind": "normal", "u": 1}},
    ...     {"name": "c", "value": 0, "dof": 3, "distribution": {"kind": "normal", "u": 1}}]}))]
    [('a', 2.0, 3), ('b', 2.0, None)]
    """
    found = []
    for i, quantity in enumerate(spec.inputs):
        dist = quantity.distribution
        if isinstance(dist, TypeA) and dist.too_few_for_monte_carlo:
            found.append(MonteCarloRefusal(i, quantity.name, float(dist.count - 1), dist.count))
        elif monte_carlo_dof(quantity) <= 2:
            found.append(MonteCarloRefusal(i, quantity.name, monte_carlo_dof(quantity)))
    return found


def check_inputs_for_monte_carlo(spec: BudgetSpec) -> None:
    """Refuse Monte Carlo for an input whose t distribution has no finite variance (JCGM 101 6.4.9.4).

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> check_inputs_for_monte_carlo(parse_budget({"model": "x", "inputs": [
    ...     {"name": "x", "distribution": {"kind": "type_a", "readings": [1.0, 1.2]}}]}))
    Traceback (most recent call last):
    ...
    lims.domain.uncertainty.errors.MonteCarloError: inputs[0].distribution: 'x' is a Type A evaluation of \
2 readings without a pooled standard deviation: its t distribution with 1 degrees of freedom has no finite \
variance, so Monte Carlo cannot use it (JCGM 101:2008 6.4.9.4); give at least 4 readings or pooled_sd and \
pooled_dof
    """
    for refusal in monte_carlo_refusals(spec):
        raise MonteCarloError(refusal.message, field=refusal.field)


class Sampler:
    """Draws blocks of input values for a budget (JCGM 101 6.4), jointly Gaussian for correlated inputs."""

    def __init__(self, spec: BudgetSpec, rng: np.random.Generator) -> None:
        self.spec = spec
        self.rng = rng
        check_inputs_for_monte_carlo(spec)
        self.dof = [monte_carlo_dof(q) for q in spec.inputs]
        matrix = spec.correlation_matrix()
        correlated = [i for i in range(len(spec.inputs)) if np.any(np.delete(matrix[i], i) != 0)]
        for i in correlated:
            quantity = spec.inputs[i]
            if not quantity.distribution.is_gaussian or not math.isinf(self.dof[i]):
                drawn = (
                    quantity.distribution.kind
                    if not quantity.distribution.is_gaussian
                    else f"a t distribution with ν = {self.dof[i]:g}"
                )
                raise MonteCarloError(
                    f"{quantity.name!r} is correlated but its distribution is {drawn}; "
                    "Monte Carlo correlates only Gaussian inputs (JCGM 101 6.4.8)",
                    field="correlations",
                )
        self.correlated = correlated
        if correlated:
            u = np.array([spec.inputs[i].standard_uncertainty for i in correlated])
            covariance = matrix[np.ix_(correlated, correlated)] * np.outer(u, u)
            eigenvalues, eigenvectors = np.linalg.eigh(covariance)
            # The factor of a positive semi-definite matrix (JCGM 101 C.5); eigh tolerates singular ones.
            self.factor = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
            self.means = np.array([spec.inputs[i].estimate for i in correlated])

    def draw(self, size: int) -> dict[str, FloatArray]:
        values: dict[str, FloatArray] = {}
        correlated = set(self.correlated)
        for i, quantity in enumerate(self.spec.inputs):
            if i in correlated:
                continue
            if isinstance(quantity.distribution, Normal | TypeA):
                # t_ν(x, u²) with the input's ν, Gaussian when infinite (JCGM 101 6.4.9.7, 6.4.7)
                values[quantity.name] = draw_t(
                    self.rng, quantity.estimate, quantity.standard_uncertainty, self.dof[i], size
                )
            else:
                values[quantity.name] = quantity.distribution.sample(self.rng, quantity.estimate, size)
        if self.correlated:
            joint = self.means[:, None] + self.factor @ self.rng.standard_normal((len(self.correlated), size))
            for row, i in enumerate(self.correlated):
                values[self.spec.inputs[i].name] = joint[row]
        return values


def _evaluate_block(spec: BudgetSpec, values: Mapping[str, FloatArray], size: int) -> FloatArray:
    with np.errstate(all="ignore"):
        y = spec.model.evaluate(values, NUMPY_FUNCTIONS)
    block = np.broadcast_to(np.asarray(y, dtype=float), (size,))
    if not math.isfinite(float(np.sum(block))):
        # The sum is finite only if every value is (an overflow of the sum itself is also refused).
        raise NonFiniteResultError(
            "evaluates to a non-finite value for some Monte Carlo draws (division by zero, logarithm or "
            "square root of a negative number, or overflow)",
            field="model",
        )
    return block


def _run(spec: BudgetSpec, rng: np.random.Generator, trials: int, block_size: int) -> FloatArray:
    sampler = Sampler(spec, rng)
    out = np.empty(trials)
    for start in range(0, trials, block_size):
        size = min(block_size, trials - start)
        out[start : start + size] = _evaluate_block(spec, sampler.draw(size), size)
    return out


def _symmetric_interval(ordered: FloatArray, p: float) -> tuple[float, float]:
    """Probabilistically symmetric coverage interval from sorted values (JCGM 101 7.7.1)."""
    m = ordered.size
    q = min(int(p * m + 0.5), m - 1)
    r = (m - q) // 2 if (m - q) % 2 == 0 else (m - q + 1) // 2
    r = max(r, 1)
    return float(ordered[r - 1]), float(ordered[r + q - 1])


def _shortest_interval(ordered: FloatArray, p: float, chunk: int = 1_000_000) -> tuple[float, float]:
    """Shortest coverage interval from sorted values (JCGM 101 7.7.2), scanned in chunks to bound memory."""
    m = ordered.size
    q = min(int(p * m + 0.5), m - 1)
    best_start, best_width = 0, math.inf
    for start in range(0, m - q, chunk):
        stop = min(start + chunk, m - q)
        widths = ordered[start + q : stop + q] - ordered[start:stop]
        i = int(np.argmin(widths))
        if widths[i] < best_width:
            best_start, best_width = start + i, float(widths[i])
    return float(ordered[best_start]), float(ordered[best_start + q])


def _standard_deviation(values: FloatArray, mean: float, chunk: int = 1_000_000) -> float:
    """Sample standard deviation (1/(M − 1), JCGM 101 7.6) in chunks, without a temporary of size M."""
    total = 0.0
    for start in range(0, values.size, chunk):
        deviations = values[start : start + chunk] - mean
        total += float(np.dot(deviations, deviations))
    return math.sqrt(total / (values.size - 1))


def summarise(
    values: FloatArray, p: float, *, seed: int, adaptive: AdaptiveRun | None = None
) -> MonteCarloResult:
    """Mean, standard deviation and both coverage intervals of the model values (sorted in place).

    >>> r = summarise(np.arange(1.0, 101.0), 0.9, seed=0)
    >>> r.value, r.interval, r.shortest_interval
    (50.5, (5.0, 95.0), (1.0, 91.0))
    """
    mean = float(np.mean(values))
    sd = _standard_deviation(values, mean)
    values.sort()
    return MonteCarloResult(
        value=mean,
        standard_uncertainty=sd,
        interval=_symmetric_interval(values, p),
        shortest_interval=_shortest_interval(values, p),
        coverage_probability=p,
        trials=int(values.size),
        seed=seed,
        adaptive=adaptive,
    )


def _seed(seed: int | None) -> int:
    if seed is None:
        entropy = np.random.SeedSequence().entropy
        assert isinstance(entropy, int)
        return entropy % (2**63)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise MonteCarloError("must be a non-negative integer", field="seed")
    return seed


def _check_trials(trials: int, p: float, field: str = "trials") -> int:
    if isinstance(trials, bool) or not isinstance(trials, int):
        raise MonteCarloError("must be an integer", field=field)
    least = minimum_trials(p)
    if trials < least:
        raise MonteCarloError(
            f"must be at least {least} for coverage probability {p:g} (JCGM 101 7.2.2)", field=field
        )
    if trials > MAX_TRIALS:
        raise MonteCarloError(f"must be at most {MAX_TRIALS}", field=field)
    return trials


def monte_carlo(
    spec: BudgetSpec,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> MonteCarloResult:
    """Propagate the distributions with ``trials`` Monte Carlo trials (JCGM 101 clause 7).

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> spec = parse_budget({"model": "a + b", "coverage_probability": 0.95, "inputs": [
    ...     {"name": "a", "value": 0, "distribution": {"kind": "normal", "u": 1}},
    ...     {"name": "b", "value": 0, "distribution": {"kind": "normal", "u": 1}}]})
    >>> r = monte_carlo(spec, trials=100_000, seed=1)
    >>> round(r.standard_uncertainty, 2), [round(x, 1) for x in r.interval]
    (1.41, [-2.8, 2.8])
    """
    trials = _check_trials(trials, spec.coverage_probability)
    if block_size < 1:
        raise MonteCarloError("must be a positive integer", field="block_size")
    seed = _seed(seed)
    values = _run(spec, np.random.default_rng(seed), trials, block_size)
    return summarise(values, spec.coverage_probability, seed=seed)


def monte_carlo_adaptive(
    spec: BudgetSpec,
    *,
    significant_digits: int = 2,
    seed: int | None = None,
    max_trials: int = 10_000_000,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> MonteCarloResult:
    """Adaptive Monte Carlo procedure of JCGM 101 7.9.4.

    Sequences of M = max(J, 10⁴) trials are added until twice the standard deviation of the sequence
    averages of y, u(y), y_low and y_high is at most the numerical tolerance δ of u(y) (JCGM 101 7.9.2), or
    ``max_trials`` is reached (then ``adaptive.converged`` is false). Results use all trials (7.9.4 j).
    """
    if (
        isinstance(significant_digits, bool)
        or not isinstance(significant_digits, int)
        or not (1 <= significant_digits <= 4)
    ):
        raise MonteCarloError("must be an integer from 1 to 4", field="significant_digits")
    p = spec.coverage_probability
    per_sequence = max(minimum_trials(p), 10_000)
    _check_trials(max_trials, p, field="max_trials")
    seed = _seed(seed)
    rng = np.random.default_rng(seed)
    sequences: list[FloatArray] = []
    stats: list[tuple[float, float, float, float]] = []
    converged = False
    tolerance = math.inf
    while (len(sequences) + 1) * per_sequence <= max_trials:
        values = _run(spec, rng, per_sequence, block_size)
        summary = summarise(values, p, seed=seed)
        sequences.append(values)
        stats.append((summary.value, summary.standard_uncertainty, *summary.interval))
        if len(stats) < 2:
            continue
        h = len(stats)
        spread = np.std(np.array(stats), axis=0, ddof=1) / math.sqrt(h)
        u_all = float(np.std(np.concatenate(sequences), ddof=1))
        tolerance = numerical_tolerance(u_all, significant_digits)
        if np.all(2.0 * spread <= tolerance):
            converged = True
            break
    combined = np.concatenate(sequences)
    run = AdaptiveRun(
        significant_digits=significant_digits,
        sequences=len(sequences),
        tolerance=tolerance,
        converged=converged,
    )
    return summarise(combined, p, seed=seed, adaptive=run)


def validate(
    propagation: PropagationResult, mcm: MonteCarloResult, *, significant_digits: int = 2
) -> Validation:
    """Validate the GUM result against Monte Carlo (JCGM 101 8.2).

    d_low = |y − U_p − y_low|, d_high = |y + U_p − y_high|; the GUM uncertainty framework is validated
    when both are at most the numerical tolerance δ of u_c(y) with ``significant_digits`` digits.

    >>> from lims.domain.uncertainty.io import parse_budget
    >>> from lims.domain.uncertainty.propagation import propagate
    >>> spec = parse_budget({"model": "x1 + x2", "coverage_probability": 0.95, "inputs": [
    ...     {"name": f"x{i}", "value": 0, "distribution": {"kind": "normal", "u": 1}} for i in (1, 2)]})
    >>> check = validate(propagate(spec), monte_carlo(spec, trials=200_000, seed=1))
    >>> check.passed, check.tolerance
    (True, 0.05)
    """
    y, expanded = propagation.value, propagation.expanded_uncertainty
    d_low = abs(y - expanded - mcm.interval[0])
    d_high = abs(y + expanded - mcm.interval[1])
    tolerance = numerical_tolerance(propagation.standard_uncertainty, significant_digits)
    return Validation(
        passed=d_low <= tolerance and d_high <= tolerance,
        d_low=d_low,
        d_high=d_high,
        tolerance=tolerance,
        significant_digits=significant_digits,
    )
