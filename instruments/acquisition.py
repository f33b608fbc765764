"""The reading loop shared by ``lims bench read`` and ``lims bench capture``.

:func:`acquire` yields readings and faults as they happen.  A fault is reported (never turned into a number)
and the loop carries on; when the port disappears the driver reconnects by the port's stable name with
back-off and re-runs its connect sequence; too many faults in a row end the loop with
:class:`TooManyFaults` so a dead instrument cannot spin forever.

>>> from instruments.drivers.line_profile import LineDriver, LineProfile
>>> profile = LineProfile.from_mapping({"name": "demo", "pattern": r"(?P<value>[0-9.]+) (?P<unit>g)"},
...                                    source="<doc>")
>>> driver = LineDriver.open_profile("loop://", profile)
>>> driver.transport.write(b"1.50 g\\r\\n1.5O g\\r\\n1.60 g\\r\\n")   # the middle line has a letter O
>>> [(type(i).__name__, getattr(i, "value_text", "")) for i in acquire(driver, count=2)]
[('Reading', '1.50'), ('Fault', ''), ('Reading', '1.60')]
>>> driver.close()
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from instruments.drivers.base import Backoff, Driver
from instruments.errors import Disconnected, InstrumentError
from instruments.reading import Reading, format_utc, utc_now


class TooManyFaults(InstrumentError, RuntimeError):
    """``limit`` faults in a row without a good reading."""

    def __init__(self, limit: int, last: InstrumentError) -> None:
        self.limit, self.last = limit, last
        super().__init__(f"{limit} faults in a row, giving up; last: {last}")


@dataclass(frozen=True, slots=True)
class Fault:
    """A detected fault, for the operator and the log; carries the raw bytes involved, if any."""

    error: InstrumentError
    time: datetime

    @property
    def kind(self) -> str:
        """The error class name, e.g. ``InstrumentTimeout``."""
        return type(self.error).__name__

    def to_json_dict(self) -> dict[str, str]:
        """``{"error": message, "kind": class, "time": …, "raw": latin-1}`` (``raw`` only when known;
        ``first_raw`` too when two replies disagreed)."""
        out = {"error": str(self.error), "kind": self.kind, "time": format_utc(self.time)}
        raw = getattr(self.error, "raw", b"")
        if raw:
            out["raw"] = bytes(raw).decode("latin-1")
        first_raw = getattr(self.error, "first_raw", b"")  # the other frame of a pair that disagreed
        if first_raw:
            out["first_raw"] = bytes(first_raw).decode("latin-1")
        return out


DEFAULT_BACKOFF = Backoff()


def acquire(driver: Driver, *, count: int | None, interval_s: float = 0.0, backoff: Backoff = DEFAULT_BACKOFF,
            max_consecutive_faults: int = 20, sleep: Callable[[float], None] = time.sleep,
            read: Callable[[], Reading] | None = None) -> Iterator[Reading | Fault]:
    """Yield ``count`` good readings (forever when None), interleaved with the faults met on the way.

    :param interval_s: pause between readings (not after faults, not after the last reading).
    :param read: the measurement to take (default ``driver.read``).
    """
    take = read or driver.read
    good = faults_in_a_row = 0
    while count is None or good < count:
        try:
            reading = take()
        except Disconnected as exc:
            yield Fault(exc, utc_now())
            faults_in_a_row += 1
            for failed in driver.reconnect_attempts(backoff, sleep=sleep):
                yield Fault(failed, utc_now())  # still unplugged: the operator sees it
            continue
        except InstrumentError as exc:
            faults_in_a_row += 1
            yield Fault(exc, utc_now())
            if faults_in_a_row >= max_consecutive_faults:
                raise TooManyFaults(max_consecutive_faults, exc) from exc
            continue
        faults_in_a_row = 0
        good += 1
        yield reading
        if interval_s > 0 and (count is None or good < count):
            sleep(interval_s)
