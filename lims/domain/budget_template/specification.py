"""``standard_specification`` inputs: a calibrator's drift since calibration from its data sheet's stability
specification, per function and frequency band (EURAMET cg-15)."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping

from lims.domain.budget_template.context import PointContext, _clean, _standard
from lims.domain.budget_template.records import (
    BudgetError,
    InputTemplate,
)
from lims.domain.unit_conversion import convert_difference

#: The characteristics a ``standard_specification`` input reads from the standard (its data sheet's stability
#: specification): relative to the output per year, and a floor in the procedure's unit per year.
SPECIFICATION_RELATIVE = "stability_relative_per_year"
SPECIFICATION_FLOOR = "stability_floor_per_year"
#: A band of a frequency-dependent specification: ``ac_voltage@45-10000Hz_relative_per_year`` (and ``_floor``).
_BAND_KEY = re.compile(
    r"^(?P<spec>\w+?)@(?P<low>\d+(?:\.\d+)?)-(?P<high>\d+(?:\.\d+)?)Hz_(?P<term>relative|floor)_per_year$"
)


def specification_keys(specification: str | None) -> tuple[str, str]:
    """The characteristic names (relative, floor) of a function's specification without frequency bands.

    >>> specification_keys(None), specification_keys("dc_current")
    (('stability_relative_per_year', 'stability_floor_per_year'), ('dc_current_relative_per_year', \
'dc_current_floor_per_year'))
    """
    if specification is None:
        return SPECIFICATION_RELATIVE, SPECIFICATION_FLOOR
    return f"{specification}_relative_per_year", f"{specification}_floor_per_year"


def specification_bands(
    characteristics: Mapping[str, float], specification: str
) -> list[tuple[float, float, float, float]]:
    """(low Hz, high Hz, relative per year, floor per year) of each band the characteristics state for a
    frequency-dependent specification (a calibrator's AC voltage data sheet gives one per frequency band).

    >>> specification_bands({"ac_voltage@45-10000Hz_relative_per_year": 1.5e-4,
    ...                      "ac_voltage@45-10000Hz_floor_per_year": 6e-6, "other": 1.0}, "ac_voltage")
    [(45.0, 10000.0, 0.00015, 6e-06)]
    """
    terms: dict[tuple[float, float], dict[str, float]] = {}
    for key, value in characteristics.items():
        match = _BAND_KEY.match(key)
        if match is None or match["spec"] != specification:
            continue
        band = (float(match["low"]), float(match["high"]))
        terms.setdefault(band, {})[match["term"]] = float(value)
    return [
        (low, high, t["relative"], t["floor"])
        for (low, high), t in sorted(terms.items())
        if "relative" in t and "floor" in t
    ]


def has_specification(keys: Collection[str], specification: str | None) -> bool:
    """Whether a standard with characteristics ``keys`` states the specification (plain or in bands).

    >>> has_specification({"ac_voltage@45-10000Hz_relative_per_year", "ac_voltage@45-10000Hz_floor_per_year"},
    ...                   "ac_voltage"), has_specification({"stability_relative_per_year"}, None)
    (True, False)
    """
    if set(specification_keys(specification)) <= set(keys):
        return True
    return specification is not None and bool(specification_bands(dict.fromkeys(keys, 0.0), specification))


def _specification_terms(ctx: PointContext, item: InputTemplate) -> tuple[float, float]:
    """(relative per year, floor per year in the standard's floor unit) at the point: a frequency-dependent
    specification gives the band holding the point's frequency; a frequency on the edge of two bands (10 kHz
    ends one and starts the next) takes the wider half-width of the two."""
    std = _standard(ctx, item)
    bands = [] if item.specification is None else specification_bands(std.characteristics, item.specification)
    if bands:
        if ctx.frequency_hz is None:
            raise BudgetError(
                f"standards.{item.standard}: the {item.specification} specification is given per frequency band; "
                f"input {item.name} needs the point's frequency"
            )
        holding = [(rel, floor) for low, high, rel, floor in bands if low <= ctx.frequency_hz <= high]
        if not holding:
            raise BudgetError(
                f"standards.{item.standard}.characteristics: no {item.specification} band holds "
                f"{ctx.frequency_hz:g} Hz; input {item.name} needs the specification at that frequency"
            )
        return max(holding, key=lambda terms: terms[0] * abs(ctx.nominal) + terms[1])
    values = []
    for key in specification_keys(item.specification):
        value = std.characteristics.get(key)
        if value is None or not math.isfinite(value) or value < 0:
            raise BudgetError(
                f"standards.{item.standard}.characteristics.{key}: missing or not a number ≥ 0; input "
                f"{item.name} needs the standard's stability specification"
            )
        values.append(float(value))
    return values[0], values[1]


def _specification_half_width(ctx: PointContext, item: InputTemplate) -> float:
    """a = (s_rel·|x| + s_floor) · t / 1 year: the drift a calibrator's stability specification allows in the
    time t since its calibration (EURAMET cg-15, from memory: the calibrator's
    contribution is its certificate U at the setting plus its drift since calibration from the specification,
    relative to the output plus a floor — never one absolute value for every point). The floor is stated in
    ``floor_unit`` (default: the procedure's unit) and converted with :mod:`lims.domain.unit_conversion`.

    5 V on a calibrator 0.5 year after its calibration, 8·10⁻⁶/year of output + 2 µV/year:
    (8e-6 × 5 + 2e-6) × 0.5 = 2.1e-5 V.

    >>> from lims.domain.budget_template.records import InputSource, InstrumentUnderTest, StandardUsed
    >>> std = StandardUsed("5522A", 5.0, "V", 2e-5, 2.0, characteristics={SPECIFICATION_RELATIVE: 8e-6,
    ...     SPECIFICATION_FLOOR: 2e-6}, years_since_calibration=0.5)
    >>> ctx = PointContext(5.0, "V", (5.0,), {"calibrator": std}, InstrumentUnderTest("V", -6, 6, 0.001), {})
    >>> _specification_half_width(ctx, InputTemplate("dV_S", InputSource.STANDARD_SPECIFICATION,
    ...     standard="calibrator"))
    2.1e-05

    180 mA on a calibrator whose DC current floor is stated in A (40 ppm + 2 µA per year), one year on:
    40e-6 × 0.18 A + 2e-6 A = 9.2 µA, expressed in mA for a procedure in mA.

    >>> std = StandardUsed("5522A", 180.0, "mA", 0.01, 2.0, characteristics={
    ...     "dc_current_relative_per_year": 40e-6, "dc_current_floor_per_year": 2e-6}, years_since_calibration=1.0)
    >>> ctx = PointContext(180.0, "mA", (180.0,), {"calibrator": std}, InstrumentUnderTest("mA", -200, 200, 0.01),
    ...                    {})
    >>> _specification_half_width(ctx, InputTemplate("dI_S", InputSource.STANDARD_SPECIFICATION,
    ...     standard="calibrator", specification="dc_current", floor_unit="A"))
    0.0092
    """
    std = _standard(ctx, item)
    relative, floor = _specification_terms(ctx, item)
    if item.floor_unit is not None and item.floor_unit != ctx.unit:
        converted = convert_difference(floor, item.floor_unit, ctx.unit)
        if converted is None:
            raise BudgetError(
                f"budget.inputs ({item.name}).floor_unit: {item.floor_unit!r} cannot be expressed in {ctx.unit!r}"
            )
        floor = converted
    years = std.years_since_calibration
    if years is None or not math.isfinite(years) or years < 0:
        raise BudgetError(
            f"standards.{item.standard}: the date of its calibration is needed; input {item.name} scales its "
            "drift with the time since calibration"
        )
    return _clean((relative * abs(ctx.nominal) + floor) * years)
