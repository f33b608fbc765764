"""Read a supplier's Digital Calibration Certificate: ``read_dcc(xml) -> ImportedCalibration``.

Used to import the calibration of a reference standard from the DCC its supplier issued (ISO/IEC 17025:2017
6.5 and 6.4.13: records of the standard's calibration). The document is validated against the DCC 3.1.2
schema first, parsed with entity expansion and external access disabled, and then read by the machine-
readable ``refType`` markers of the PTB Good Practice: ``basic_referenceValue``, ``basic_measuredValue``,
``basic_measurementError`` (and ``basic_correction``). Both encodings are understood: one ``si:real`` per
point, and ``si:realListXMLList`` tables; in an ``si:hybrid`` the first representation is read.

An AC point's frequency is read from, first to last: a ``dcc:quantity`` in hertz next to the values (one per
point or one for all), an influence condition in hertz of its ``dcc:measurementResult``, and the result's name
as this LIMS writes it ("AC voltage, frequency 10 kHz", ``lims.services.certificates.data.quantity_text``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import xmlschema

from certificates.dcc_schema import DCC_NS, SI_NS, validate_dcc
from certificates.errors import DccValidationError

__all__ = ["ImportedCalibration", "ImportedPoint", "ImportedSeries", "read_dcc"]

_NS = {"dcc": DCC_NS, "si": SI_NS}
_ROLES = {
    "basic_referenceValue": "reference",
    "basic_measuredValue": "measured",
    "basic_measurementError": "error",
    "basic_correction": "error",
}
_HERTZ = {"\\hertz": Decimal(1), "\\kilo\\hertz": Decimal(1000), "\\mega\\hertz": Decimal(1000000)}
_NAMED_FREQUENCY = re.compile(r"(?i:frequency|tần số)\s+(?P<value>\d+(?:[.,]\d+)?)\s*(?P<unit>Hz|kHz|MHz)\b")


@dataclass(frozen=True, slots=True)
class ImportedPoint:
    """One calibration point as stated by the supplier; every value is in its series' unit for that role."""

    reference_value: Decimal | None
    measured_value: Decimal | None
    error: Decimal | None
    expanded_uncertainty: Decimal | None  # U of the error (or of the measured value when no error is given)
    coverage_factor: Decimal | None
    coverage_probability: Decimal | None
    frequency_hz: Decimal | None = None  # an AC point's frequency (None: DC, or not stated)


@dataclass(frozen=True, slots=True)
class ImportedSeries:
    """The points of one ``dcc:result`` (or of consecutive per-point results of the same quantity)."""

    name: str  # English name if given, else the first
    reference_unit: str | None  # D-SI units as written in the document
    measured_unit: str | None
    error_unit: str | None
    error_is_correction: bool
    points: tuple[ImportedPoint, ...]


@dataclass(frozen=True, slots=True)
class ImportedCalibration:
    """What the importing laboratory needs from a supplier's DCC."""

    issuer: str  # calibration laboratory name
    issuer_code: str | None  # calibrationLaboratoryCode (accreditation number), if given
    certificate_number: str  # coreData/uniqueIdentifier
    country_code: str
    begin_performance_date: date
    end_performance_date: date
    receipt_date: date | None
    item_name: str
    item_identifications: tuple[tuple[str, str], ...]  # (issuer, value)
    series: tuple[ImportedSeries, ...]


def _text(element: ET.Element | None) -> str:
    """The English content of a textType, else the first content, else ''."""
    if element is None:
        return ""
    contents = element.findall("dcc:content", _NS)
    for content in contents:
        if content.get("lang") == "en" and content.text:
            return content.text.strip()
    return next(((c.text or "").strip() for c in contents if c.text), "")


def _decimals(text: str | None, where: str) -> list[Decimal]:
    try:
        return [Decimal(token) for token in (text or "").split()]
    except InvalidOperation:
        raise DccValidationError(f"{where}: {text!r} is not a list of numbers") from None


@dataclass(frozen=True, slots=True)
class _Found:
    values: list[Decimal]
    unit: str | None
    uncertainty: list[Decimal]
    coverage_factor: list[Decimal]
    coverage_probability: list[Decimal]


def _grab(parent: ET.Element | None, tag: str) -> list[Decimal]:
    return _decimals(parent.findtext(f"si:{tag}", None, _NS), tag) if parent is not None else []


