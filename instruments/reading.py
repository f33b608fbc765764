"""The reading record every driver produces.

A :class:`Reading` keeps the value *as sent* (``value_text``; :attr:`Reading.value` is its exact
:class:`~decimal.Decimal`), the unit the instrument reported, the stability flag (``None`` when the
instrument has none), the identity read from the instrument itself, a sequence number that only ever grows,
the UTC time the frame was complete, and the raw frame bytes for the record (ISO/IEC 17025 7.5.1: original
observations retained).

>>> from datetime import UTC, datetime
>>> who = InstrumentIdentity("Mettler Toledo", "XPE205", "B123456789", "")
>>> when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
>>> r = Reading("100.00", "g", True, who, 7, when, b"S S     100.00 g\\r\\n")
>>> r.value
Decimal('100.00')
>>> d = r.to_json_dict()
>>> d["value"], d["time"], d["raw"]
('100.00', '2026-01-02T03:04:05.000000Z', 'S S     100.00 g\\r\\n')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from instruments.numbers import parse_decimal


@dataclass(frozen=True, slots=True)
class InstrumentIdentity:
    """Who produced a reading, as reported by the instrument (``*IDN?``, ``I2``/``I4``…)."""

    manufacturer: str
    model: str
    serial_number: str
    firmware: str = ""

    def to_json_dict(self) -> dict[str, str]:
        """Plain mapping for JSON."""
        return {"manufacturer": self.manufacturer, "model": self.model,
                "serial_number": self.serial_number, "firmware": self.firmware}

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> InstrumentIdentity:
        """Inverse of :meth:`to_json_dict`."""
        return cls(str(data["manufacturer"]), str(data["model"]), str(data["serial_number"]),
                   str(data.get("firmware", "")))


@dataclass(frozen=True, slots=True)
class Reading:
    """One measured value exactly as the instrument sent it."""

    value_text: str
    unit: str
    stable: bool | None
    instrument: InstrumentIdentity
    seq: int
    time: datetime
    raw: bytes

    def __post_init__(self) -> None:
        parse_decimal(self.value_text)  # a Reading can only hold a real number
        if self.time.tzinfo is None or self.time.utcoffset() != UTC.utcoffset(None):
            raise ValueError(f"reading time must be UTC, got {self.time!r}")
        if self.seq < 1:
            raise ValueError(f"seq must be >= 1, got {self.seq}")

    @property
    def value(self) -> Decimal:
        """The value as an exact Decimal (no float round-trip)."""
        return parse_decimal(self.value_text)

    def to_json_dict(self) -> dict[str, Any]:
        """The JSON form used by ``lims bench read --json`` and the bench agent's API."""
        return {
            "value": self.value_text,
            "unit": self.unit,
            "stable": self.stable,
            "seq": self.seq,
            "time": format_utc(self.time),
            "raw": self.raw.decode("latin-1"),
            "instrument": self.instrument.to_json_dict(),
        }

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> Reading:
        """Inverse of :meth:`to_json_dict` (``raw`` is Latin-1, so every byte survives)."""
        stable = data["stable"]
        return cls(str(data["value"]), str(data["unit"]), None if stable is None else bool(stable),
                   InstrumentIdentity.from_json_dict(data["instrument"]), int(data["seq"]),
                   parse_utc(str(data["time"])), str(data["raw"]).encode("latin-1"))


def format_utc(moment: datetime) -> str:
    """ISO 8601 with microseconds and a ``Z`` suffix.

    >>> format_utc(datetime(2026, 5, 1, 12, 0, tzinfo=UTC))
    '2026-05-01T12:00:00.000000Z'
    """
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_utc(text: str) -> datetime:
    """Inverse of :func:`format_utc`.

    >>> parse_utc("2026-05-01T12:00:00.000000Z").isoformat()
    '2026-05-01T12:00:00+00:00'
    """
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def utc_now() -> datetime:
    """The current UTC time (the default clock of drivers)."""
    return datetime.now(UTC)
