"""A wall-clock budget for one request's work on an uploaded file (issue 21, finding 2).

The imports are bounded by work first (bytes, rows, columns: see ``instrument_import`` and ``dcc_import``);
the budget is the second wall, for a file that stays inside those caps and is still slow to check (a
workbook whose cells are costly to parse, a DCC with many results). The work calls :meth:`Deadline.check`
between units (each row, each result); once the budget is spent the import stops with
:class:`BudgetExceeded`, a :class:`~lims.errors.LimsError` the web layer shows as a 422, and nothing is
saved, because the imports store only after every row has been checked. A gunicorn worker is therefore tied
up for at most about the budget plus one unit of work (OWASP ASVS V12.1; OWASP API4:2023, unrestricted
resource consumption).

The clock is ``time.monotonic`` read through this module, so tests replace ``budget.monotonic`` instead of
sleeping.
"""

from __future__ import annotations

from time import monotonic

from lims.errors import N_, LimsError

IMPORT_BUDGET_S = 5.0  # an import's checking stops after this many seconds of wall-clock time


class BudgetExceeded(LimsError):
    template = N_(
        "Checking the file took longer than %(seconds)s seconds, so it was stopped and nothing was saved. "
        "Split the file into smaller ones and upload them one at a time."
    )


class Deadline:
    """The end of a budget that starts now.

    >>> Deadline(60).check()  # within the budget: nothing happens
    >>> Deadline(-1).check()
    Traceback (most recent call last):
    ...
    lims.services.common.budget.BudgetExceeded: Checking the file took longer than -1 seconds, ...
    """

    __slots__ = ("_end", "seconds")

    def __init__(self, seconds: float = IMPORT_BUDGET_S) -> None:
        self.seconds = seconds
        self._end = _now() + seconds

    def check(self) -> None:
        """Raise :class:`BudgetExceeded` once the budget is spent."""
        if _now() > self._end:
            raise BudgetExceeded(seconds=f"{self.seconds:g}")


def _now() -> float:
    return monotonic()