def _values(quantity: ET.Element) -> _Found:
    """Values, unit, U, k and p of the first real representation inside a dcc:quantity."""
    hybrid = quantity.find("si:hybrid", _NS)
    holder = hybrid if hybrid is not None else quantity
    real = holder.find("si:real", _NS)
    if real is not None:
        unc = real.find("si:expandedUnc", _NS)
        return _Found(
            _grab(real, "value"),
            real.findtext("si:unit", None, _NS),
            _grab(unc, "uncertainty"),
            _grab(unc, "coverageFactor"),
            _grab(unc, "coverageProbability"),
        )
    table = holder.find("si:realListXMLList", _NS)
    if table is None:
        return _Found([], None, [], [], [])
    unc = table.find("si:expandedUncXMLList", _NS)

    unit = (table.findtext("si:unitXMLList", "", _NS) or "").split()
    return _Found(
        _grab(table, "valueXMLList"),
        unit[0] if unit else None,
        _grab(unc, "uncertaintyXMLList"),
        _grab(unc, "coverageFactorXMLList"),
        _grab(unc, "coverageProbabilityXMLList"),
    )


def _spread(values: list[Decimal], n: int) -> list[Decimal | None]:
    """D-SI lists may give one value for all entries (e.g. k = 2)."""
    if not values:
        return [None] * n
    padded: list[Decimal | None] = list(values * n if len(values) == 1 else values)
    return padded + [None] * (n - len(padded))


def _top_quantities(element: ET.Element) -> Iterator[ET.Element]:
    """The ``dcc:quantity`` elements under ``element`` that are not inside another one (a tolerance limit in
    a value's metadata is not a condition of the point)."""
    for child in element:
        if child.tag == f"{{{DCC_NS}}}quantity":
            yield child
        else:
            yield from _top_quantities(child)


def _hertz(quantity: ET.Element) -> list[Decimal] | None:
    """The values of a quantity stated in hertz (Hz, kHz, MHz), in Hz; ``None`` for any other unit."""
    found = _values(quantity)
    scale = _HERTZ.get((found.unit or "").strip())
    return None if scale is None else [v * scale for v in found.values]


def _condition_frequency(measurement: ET.Element) -> Decimal | None:
    """The one frequency an influence condition of a ``dcc:measurementResult`` states, if it states one."""
    values: set[Decimal] = set()
    for condition in measurement.iterfind("dcc:influenceConditions/dcc:influenceCondition", _NS):
        for quantity in _top_quantities(condition):
            values.update(_hertz(quantity) or [])
    return values.pop() if len(values) == 1 else None


def _named_frequency(name: str) -> Decimal | None:
    """The frequency in a result's name as this LIMS writes it ("AC voltage, frequency 10 kHz – point 1")."""
    match = _NAMED_FREQUENCY.search(name)
    if match is None:
        return None
    units = {"Hz": Decimal(1), "kHz": Decimal(1000), "MHz": Decimal(1000000)}
    return Decimal(match["value"].replace(",", ".")) * units[match["unit"]]


def _series(result: ET.Element, condition_frequency: Decimal | None = None) -> ImportedSeries | None:
    found: dict[str, _Found] = {}
    correction = False
    frequencies: list[Decimal] = []
    for quantity in _top_quantities(result):
        ref_types = (quantity.get("refType") or "").split()
        if not frequencies and not any(r in _ROLES for r in ref_types):
            frequencies = _hertz(quantity) or []
    for quantity in result.iter(f"{{{DCC_NS}}}quantity"):
        ref_types = (quantity.get("refType") or "").split()
        if "basic_asFound" in ref_types:
            continue
        role = next((_ROLES[r] for r in ref_types if r in _ROLES), None)
        if role is None or role in found:
            continue
        correction = correction or (role == "error" and "basic_correction" in ref_types)
        found[role] = _values(quantity)
    if not found:
        return None
    n = max(len(v.values) for v in found.values())
    none: list[Decimal | None] = [None] * n
    columns = {
        role: _spread(found[role].values, n) if role in found else none
        for role in ("reference", "measured", "error")
    }
    source = found.get("error") or found.get("measured") or next(iter(found.values()))
    u, k, p = (
        _spread(v, n) for v in (source.uncertainty, source.coverage_factor, source.coverage_probability)
    )

    def unit(role: str) -> str | None:
        return found[role].unit if role in found else None

    name = _text(result.find("dcc:name", _NS))
    frequency = condition_frequency if condition_frequency is not None else _named_frequency(name)
    hz = _spread(frequencies, n) if frequencies else [frequency] * n
    points = tuple(
        ImportedPoint(
            columns["reference"][i], columns["measured"][i], columns["error"][i], u[i], k[i], p[i], hz[i]
        )
        for i in range(n)
    )
    return ImportedSeries(
        name,
        unit("reference"),
        unit("measured"),
        unit("error"),
        correction,
        points,
    )


