"""Nonconforming work (ISO/IEC 17025:2017 7.10): triggers, states, decisions and the suspect window.

One record holds every kind of nonconforming work: a standard found out of tolerance at its calibration or
at an intermediate check (6.4.10), a certificate of a standard withdrawn, a complaint that turns out to be
nonconforming work (7.9.6), a job or certificate found wrong by a reviewer or auditor. Clause numbers are
quoted from memory of ISO/IEC 17025:2017.

The suspect window (:func:`suspect_window`) is the period during which a standard's values cannot be
trusted: from the last calibration or check that showed it **in tolerance** (never the one that found it
out of tolerance, whatever order the records were entered in) to its recalibration, or to the verification
after its repair.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lims.domain.calibration_points import InvalidRecord


class Trigger(StrEnum):
    """What opened the record."""

    CALIBRATION_OUT_OF_TOLERANCE = "calibration_out_of_tolerance"
    CHECK_OUT_OF_LIMITS = "check_out_of_limits"
    STANDARD_CERTIFICATE_WITHDRAWN = "standard_certificate_withdrawn"
    COMPLAINT = "complaint"
    JOB_FOUND_WRONG = "job_found_wrong"
    CERTIFICATE_FOUND_WRONG = "certificate_found_wrong"

    @property
    def concerns_standard(self) -> bool:
        """True when the record is about a reference standard (it then has a suspect window)."""
        return self in _STANDARD_TRIGGERS


_STANDARD_TRIGGERS = frozenset(
    {
        Trigger.CALIBRATION_OUT_OF_TOLERANCE,
        Trigger.CHECK_OUT_OF_LIMITS,
        Trigger.STANDARD_CERTIFICATE_WITHDRAWN,
    }
)


class NcState(StrEnum):
    """From opening to closure (7.10.1: evaluate, decide, act; 8.7 when corrective action is needed)."""

    OPEN = "open"
    EVALUATING = "evaluating"
    ACTING = "acting"
    CLOSED = "closed"


class Decision(StrEnum):
    """What the lab decided for one affected job or in-house calibration (7.10.1 b, c, d)."""

    NO_EFFECT = "no_effect"
    NOTIFY = "notify"
    RECALL = "recall"
    AMEND = "amend"
    WITHDRAW = "withdraw"

    @property
    def tells_customer(self) -> bool:
        """Every decision but "no effect" is told to the customer (7.10.1 d: notify the customer)."""
        return self is not Decision.NO_EFFECT


class CheckKind(StrEnum):
    CALIBRATION = "calibration"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class Verification:
    """A calibration or intermediate check of a standard and whether it showed the standard in tolerance.

    ``in_tolerance`` is the *as-found* state: ``False`` when that calibration or check found the standard
    out of tolerance, ``None`` when it was not recorded (an old calibration: taken as in tolerance, as the
    lab relied on it at the time).
    """

    on: date
    kind: CheckKind
    in_tolerance: bool | None = None

    @property
    def good(self) -> bool:
        return self.in_tolerance is not False


@dataclass(frozen=True, slots=True)
class SuspectWindow:
    """``start`` inclusive, ``end`` exclusive (``None`` while the standard has not been recalibrated)."""

    start: date
    end: date | None

    def __post_init__(self) -> None:
        if self.end is not None and self.end <= self.start:
            raise InvalidRecord("suspect_until", "must be after the start of the suspect period")

    def contains(self, day: date) -> bool:
        """
        >>> SuspectWindow(date(2026, 1, 1), date(2026, 2, 1)).contains(date(2026, 2, 1))
        False
        """
        return self.start <= day and (self.end is None or day < self.end)


def suspect_window(
    found_on: date,
    history: Iterable[Verification],
    *,
    start: date | None = None,
    end: date | None = None,
) -> SuspectWindow:
    """The period a standard's values are suspect, from its calibration and check history.

    Counting rule (ISO/IEC 17025:2017 6.4.10 and 7.10.1, from memory; ILAC-G24 gives the same reading):

    * **start**: the date of the latest calibration or check on or before ``found_on`` whose as-found
      result was in tolerance. A calibration that *found* the standard out of tolerance is never a start,
      whether it was entered before or after the record was opened. Without any, ``found_on`` itself.
    * **end** (exclusive): the first calibration after the start (the standard was adjusted or given new
      values then), or the first in-tolerance check after ``found_on`` (the verification after a repair);
      ``None`` while neither exists.

    ``start`` or ``end`` given by the lab override the computed ends.

    Calibrated in tolerance on 2025-10-10, checked in tolerance on 2026-04-02, found out of tolerance at
    its calibration of 2026-10-15, learnt on 2026-10-20:

    >>> h = [Verification(date(2025, 10, 10), CheckKind.CALIBRATION, True),
    ...      Verification(date(2026, 10, 15), CheckKind.CALIBRATION, False),
    ...      Verification(date(2026, 4, 2), CheckKind.CHECK, True)]
    >>> w = suspect_window(date(2026, 10, 20), h)
    >>> w.start.isoformat(), w.end.isoformat()
    ('2026-04-02', '2026-10-15')

    A check failed on 2026-05-01; nothing since: the window is still open.

    >>> suspect_window(date(2026, 5, 1), [Verification(date(2026, 5, 1), CheckKind.CHECK, False)] + h[:1])
    SuspectWindow(start=datetime.date(2025, 10, 10), end=None)
    """
    records = sorted(history, key=lambda v: v.on)
    if start is None:
        good = [v.on for v in records if v.good and v.on <= found_on]
        start = good[-1] if good else found_on
    if start > found_on:
        raise InvalidRecord("suspect_from", "must not be after the date the problem was found")
    if end is None:
        ends = [v.on for v in records if v.kind is CheckKind.CALIBRATION and v.on > start]
        ends += [v.on for v in records if v.kind is CheckKind.CHECK and v.good and v.on > found_on]
        end = min(ends) if ends else None
    return SuspectWindow(start, end)


def next_state(state: NcState, *, decided: int, affected: int, actions_open: int) -> NcState:
    """The state a record moves to when its evaluation changes (closure is an explicit act).

    ``decided`` of ``affected`` usages have a decision; ``actions_open`` counts decisions whose action
    (notice to send, amendment or withdrawal to make) is not done yet.

    >>> next_state(NcState.OPEN, decided=1, affected=3, actions_open=1)
    <NcState.EVALUATING: 'evaluating'>
    >>> next_state(NcState.EVALUATING, decided=3, affected=3, actions_open=2)
    <NcState.ACTING: 'acting'>
    """
    if state is NcState.CLOSED:
        return state
    if decided == 0:
        return NcState.OPEN
    if decided < affected:
        return NcState.EVALUATING
    return NcState.ACTING


def closure_blockers(*, decided: int, affected: int, actions_open: int, corrective_open: int) -> list[str]:
    """Why the record cannot be closed yet (empty when it can): ``undecided``, ``actions_open``,
    ``corrective_open``.

    >>> closure_blockers(decided=2, affected=2, actions_open=0, corrective_open=0)
    []
    >>> closure_blockers(decided=1, affected=2, actions_open=0, corrective_open=1)
    ['undecided', 'corrective_open']
    """
    reasons: list[str] = []
    if decided < affected:
        reasons.append("undecided")
    if actions_open:
        reasons.append("actions_open")
    if corrective_open:
        reasons.append("corrective_open")
    return reasons


def format_number(year: int, serial: int) -> str:
    """The record's number.

    >>> format_number(2026, 7)
    'NC-2026-007'
    """
    if serial < 1:
        raise InvalidRecord("serial", "must be positive")
    return f"NC-{year}-{serial:03d}"
