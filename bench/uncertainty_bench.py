"""Benchmark of the uncertainty engine, side by side in one run (issue 3, "Performance").

* Law of propagation of a 10-input budget and of the EA-4/02 S2 weight budget: this engine (full budget
  table: sensitivities, contributions, Welch–Satterthwaite, k) against GTC (the GUM Tree Calculator, the same
  table through ``reporting.u_component``/``dof``) and plain ``uncertainties`` (value, u and derivatives, no
  degrees of freedom).
* Monte Carlo of the JCGM 100 H.1 end-gauge model with 10^6 trials against a hand-written numpy reference
  doing the same work (draws, model, mean, standard deviation, sort, symmetric and shortest intervals),
  with peak memory from tracemalloc (numpy reports its buffers to it), then 10^7 trials.

The law of propagation is timed in process CPU time (``time.process_time``), best of interleaved rounds: the
machine is shared, and CPU time is what the engine costs whatever the other jobs do. ``--compare-with DIR``
times another source tree of this project in a subprocess in the same rounds (for a before/after figure,
e.g. ``git worktree add /tmp/before <commit>``); ``--lpu-only`` skips Monte Carlo.

Run from the repository root:  .venv/bin/python bench/uncertainty_bench.py   (needs the ``bench`` extra)
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np

from lims.domain.uncertainty import parse_budget, propagate
from lims.domain.uncertainty.montecarlo import monte_carlo

TEN_INPUTS = {
    "model": "x0 + x1 * x2 + sqrt(x3) * x4 / x5 + exp(x6 / 100) + log(x7) + x8 ** 2 - x9",
    "inputs": [
        {"name": f"x{i}", "value": value, "dof": 10 + i,
         "distribution": {"kind": "normal", "u": value * 0.01 + 0.01}}
        for i, value in enumerate([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    ],
}
WEIGHT = {
    "model": "m_S + dm_D + dm + dm_C + dB",
    "inputs": [
        {"name": "m_S", "value": 10000.005, "distribution": {"kind": "normal", "expanded": 0.045, "k": 2}},
        {"name": "dm_D", "value": 0, "distribution": {"kind": "rectangular", "half_width": 0.015}},
        {"name": "dm",
         "distribution": {"kind": "type_a", "readings": [0.010, 0.030, 0.020], "pooled_sd": 0.025}},
        {"name": "dm_C", "value": 0, "distribution": {"kind": "rectangular", "half_width": 0.010}},
        {"name": "dB", "value": 0, "distribution": {"kind": "rectangular", "half_width": 0.010}},
    ],
}
END_GAUGE = {
    "model": "l_S + d - l_S * (d_alpha * theta + alpha_S * d_theta)",
    "coverage_probability": 0.99,
    "inputs": [
        {"name": "l_S", "value": 50.000623,
         "distribution": {"kind": "student_t", "scale": 25e-6 / math.sqrt(18 / 16), "dof": 18}},
        {"name": "d", "value": 215e-6, "distribution": {"kind": "normal", "u": 9.7e-6}},
        {"name": "alpha_S", "value": 11.5e-6, "distribution": {"kind": "rectangular", "half_width": 2e-6}},
        {"name": "theta", "value": -0.1, "distribution": {"kind": "normal", "u": 0.41}},
        {"name": "d_alpha", "value": 0, "distribution": {"kind": "rectangular", "half_width": 1e-6}},
        {"name": "d_theta", "value": 0, "distribution": {"kind": "rectangular", "half_width": 0.05}},
    ],
}


def best_of(
    function: Callable[[], object], repeat: int, number: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    """Best mean time per call over ``repeat`` rounds of ``number`` calls (seconds of ``clock``)."""
    times = []
    for _ in range(repeat):
        start = clock()
        for _ in range(number):
            function()
        times.append((clock() - start) / number)
    return min(times)


# Run in the other source tree (its directory first on sys.path): times its propagate() on the budgets read
# from stdin, one round of ``number`` calls each, in process CPU time; prints the seconds per call as JSON.
_OTHER_TREE = """
import json, sys, time, warnings
warnings.simplefilter("ignore")
import lims
if not lims.__file__.startswith(sys.argv[1]):
    raise SystemExit("lims imported from " + lims.__file__ + ", not from " + sys.argv[1])