def _merge(series: list[ImportedSeries]) -> tuple[ImportedSeries, ...]:
    """Join consecutive one-point results of the same quantity (our own per-point encoding)."""
    merged: list[ImportedSeries] = []
    for s in series:
        last = merged[-1] if merged else None
        same = last is not None and (
            last.reference_unit,
            last.measured_unit,
            last.error_unit,
            last.error_is_correction,
        ) == (s.reference_unit, s.measured_unit, s.error_unit, s.error_is_correction)
        if (
            same
            and last is not None
            and len(s.points) == 1
            and last.name.rsplit(" – ", 1)[0] == s.name.rsplit(" – ", 1)[0]
        ):
            merged[-1] = ImportedSeries(
                last.name.rsplit(" – ", 1)[0],
                last.reference_unit,
                last.measured_unit,
                last.error_unit,
                last.error_is_correction,
                last.points + s.points,
            )
        else:
            merged.append(s)
    return tuple(merged)


def _date(root: ET.Element, path: str) -> date | None:
    text = root.findtext(path, None, _NS)
    return date.fromisoformat(text.strip()) if text else None


def _no_checkpoint() -> None:
    return None


def read_dcc(xml: bytes, *, checkpoint: Callable[[], None] | None = None) -> ImportedCalibration:
    """Validate and read a DCC 3.1.2 document (bytes) from any issuer.

    ``checkpoint`` is called after schema validation and before each result is read: the caller's time
    budget raises from it to stop reading a document that is slow to process (issue 21).

    >>> from certificates.examples import example_calibration
    >>> from certificates.dcc import render_dcc
    >>> imported = read_dcc(render_dcc(example_calibration(3), software_release="test"))
    >>> imported.certificate_number, len(imported.series[0].points), str(imported.series[0].points[1].error)
    ('HC-2026-00042', 3, '0.00200')
    """
    check = checkpoint or _no_checkpoint
    validate_dcc(xml)
    check()
    try:
        root = xmlschema.XMLResource(bytes(xml), defuse="always", allow="none").root
    except xmlschema.XMLResourceError as exc:  # validate_dcc already refused DTDs; kept as a second wall
        raise DccValidationError(str(exc).splitlines()[0]) from None
    admin = "dcc:administrativeData"
    core = f"{admin}/dcc:coreData"
    begin, end = (
        _date(root, f"{core}/dcc:beginPerformanceDate"),
        _date(root, f"{core}/dcc:endPerformanceDate"),
    )
    if begin is None or end is None:  # schema-mandatory; kept for the type checker
        raise DccValidationError("performance dates are missing")
    item = root.find(f"{admin}/dcc:items", _NS)
    identifications = tuple(
        ((i.findtext("dcc:issuer", "", _NS) or "").strip(), (i.findtext("dcc:value", "", _NS) or "").strip())
        for i in root.iterfind(f"{admin}/dcc:items/dcc:item/dcc:identifications/dcc:identification", _NS)
    )
    item_name = _text(item.find("dcc:name", _NS)) if item is not None else ""
    if not item_name and item is not None:
        item_name = _text(item.find("dcc:item/dcc:name", _NS))
    lab = f"{admin}/dcc:calibrationLaboratory"
    series = []
    for measurement in root.iterfind("dcc:measurementResults/dcc:measurementResult", _NS):
        condition_frequency = _condition_frequency(measurement)
        for result in measurement.iterfind("dcc:results/dcc:result", _NS):
            check()
            if (read := _series(result, condition_frequency)) is not None:
                series.append(read)
    code = root.findtext(f"{lab}/dcc:calibrationLaboratoryCode", None, _NS)
    return ImportedCalibration(
        issuer=_text(root.find(f"{lab}/dcc:contact/dcc:name", _NS)),
        issuer_code=code.strip() if code else None,
        certificate_number=(root.findtext(f"{core}/dcc:uniqueIdentifier", "", _NS) or "").strip(),
        country_code=(root.findtext(f"{core}/dcc:countryCodeISO3166_1", "", _NS) or "").strip(),
        begin_performance_date=begin,
        end_performance_date=end,
        receipt_date=_date(root, f"{core}/dcc:receiptDate"),
        item_name=item_name,
        item_identifications=identifications,
        series=_merge(series),
    )
