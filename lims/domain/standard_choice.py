"""Which standards the bench may offer for each role a procedure gives its standards.

ISO/IEC 17025:2017 6.4.4 (equipment checked as meeting the specified requirements before use), 6.4.7
(calibration status) and 6.4.13 (equipment records) ask that only suitable, calibrated equipment is used
(clause numbers from memory). A standard is offered for a role when

* it measures the procedure's field (mass weights for a balance, not a thermometer);
* it is in service, and its calibration is not past due on the day of measurement (the traceability guard,
  lims.domain.guard, still checks the whole chain when the standard is recorded for the job);
* it has what the role's budget inputs read: a certified value (``standard`` / ``standard_drift`` inputs,
  so a calibration on record), or the named characteristics (``standard_characteristic``: a bath's
  stability and uniformity, which a thermometer does not have);
* its range covers every test point of the job (converted to the standard's unit, pint).

:func:`why_not` returns the first reason a standard is unsuitable (an English message id with its
parameters), or ``None``. The bench lists only the suitable ones; the service refuses any other with the
reason, so a crafted form cannot pass a wrong standard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from lims.domain.budget_template import (
    BudgetTemplate,
    InputSource,
    has_specification,
    specification_keys,
)
from lims.errors import N_

#: How pages name the characteristics a budget reads from a standard (message ids, translated where shown);
#: a characteristic not listed here is shown by its name.
CHARACTERISTIC_LABELS = {
    "stability": N_("stability"),
    "uniformity": N_("uniformity"),
    # a multifunction calibrator's specification per function (EURAMET cg-15 budgets)
    "stability_relative_per_year": N_("DC voltage stability per year, relative to the output"),
    "stability_floor_per_year": N_("DC voltage stability per year, floor"),
    "dc_current_relative_per_year": N_("DC current stability per year, relative to the output"),
    "dc_current_floor_per_year": N_("DC current stability per year, floor"),
    "resistance_relative_per_year": N_("resistance stability per year, relative to the value"),
    "resistance_floor_per_year": N_("resistance stability per year, floor"),
    "ac_voltage_relative_per_year": N_(
        "AC voltage stability per year and frequency band, relative to the output"
    ),
    "ac_voltage_floor_per_year": N_("AC voltage stability per year and frequency band, floor"),
}


@dataclass(frozen=True, slots=True)
class RoleNeeds:
    """What a procedure's budget reads from the standard in one role."""

    role: str
    calibrated_value: bool  # a certified value / drift is read: a calibration certificate is needed
    characteristics: frozenset[str] = field(default_factory=frozenset)  # e.g. {"stability", "uniformity"}
    #: the calibrator specifications read (None: DC voltage; "dc_current", "ac_voltage" …), plain or in bands
    specifications: frozenset[str | None] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A standard as the choice needs it (plain values: no database row)."""

    asset_number: str
    quantity: str
    unit: str
    in_service: bool
    due_on: date | None
    range_min: float | None
    range_max: float | None
    characteristics: frozenset[str]
    calibrated: bool  # at least one calibration (certificate) on record
    #: (unit, lowest, highest) of its latest certificate's points per unit: what a multifunction calibrator
    #: recorded in V covers in A or Ω (its certificate states each function it was calibrated for)
    calibrated_ranges: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Unsuitable:
    """Why a standard is not offered: a message id (English, translated by the page) and its parameters."""

    msgid: str
    params: dict[str, str]
    missing: tuple[str, ...] = ()  # the characteristics lacking (names; the page translates their labels)


def role_needs(budget: BudgetTemplate) -> dict[str, RoleNeeds]:
    """Each role's needs, read from the budget's inputs (lims.domain.budget_template sources)."""
    value_sources = {InputSource.STANDARD, InputSource.STANDARD_DRIFT}
    roles: dict[str, tuple[bool, set[str], set[str | None]]] = {}
    for item in budget.inputs:
        if item.standard is None:
            continue
        valued, characteristics, specifications = roles.setdefault(item.standard, (False, set(), set()))
        if item.source == InputSource.STANDARD_CHARACTERISTIC and item.characteristic:
            characteristics.add(item.characteristic)
        if item.source == InputSource.STANDARD_SPECIFICATION:
            # a calibrator's drift specification, relative to its output plus a floor (EURAMET cg-15)
            specifications.add(item.specification)
        roles[item.standard] = (valued or item.source in value_sources, characteristics, specifications)
    return {
        role: RoleNeeds(role, valued, frozenset(chars), frozenset(specs))
        for role, (valued, chars, specs) in roles.items()
    }


Converter = Callable[[float, str, str], float | None]  # (value, from, to) -> value; None: not comparable
# (lims.domain.unit_conversion.convert_value)


def why_not(
    candidate: Candidate,
    needs: RoleNeeds,
    *,
    quantity: str,
    on: date,
    points: Sequence[float],
    unit: str,
    convert: Converter,
) -> Unsuitable | None:
    """The first reason ``candidate`` may not serve in ``needs.role`` on ``on`` for ``points`` (in ``unit``).

    >>> from datetime import date
    >>> same = lambda v, a, b: v
    >>> sprt = Candidate("CDL-NH-001", "temperature", "°C", True, date(2027, 1, 1), -40.0, 420.0,
    ...                  frozenset(), True)
    >>> bath = RoleNeeds("bath", False, frozenset({"stability", "uniformity"}))
    >>> why_not(sprt, bath, quantity="temperature", on=date(2026, 12, 6), points=[20.0], unit="°C",
    ...         convert=same).msgid
    'Standard %(asset)s lacks what this role needs: %(missing)s.'
    >>> ref = RoleNeeds("reference", True)
    >>> why_not(sprt, ref, quantity="temperature", on=date(2026, 12, 6), points=[20.0, 100.0], unit="°C",
    ...         convert=same) is None
    True
    >>> why_not(sprt, ref, quantity="temperature", on=date(2026, 12, 6), points=[500.0], unit="°C",
    ...         convert=same).params["low"]
    '-40'
    """
    params = {"asset": candidate.asset_number}
    if candidate.quantity != quantity:
        return Unsuitable(N_("Standard %(asset)s measures another quantity."), params)
    if not candidate.in_service:
        return Unsuitable(N_("Standard %(asset)s is not in service."), params)
    if candidate.due_on is not None and candidate.due_on < on:
        return Unsuitable(N_("Standard %(asset)s is past its calibration due date."), params)
    missing = sorted(needs.characteristics - candidate.characteristics)
    for spec in sorted(needs.specifications, key=str):
        if not has_specification(candidate.characteristics, spec):
            missing += [k for k in specification_keys(spec) if k not in candidate.characteristics]
    if missing:
        return Unsuitable(
            N_("Standard %(asset)s lacks what this role needs: %(missing)s."),
            {**params, "missing": ", ".join(missing)},
            tuple(missing),
        )
    if needs.calibrated_value and not candidate.calibrated:
        return Unsuitable(N_("Standard %(asset)s has no calibration on record."), params)
    return _outside_range(candidate, points, unit, convert)


def _outside_range(
    candidate: Candidate, points: Sequence[float], unit: str, convert: Converter
) -> Unsuitable | None:
    if not points or candidate.range_min is None or candidate.range_max is None:
        return None
    maybe = [convert(p, unit, candidate.unit) for p in points]
    converted = [c for c in maybe if c is not None]
    low, high, range_unit = candidate.range_min, candidate.range_max, candidate.unit
    if len(converted) != len(maybe):
        # another function of a multifunction standard: the range its certificate covers in that unit
        for cal_unit, cal_low, cal_high in candidate.calibrated_ranges:
            maybe = [convert(p, unit, cal_unit) for p in points]
            if all(c is not None for c in maybe):
                converted = [c for c in maybe if c is not None]
                low, high, range_unit = cal_low, cal_high, cal_unit
                break
        else:
            return Unsuitable(
                N_("Standard %(asset)s is in %(unit)s, which cannot be compared with the points."),
                {"asset": candidate.asset_number, "unit": candidate.unit},
            )
    # A relative tolerance of 1e-9 keeps a point equal to the range end (1 kg = 1000 g) inside it.
    slack = 1e-9 * max(abs(low), abs(high), 1.0)
    if min(converted) < low - slack or max(converted) > high + slack:
        return Unsuitable(
            N_("Standard %(asset)s covers %(low)s to %(high)s %(unit)s, not every test point."),
            {"asset": candidate.asset_number, "low": f"{low:g}", "high": f"{high:g}", "unit": range_unit},
        )
    return None


def suitable(
    candidates: Iterable[Candidate],
    needs: RoleNeeds,
    *,
    quantity: str,
    on: date,
    points: Sequence[float],
    unit: str,
    convert: Converter,
) -> list[Candidate]:
    """The candidates :func:`why_not` finds nothing against, in the order given."""
    return [
        c
        for c in candidates
        if why_not(c, needs, quantity=quantity, on=on, points=points, unit=unit, convert=convert) is None
    ]
