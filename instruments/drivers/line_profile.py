"""Generic driver for instruments that send ASCII lines, configured by a profile file (TOML or JSON).

A laboratory adds an instrument without code: the profile gives the serial settings, the framing, an optional
poll command (omit it for instruments that stream), an optional identification query, and a regular
expression whose named groups pick the reading out of each line:

* ``value`` (required): the number exactly as sent; ``sign`` (optional) is prefixed to it when the
  instrument sends the sign apart from the digits;
* ``unit`` (optional; else the profile's fixed ``unit``);
* ``stable`` (optional): mapped through ``stable_values`` / ``unstable_values``, or, with
  ``stable_when = "nonempty"``, stable when the group matched something (Sartorius SBI leaves the unit blank
  while the reading is unstable).

The whole line must match (``fullmatch``); a line that does not is rejected whole.  An optional ``[range]``
table (``minimum``, ``maximum``) makes a value outside the instrument's range a fault, and a station may
fix the unit every reading must carry.  The identity reply, when the profile asks for one, is read twice
at connect and must agree.  See
``instruments/profiles/*.toml`` and docs/instruments.md.

>>> profile = LineProfile.from_mapping({"name": "demo", "pattern": r"(?P<value>\\d+\\.\\d+) (?P<unit>g)"},
...                                    source="<doc>")
>>> profile.parse("12.50 g")
('12.50', 'g', None)
>>> LineProfile.from_mapping({"name": "bad", "pattern": r"(?P<reading>\\d+)"}, source="<doc>")
Traceback (most recent call last):
...
instruments.errors.ProfileError: profile <doc>: pattern: has no (?P<value>…) group
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from instruments.drivers.base import Clock, Driver, DriverOptions
from instruments.errors import Implausible, MalformedFrame, ProfileError, SettingsRejected
from instruments.numbers import is_decimal
from instruments.reading import InstrumentIdentity, Reading, utc_now
from instruments.settings import Framing, SerialSettings
from instruments.transport import SerialTransport

PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"
NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
KNOWN_KEYS = {"name", "description", "manufacturer", "model", "serial", "framing", "request", "pattern",
              "unit", "stable_values", "unstable_values", "stable_when", "identity", "simulator", "range"}


def _escapes(text: str) -> bytes:
    """Terminators and commands in profiles may use ``\\r``, ``\\n``, ``\\x1b`` escapes."""
    return text.encode("latin-1").decode("unicode_escape").encode("latin-1")


@dataclass(frozen=True, slots=True)
class LineProfile:
    """A validated profile; build it with :meth:`load` or :meth:`from_mapping`."""

    name: str
    description: str
    manufacturer: str
    model: str
    settings: SerialSettings
    framing: Framing
    request: bytes | None
    pattern: re.Pattern[str]
    unit: str
    stable_values: tuple[str, ...]
    unstable_values: tuple[str, ...]
    stable_when: str
    identity_request: bytes | None
    identity_pattern: re.Pattern[str] | None
    simulator: Mapping[str, Any]
    source: str
    minimum: Decimal | None = None  # the instrument's range: a value outside it is implausible
    maximum: Decimal | None = None

    @classmethod
    def load(cls, path: Path) -> LineProfile:
        """Read a ``.toml`` or ``.json`` profile."""
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ProfileError(str(path), "file", str(exc)) from exc
        try:
            data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
        except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            raise ProfileError(str(path), "syntax", str(exc)) from exc
        if not isinstance(data, dict):
            raise ProfileError(str(path), "file", "must hold a table/object")
        return cls.from_mapping(data, source=str(path))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str) -> LineProfile:
        """Validate a parsed profile; every problem names its field."""
        def fail(field: str, reason: str) -> ProfileError:
            return ProfileError(source, field, reason)

        unknown = sorted(set(data) - KNOWN_KEYS)
        if unknown:
            raise fail(unknown[0], f"unknown key (known: {', '.join(sorted(KNOWN_KEYS))})")
        name = data.get("name")
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            raise fail("name", "required; lower-case letters, digits and '-'")
        pattern_text = data.get("pattern")
        if not isinstance(pattern_text, str):
            raise fail("pattern", "required regular expression")
        try:
            pattern = re.compile(pattern_text)
        except re.error as exc:
            raise fail("pattern", f"invalid regular expression: {exc}") from exc
        if "value" not in pattern.groupindex:
            raise fail("pattern", "has no (?P<value>…) group")
        unit = data.get("unit", "")
        if "unit" not in pattern.groupindex and not unit:
            raise fail("unit", "required when the pattern has no (?P<unit>…) group")
        stable_when = data.get("stable_when", "values")
        if stable_when not in ("values", "nonempty"):
            raise fail("stable_when", "must be 'values' or 'nonempty'")
        stable_values = tuple(data.get("stable_values", ()))
        unstable_values = tuple(data.get("unstable_values", ()))
        if "stable" in pattern.groupindex and stable_when == "values" and not stable_values:
            raise fail("stable_values", "required when the pattern has a (?P<stable>…) group")
        try:
            settings = SerialSettings(**data.get("serial", {}))
        except SettingsRejected as exc:
            raise fail(f"serial.{exc.field}", exc.reason) from exc
        except TypeError as exc:
            raise fail("serial", str(exc)) from exc
        framing_data = dict(data.get("framing", {}))
        try:
            framing = Framing(
                read_terminator=_escapes(framing_data.pop("read_terminator", "\\r\\n")),
                write_terminator=_escapes(framing_data.pop("write_terminator", "\\r\\n")),
                timeout_s=float(framing_data.pop("timeout_s", 2.0)),
                max_frame_bytes=int(framing_data.pop("max_frame_bytes", 128)))
        except SettingsRejected as exc:
            raise fail(f"framing.{exc.field}", exc.reason) from exc
        if framing_data:
            raise fail(f"framing.{sorted(framing_data)[0]}", "unknown key")
        identity = dict(data.get("identity", {}))
        id_pattern = None
        if identity:
            try:
                id_pattern = re.compile(identity.get("pattern", ""))
            except re.error as exc:
                raise fail("identity.pattern", f"invalid regular expression: {exc}") from exc
            if "serial" not in id_pattern.groupindex or "request" not in identity:
                raise fail("identity", "needs 'request' and a 'pattern' with a (?P<serial>…) group")
        limits = dict(data.get("range", {}))
        bounds: dict[str, Decimal | None] = {"minimum": None, "maximum": None}
        for key in list(limits):
            if key not in bounds:
                raise fail(f"range.{key}", "unknown key (known: minimum, maximum)")
            if not is_decimal(str(limits[key])):
                raise fail(f"range.{key}", f"not a decimal number: {limits[key]!r}")
            bounds[key] = Decimal(str(limits[key]))
        low, high = bounds["minimum"], bounds["maximum"]
        if low is not None and high is not None and low >= high:
            raise fail("range", "minimum must be below maximum")
        request = data.get("request")
        return cls(minimum=low, maximum=high, name=name, description=str(data.get("description", "")),
                   manufacturer=str(data.get("manufacturer", "")), model=str(data.get("model", name)),
                   settings=settings, framing=framing,
                   request=_escapes(request) if request else None, pattern=pattern, unit=str(unit),
                   stable_values=stable_values, unstable_values=unstable_values, stable_when=stable_when,
                   identity_request=_escapes(identity["request"]) if identity else None,
                   identity_pattern=id_pattern, simulator=dict(data.get("simulator", {})), source=source)

    def parse(self, text: str) -> tuple[str, str, bool | None]:
        """``(value_text, unit, stable)`` from one line; ``ValueError`` if the line does not match."""
        match = self.pattern.fullmatch(text)
        if match is None:
            raise ValueError(f"line does not match the {self.name} pattern")
        groups = match.groupdict()
        value = (groups.get("sign") or "").strip() + (groups["value"] or "").strip()
        if not is_decimal(value):
            raise ValueError(f"value {value!r} is not a decimal number")
        unit = (groups.get("unit") or "").strip() or self.unit
        stable: bool | None = None
        if "stable" in groups:
            flag = (groups["stable"] or "").strip()
            if self.stable_when == "nonempty":
                stable = bool(flag)
            elif flag in self.stable_values:
                stable = True
            elif flag in self.unstable_values:
                stable = False
            else:
                raise ValueError(f"stability flag {flag!r} is neither stable nor unstable")
        if not unit:
            raise ValueError("no unit in the line and none configured")
        return value, unit, stable


class LineDriver(Driver):
    """Reads lines defined by a :class:`LineProfile` (polled with ``request`` or streamed)."""

    name: ClassVar[str] = "line"
    description: ClassVar[str] = "generic ASCII line instrument configured by a profile file"

    def __init__(self, transport: SerialTransport, profile: LineProfile, *, clock: Clock = utc_now,
                 options: DriverOptions | None = None) -> None:
        super().__init__(transport, clock=clock, options=options)
        self.profile = profile

    @classmethod
    def open_profile(cls, url: str, profile: LineProfile, *, settings: SerialSettings | None = None,
                     framing: Framing | None = None, clock: Clock = utc_now,
                     options: DriverOptions | None = None) -> LineDriver:
        """Open ``url`` with the profile's settings (or overrides) and identify the instrument (with the
        connect retries of :meth:`Driver.connect`)."""
        transport = SerialTransport(url, settings or profile.settings, framing or profile.framing)
        transport.open()
        driver = cls(transport, profile, clock=clock, options=options)
        driver.connect()
        return driver

    def _initialise(self) -> InstrumentIdentity:
        p = self.profile
        serial = ""
        if p.identity_request is not None and p.identity_pattern is not None:
            serial, _ = self.agreed_twice("identity", self._serial_frame)
        return InstrumentIdentity(p.manufacturer, p.model, serial, "")

    def _serial_frame(self) -> tuple[str, bytes]:
        p = self.profile
        assert p.identity_request is not None and p.identity_pattern is not None
        self._prepare_exchange()
        self.transport.write(p.identity_request)
        frame = self.receive("identity")
        match = p.identity_pattern.fullmatch(self.text_of(frame))
        if match is None:
            raise MalformedFrame(frame, f"identity reply does not match the {p.name} identity pattern")
        return str(match["serial"]).strip(), frame

    def read(self) -> Reading:
        """Poll with ``request`` (if any) and parse the next line."""
        if self.profile.request is not None:
            self._prepare_exchange()
            self.transport.write(self.profile.request)
        frame = self.receive(self.profile.name)
        try:
            value, unit, stable = self.profile.parse(self.text_of(frame))
        except ValueError as exc:
            raise MalformedFrame(frame, str(exc)) from exc
        name, low, high = self.profile.name, self.profile.minimum, self.profile.maximum
        if self.options.unit and unit != self.options.unit:
            raise Implausible(name, frame, f"unit {unit!r} is not the station's unit {self.options.unit!r}")
        if (low is not None and Decimal(value) < low) or (high is not None and Decimal(value) > high):
            raise Implausible(name, frame, f"{value} {unit} is outside the instrument's range "
                                           f"{low if low is not None else '…'} to {high if high is not None else '…'}")
        return self.make_reading(value, unit, stable, frame)


def bundled_profiles() -> dict[str, Path]:
    """Profiles shipped in ``instruments/profiles`` by name (file stem)."""
    paths = sorted(PROFILE_DIR.glob("*.toml")) + sorted(PROFILE_DIR.glob("*.json"))
    return {path.stem: path for path in paths}
