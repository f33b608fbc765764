"""``lims budget``: evaluate uncertainty budgets from JSON files (docs/budget-format.md).

Pure command: it imports the uncertainty engine only, never the web application or the database.
"""

from __future__ import annotations

import json
import sys

import click

from lims.domain.uncertainty.errors import BudgetFormatError
from lims.domain.uncertainty.evaluation import evaluate_budget
from lims.domain.uncertainty.io import parse_budget, result_to_dict
from lims.domain.uncertainty.montecarlo import DEFAULT_TRIALS


@click.group()
def budget() -> None:
    """Measurement uncertainty budgets (JCGM 100, JCGM 101, EA-4/02)."""


def _load(path: str) -> object:
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        raise BudgetFormatError(f"cannot read the file ({exc.strerror or exc})", field=path) from None
    except UnicodeDecodeError:
        raise BudgetFormatError("is not UTF-8 text", field=path) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BudgetFormatError(
            f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", field=path
        ) from None
    except RecursionError:
        raise BudgetFormatError("invalid JSON: nested too deeply", field=path) from None


@budget.command("evaluate")
@click.argument("file", metavar="FILE.json")
@click.option(
    "--method",
    type=click.Choice(["lpu", "mcm", "both"]),
    default="lpu",
    show_default=True,
    help="lpu: law of propagation (JCGM 100); mcm/both: add Monte Carlo (JCGM 101) and validation.",
)
@click.option(
    "--trials",
    type=int,
    default=DEFAULT_TRIALS,
    show_default=True,
    help="Monte Carlo trials (the upper limit with --adaptive).",
)
@click.option("--seed", type=int, default=None, help="Seed of the random generator (reported when omitted).")
@click.option(
    "--adaptive",
    "adaptive_digits",
    type=int,
    default=None,
    metavar="DIGITS",
    help="Adaptive Monte Carlo (JCGM 101 7.9) to DIGITS significant digits of u(y).",
)
@click.option(
    "--second-order",
    is_flag=True,
    help="Add the higher-order terms of JCGM 100 5.1.2 Note to u_c (independent inputs).",
)
def evaluate(
    file: str, method: str, trials: int, seed: int | None, adaptive_digits: int | None, second_order: bool
) -> None:
    """Evaluate the budget in FILE.json ('-' for standard input) and print one JSON object."""
    spec = parse_budget(_load(file))
    result = evaluate_budget(
        spec,
        method=method,
        trials=trials,
        seed=seed,
        adaptive_digits=adaptive_digits,
        second_order=second_order,
    )
    click.echo(json.dumps(result_to_dict(result), indent=2, ensure_ascii=False, allow_nan=False))
