"""Checking one customer instrument's fields: shared by the portal's form and the CSV/XLSX import.

Each field is parsed from text (or from a spreadsheet cell's value) and every problem is collected, so a
row of an import reports all its faults at once, in the user's language (templates are English msgids).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from lims.errors import N_, LimsError

# Labels pint does not know but the lab's customers use on their instruments.
EXTRA_UNITS = frozenset({"pH", "%RH", "%", "HRC", "HRB", "HV", "HB", "NTU", "°Bx", "dB"})
MAX_LENGTH = {
    "instrument_type": 100,
    "manufacturer": 100,
    "model": 100,
    "serial_number": 100,
    "unit": 20,
    "accuracy_class": 50,
    "location": 200,
}
NUMBER_LIMIT = Decimal(10) ** 18  # range and resolution columns are NUMERIC(30, 12)
TRUE_WORDS = frozenset({"1", "x", "yes", "y", "true", "có", "co", "c"})
FALSE_WORDS = frozenset({"", "0", "no", "n", "false", "không", "khong", "k"})
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True, slots=True)
class Problem:
    """One fault of one field: ``template`` is an English msgid with ``%(name)s`` fields."""

    field: str
    template: str
    params: dict[str, Any] = dataclass_field(default_factory=dict)

    def english(self) -> str:
        return self.template % self.params if self.params else self.template


class InstrumentInvalid(LimsError, ValueError):
    """The instrument's fields are not acceptable; ``problems`` names every field at fault."""

    template = N_("The instrument could not be saved: check the fields marked.")

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__()
        self.problems = problems


@dataclass(frozen=True, slots=True)
class InstrumentData:
    """A customer instrument's checked values."""

    instrument_type: str
    serial_number: str
    unit: str
    manufacturer: str | None = None
    model: str | None = None
    range_min: Decimal | None = None
    range_max: Decimal | None = None
    resolution: Decimal | None = None
    accuracy_class: str | None = None
    legally_controlled: bool = False
    location: str | None = None
    last_calibrated_on: date | None = None
    next_due_on: date | None = None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def parse_decimal(value: Any) -> Decimal | None:
    """A number from a cell: ``1.5``, ``1,5`` (Vietnamese decimal comma) or a spreadsheet number.

    >>> parse_decimal("1,5"), parse_decimal(" -40 "), parse_decimal(""), parse_decimal(2.25)
    (Decimal('1.5'), Decimal('-40'), None, Decimal('2.25'))
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value))
    else:
        text = _text(value)
        if not text:
            return None
        if not _NUMBER.match(text):
            raise ValueError(text)
        number = Decimal(text.replace(",", "."))
    if not number.is_finite():
        raise ValueError(value)
    return number


def parse_date(value: Any) -> date | None:
    """A date as dd/mm/yyyy (Vietnamese usage), ISO yyyy-mm-dd, or a spreadsheet date.

    >>> parse_date("05/03/2027"), parse_date("2027-03-05"), parse_date("")
    (datetime.date(2027, 3, 5), datetime.date(2027, 3, 5), None)
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return None
    if match := _DMY.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif match := _ISO.match(text):
        year, month, day = (int(g) for g in match.groups())
    else:
        raise ValueError(text)
    return date(year, month, day)


def unit_is_known(label: str) -> bool:
    if label in EXTRA_UNITS:
        return True
    from lims.domain.uncertainty.errors import DimensionError
    from lims.domain.uncertainty.units import parse_unit

    try:
        parse_unit(label, "unit")
    except DimensionError:
        return False
    return True


def check_instrument(raw: dict[str, Any]) -> InstrumentData:
    """Check every field of ``raw`` (texts or cell values keyed by column name); raise with all problems."""
    problems: list[Problem] = []
    texts: dict[str, str | None] = {}
    for name, limit in MAX_LENGTH.items():
        value = raw.get(name)
        text = _text(value)
        if text.startswith("="):
            problems.append(Problem(name, N_("Formulas are not accepted; enter the value itself.")))
        elif len(text) > limit:
            problems.append(Problem(name, N_("At most %(max)s characters."), {"max": limit}))
        texts[name] = text or None
    for name in ("instrument_type", "serial_number", "unit"):
        if not texts[name] and not any(p.field == name for p in problems):
            problems.append(Problem(name, N_("This field is required.")))
    unit = texts["unit"]
    if unit and not any(p.field == "unit" for p in problems) and not unit_is_known(unit):
        problems.append(Problem("unit", N_("Unknown unit %(unit)s."), {"unit": unit}))
    numbers: dict[str, Decimal | None] = {}
    for name in ("range_min", "range_max", "resolution"):
        try:
            numbers[name] = parse_decimal(raw.get(name))
        except (ValueError, InvalidOperation):
            numbers[name] = None
            problems.append(
                Problem(name, N_("Not a number: %(value)s."), {"value": _text(raw.get(name))[:40]})
            )
    for name, number in numbers.items():
        if number is not None and abs(number) >= NUMBER_LIMIT:  # the column holds 18 integer digits
            numbers[name] = None
            problems.append(
                Problem(name, N_("The number is too large: %(value)s."), {"value": _text(raw.get(name))[:40]})
            )
    low, high = numbers["range_min"], numbers["range_max"]
    if low is not None and high is not None and not low < high:
        problems.append(Problem("range_max", N_("The upper limit of the range must exceed the lower limit.")))
    if numbers["resolution"] is not None and numbers["resolution"] <= 0:
        problems.append(Problem("resolution", N_("The resolution must be greater than zero.")))
    dates: dict[str, date | None] = {}
    for name in ("last_calibrated_on", "next_due_on"):
        try:
            dates[name] = parse_date(raw.get(name))
        except ValueError:
            dates[name] = None
            problems.append(
                Problem(name, N_("Not a date (dd/mm/yyyy): %(value)s."), {"value": _text(raw.get(name))[:40]})
            )
    last, due = dates["last_calibrated_on"], dates["next_due_on"]
    if last is not None and due is not None and due <= last:
        problems.append(Problem("next_due_on", N_("The due date must come after the last calibration.")))
    legal = raw.get("legally_controlled")
    if isinstance(legal, bool):
        legally_controlled = legal
    else:
        word = _text(legal).casefold()
        legally_controlled = word in TRUE_WORDS
        if word not in TRUE_WORDS and word not in FALSE_WORDS:
            problems.append(
                Problem("legally_controlled", N_("Answer yes or no: %(value)s."), {"value": word[:40]})
            )
    if problems:
        raise InstrumentInvalid(problems)
    return InstrumentData(
        instrument_type=texts["instrument_type"] or "",
        serial_number=texts["serial_number"] or "",
        unit=unit or "",
        manufacturer=texts["manufacturer"],
        model=texts["model"],
        range_min=low,
        range_max=high,
        resolution=numbers["resolution"],
        accuracy_class=texts["accuracy_class"],
        legally_controlled=legally_controlled,
        location=texts["location"],
        last_calibrated_on=last,
        next_due_on=due,
    )