from lims.domain.uncertainty import parse_budget, propagate
budgets, number = json.load(sys.stdin)
times = []
for budget in budgets:
    spec = parse_budget(budget)
    start = time.process_time()
    for _ in range(number):
        propagate(spec)
    times.append((time.process_time() - start) / number)
print(json.dumps(times))
"""


def other_tree_round(directory: str, budgets: list[dict], number: int) -> list[float]:
    """One round of :data:`_OTHER_TREE` in ``directory`` (seconds per call, one per budget)."""
    directory = os.path.realpath(directory)
    done = subprocess.run(
        [sys.executable, "-c", _OTHER_TREE, directory],
        input=json.dumps([budgets, number]),
        capture_output=True,
        text=True,
        check=True,
        cwd=directory,
    )
    return [float(t) for t in json.loads(done.stdout)]


def propagation_table(repeat: int, other: str | None) -> None:
    """The law-of-propagation table, every column best of ``repeat`` interleaved rounds of CPU time."""
    budgets = [("10 inputs", TEN_INPUTS), ("EA-4/02 S2 weight", WEIGHT)]
    number = 300
    best: dict[tuple[str, str], float] = {}
    runners = []
    for label, budget in budgets:
        spec = parse_budget(budget)
        runners.append((label, "engine", lambda spec=spec: propagate(spec)))
        runners.append((label, "gtc", gtc_budget(budget)))
        runners.append((label, "uncertainties", uncertainties_budget(budget)))
    for _ in range(repeat):
        for label, column, function in runners:
            seconds = best_of(function, 1, number, time.process_time)
            best[label, column] = min(best.get((label, column), math.inf), seconds)
        if other is not None:
            times = other_tree_round(other, [b for _, b in budgets], number)
            for (label, _), seconds in zip(budgets, times, strict=True):
                best[label, "other"] = min(best.get((label, "other"), math.inf), seconds)
    other_head = " | other tree (µs) | engine / other" if other else ""
    print(f"\n| budget | this engine (µs) | GTC (µs) | uncertainties (µs) | engine / GTC{other_head} |")
    print("| --- | ---: | ---: | ---: | ---:" + (" | ---: | ---:" if other else "") + " |")
    for label, _ in budgets:
        ours, gtc, unc = (best[label, c] for c in ("engine", "gtc", "uncertainties"))
        row = f"| {label} | {ours * 1e6:.0f} | {gtc * 1e6:.0f} | {unc * 1e6:.0f} | {ours / gtc:.2f}"
        if other:
            row += f" | {best[label, 'other'] * 1e6:.0f} | {ours / best[label, 'other']:.2f}"
        print(row + " |")
    if other:
        print(f"(other tree: {other})")
    parse_time = best_of(lambda: propagate(parse_budget(TEN_INPUTS)), repeat, 100, time.process_time)
    print(f"\n(10 inputs, parsing the JSON dict and the model text included: {parse_time * 1e6:.0f} µs)")


def gtc_budget(budget: dict) -> Callable[[], object]:
    import GTC
    from GTC import reporting

    spec = parse_budget(budget)
    functions = {"sqrt": GTC.sqrt, "exp": GTC.exp, "log": GTC.log, "log10": GTC.log10, "sin": GTC.sin,
                 "cos": GTC.cos, "tan": GTC.tan, "asin": GTC.asin, "acos": GTC.acos, "atan": GTC.atan}
    model = compile(budget["model"], "<model>", "eval")  # trusted benchmark text only

    def run() -> object:
        values = {q.name: GTC.ureal(q.estimate, q.standard_uncertainty, q.degrees_of_freedom, label=q.name)
                  for q in spec.inputs}
        y = eval(model, {"__builtins__": {}}, {**functions, **values})  # trusted benchmark text
        table = [(reporting.sensitivity(y, x), reporting.u_component(y, x)) for x in values.values()]
        return y.x, y.u, y.df, table

    return run


def uncertainties_budget(budget: dict) -> Callable[[], object]:
    from uncertainties import ufloat, umath

    spec = parse_budget(budget)
    functions = {name: getattr(umath, name) for name in
                 ("sqrt", "exp", "log", "log10", "sin", "cos", "tan", "asin", "acos", "atan")}
    model = compile(budget["model"], "<model>", "eval")

    def run() -> object:
        values = {q.name: ufloat(q.estimate, q.standard_uncertainty, q.name) for q in spec.inputs}
        y = eval(model, {"__builtins__": {}}, {**functions, **values})  # trusted benchmark text
        return y.nominal_value, y.std_dev, [y.derivatives[v] for v in values.values()]

    return run


def reference_end_gauge(trials: int, seed: int, p: float = 0.99) -> tuple[float, float, tuple, tuple]:
    """Hand-written numpy Monte Carlo of the same end-gauge model, all trials at once."""
    rng = np.random.default_rng(seed)
    l_s = 50.000623 + 25e-6 / math.sqrt(18 / 16) * rng.standard_t(18, trials)
    d = 215e-6 + 9.7e-6 * rng.standard_normal(trials)
    alpha_s = 11.5e-6 + 2e-6 * rng.uniform(-1, 1, trials)
    theta = -0.1 + 0.41 * rng.standard_normal(trials)
    d_alpha = 1e-6 * rng.uniform(-1, 1, trials)
    d_theta = 0.05 * rng.uniform(-1, 1, trials)
    y = l_s + d - l_s * (d_alpha * theta + alpha_s * d_theta)
    mean, sd = float(y.mean()), float(y.std(ddof=1))
    y.sort()
    q = int(p * trials + 0.5)
    r = (trials - q) // 2
    widths = y[q:] - y[: trials - q]
    i = int(np.argmin(widths))
    return mean, sd, (y[r], y[r + q]), (y[i], y[i + q])


def peak_memory_mb(function: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    function()
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1_000_000)
    parser.add_argument("--big-trials", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare-with", metavar="DIR", help="another source tree of this project to time")
    parser.add_argument("--lpu-only", action="store_true", help="only the law of propagation")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"python {platform.python_version()}, numpy {np.__version__}, {platform.machine()}, "
          f"{len(os.sched_getaffinity(0))} cores")

    propagation_table(args.repeat, args.compare_with)
    if args.lpu_only:
        return

    spec = parse_budget(END_GAUGE)
    # Interleaved rounds, best of each: the machine is shared, so the minimum is the fairest figure.
    ours_t = ref_t = math.inf
    for _ in range(args.repeat):
        ours_t = min(ours_t, best_of(lambda: monte_carlo(spec, trials=args.trials, seed=1), 1, 1))
        ref_t = min(ref_t, best_of(lambda: reference_end_gauge(args.trials, 1), 1, 1))
    _, ours_mb = peak_memory_mb(lambda: monte_carlo(spec, trials=args.trials, seed=1))
    _, ref_mb = peak_memory_mb(lambda: reference_end_gauge(args.trials, 1))
    print(f"\n| JCGM 100 H.1 end gauge, M = {args.trials:.0e} | best time (s) | peak memory (MB) |")
    print("| --- | ---: | ---: |")
    print(f"| this engine (blocks of 65 536) | {ours_t:.3f} | {ours_mb:.0f} |")
    print(f"| numpy reference (all at once) | {ref_t:.3f} | {ref_mb:.0f} |")
    print(f"| ratio engine / reference | {ours_t / ref_t:.2f} | |")
    result = monte_carlo(spec, trials=args.trials, seed=1)
    reference = reference_end_gauge(args.trials, 1)
    print(f"\nengine: y = {result.value:.9f} mm, u = {result.standard_uncertainty * 1e6:.2f} nm, "
          f"99 % interval [{result.interval[0]:.9f}, {result.interval[1]:.9f}] mm")
    print(f"numpy:  y = {reference[0]:.9f} mm, u = {reference[1] * 1e6:.2f} nm, "
          f"99 % interval [{reference[2][0]:.9f}, {reference[2][1]:.9f}] mm")

    elapsed = best_of(lambda: monte_carlo(spec, trials=args.big_trials, seed=2), 1, 1)
    _, peak = peak_memory_mb(lambda: monte_carlo(spec, trials=args.big_trials, seed=2))
    print(f"\nM = {args.big_trials:.0e}: {elapsed:.2f} s, peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
