"""Capability review of a request item (ISO/IEC 17025:2017 7.1.1 b, from memory: the lab has the
capability and resources to meet the customer's requirements): do the wanted points fall inside a row of the
lab's scope (CMC)?

A CMC row applies to a procedure when it names that procedure (``procedure_code``), or, when it names none,
when its quantity is the procedure's field of measurement. Points are compared in the row's unit (pint), so
a request in grams is checked against a scope in kilograms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lims.domain.capability import CmcEntry

Converter = Callable[[float, str, str], float | None]  # (value, from, to) -> value; None: not comparable
# (lims.domain.unit_conversion.convert_value)


def rows_for(scope: Sequence[CmcEntry], *, procedure_code: str, quantity: str) -> list[CmcEntry]:
    """The rows of ``scope`` that apply to the procedure.

    >>> scope = (CmcEntry("mass", "kg", 0, 20, fixed=5e-4), CmcEntry("DC voltage", "V", 0, 20, fixed=1e-4,
    ...          procedure_code="CAL-DMM-DCV"))
    >>> [r.quantity for r in rows_for(scope, procedure_code="VER-NAWI-R76", quantity="mass")]
    ['mass']
    >>> [r.unit for r in rows_for(scope, procedure_code="CAL-DMM-DCV", quantity="electrical")]
    ['V']
    """
    return [
        row
        for row in scope
        if (row.procedure_code == procedure_code if row.procedure_code else row.quantity == quantity)
    ]


def points_outside(rows: Sequence[CmcEntry], points: Sequence[float], unit: str, *, convert: Converter) -> list[float]:
    """The points (in ``unit``) that no row covers, in the order given.

    >>> rows = [CmcEntry("mass", "kg", 0, 20, fixed=5e-4)]
    >>> same = lambda v, a, b: v if a == b else v / 1000 if (a, b) == ("g", "kg") else None
    >>> points_outside(rows, [500.0, 20000.0, 25000.0], "g", convert=same)
    [25000.0]
    """
    outside = []
    for point in points:
        covered = False
        for row in rows:
            value = convert(point, unit, row.unit)
            if value is None:
                continue
            if row.range_min <= value <= row.range_max:
                covered = True
                break
        if not covered:
            outside.append(point)
    return outside
