"""What every driver shares: open/initialise/close, query with resynchronisation, readings, reconnect.

The transport moves frames; a driver speaks one command set over it (pymeasure's Adapter/Instrument split).
A driver validates before it writes, parses every reply strictly and rejects a frame that does not match its
grammar whole.  After a timeout the next exchange first waits for the line to fall silent, so a late reply
is never taken as the answer to the next command.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import ClassVar, Self, TypeVar

from instruments.errors import (
    ConnectFailed,
    Disconnected,
    InstrumentError,
    InstrumentTimeout,
    MalformedFrame,
    PortUnavailable,
    Unconfirmed,
)
from instruments.reading import InstrumentIdentity, Reading, utc_now
from instruments.settings import Framing, SerialSettings
from instruments.transport import SerialTransport

Clock = Callable[[], datetime]
_T = TypeVar("_T")
OnRetry = Callable[[int, InstrumentError], None]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off between reconnect attempts.

    >>> list(Backoff(initial_s=0.1, factor=2, max_s=0.5, max_attempts=5).delays())
    [0.1, 0.2, 0.4, 0.5, 0.5]
    """

    initial_s: float = 0.2
    factor: float = 2.0
    max_s: float = 10.0
    max_attempts: int | None = None

    def delays(self) -> Iterator[float]:
        """The successive waits; endless when ``max_attempts`` is None."""
        delay, attempt = self.initial_s, 0
        while self.max_attempts is None or attempt < self.max_attempts:
            yield round(min(delay, self.max_s), 6)
            delay *= self.factor
            attempt += 1


CONNECT_RETRY = Backoff(initial_s=0.2, factor=2.0, max_s=2.0, max_attempts=4)


@dataclass(frozen=True, slots=True)
class DriverOptions:
    """How a driver guards what it accepts, set per station.

    ``confirm``: a value becomes a reading only when two consecutive replies agree (exactly for a balance,
    within the driver's tolerance for a multimeter); on by default.  ``unit``: the unit configured for the
    station, when it differs from what the instrument reports in its configuration.  ``connect_retry``:
    the connect sequence is retried with this bounded back-off (1 + ``max_attempts`` tries) before giving
    up; ``on_retry`` hears every failed try (try number, error); ``on_fault`` hears the faults the driver
    recovered from without failing the operation (an identity reply asked again).

    >>> DriverOptions().connect_tries
    5
    """

    confirm: bool = True
    unit: str | None = None
    connect_retry: Backoff = CONNECT_RETRY
    on_retry: OnRetry | None = None
    on_fault: Callable[[InstrumentError], None] | None = None

    def __post_init__(self) -> None:
        if self.connect_retry.max_attempts is None:
            raise ValueError("connect_retry must be bounded (max_attempts set)")

    @property
    def connect_tries(self) -> int:
        """How many times the connect sequence runs at most."""
        return 1 + (self.connect_retry.max_attempts or 0)


class Driver(ABC):
    """Base class of all drivers; subclasses set the class attributes and implement the hooks."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    default_settings: ClassVar[SerialSettings] = SerialSettings()
    default_framing: ClassVar[Framing] = Framing()
    resync_quiet_s: ClassVar[float] = 0.2

    def __init__(self, transport: SerialTransport, *, clock: Clock = utc_now,
                 options: DriverOptions | None = None) -> None:
        self.transport = transport
        self.clock = clock
        self.options = options or DriverOptions()
        self.identity: InstrumentIdentity | None = None
        self._seq = 0
        self._needs_resync = False

    # -- lifecycle -------------------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        url: str,
        *,
        settings: SerialSettings | None = None,
        framing: Framing | None = None,
        clock: Clock = utc_now,
        options: DriverOptions | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Self:
        """Open ``url`` with this driver's settings (or the given ones) and run the connect sequence.

        :raises PortUnavailable, SettingsRejected: the port cannot be used (never retried).
        :raises ConnectFailed: the connect sequence failed on every try (see :meth:`connect`).
        """
        transport = SerialTransport(url, settings or cls.default_settings, framing or cls.default_framing)
        transport.open()
        driver = cls(transport, clock=clock, options=options)
        driver.connect(sleep=sleep)
        return driver

    def connect(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        """Run the connect sequence, retrying with :attr:`DriverOptions.connect_retry` on any fault.

        A garbled, dropped or refused reply during the sequence (``I2``/``I4``, ``*IDN?``, ``CONF?``, the
        error queue) is reported to ``on_retry`` and the sequence starts again once the line is quiet.
        The port is closed when every try failed.

        :raises ConnectFailed: after the last try (the last error is ``last`` and the cause).
        """
        delays = self.options.connect_retry.delays()
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    if not self.transport.is_open:
                        self.transport.open()
                    self.initialise()
                    return
                except InstrumentError as exc:
                    self._needs_resync = True
                    if self.options.on_retry is not None:
                        self.options.on_retry(attempt, exc)
                    delay = next(delays, None)
                    if delay is None:
                        raise ConnectFailed(self.transport.url, attempt, exc) from exc
                    sleep(delay)
        except BaseException:
            self.transport.close()
            raise

    def initialise(self) -> None:
        """Connect sequence (remote mode, clear status, identification); re-run after every reconnect."""
        self.identity = self._initialise()

    @abstractmethod
    def _initialise(self) -> InstrumentIdentity:
        """The driver's connect sequence; returns the identity the instrument reports."""

    def close(self) -> None:
        """Put the instrument in a safe state (driver hook) and close the port."""
        try:
            if self.transport.is_open:
                self._before_close()
        finally:
            self.transport.close()

    def _before_close(self) -> None:  # noqa: B027 - an optional hook, most drivers need nothing
        """Hook: safety actions before closing (a calibrator goes to standby)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def reconnect(
        self,
        backoff: Backoff,
        *,
        sleep: Callable[[float], None] = time.sleep,
        on_attempt: Callable[[int, Exception], None] | None = None,
    ) -> None:
        """Reopen the port by its (stable) name with back-off and re-run :meth:`initialise`.

        :raises PortUnavailable: when ``backoff.max_attempts`` attempts all failed (the last error).
        """
        for attempt, error in enumerate(self.reconnect_attempts(backoff, sleep=sleep), start=1):
            if on_attempt is not None:
                on_attempt(attempt, error)

    def reconnect_attempts(
        self, backoff: Backoff, *, sleep: Callable[[float], None] = time.sleep
    ) -> Iterator[InstrumentError]:
        """Like :meth:`reconnect`, yielding the error of every failed attempt (for progress reports).

        Any instrument fault during the connect sequence (the instrument still booting, a garbled reply)
        counts as a failed attempt.
        """
        self.transport.close()
        last: InstrumentError | None = None
        for delay in backoff.delays():
            sleep(delay)
            try:
                self.transport.open()
                self._needs_resync = False
                self.initialise()
                return
            except InstrumentError as exc:
                self.transport.close()
                last = exc
                yield exc
        raise PortUnavailable(self.transport.url, f"reconnect failed: {last}")

    # -- exchanges -------------------------------------------------------------------------------------
    def _prepare_exchange(self) -> None:
        quiet = self.resync_quiet_s if self._needs_resync else 0.0
        self.transport.discard_input(quiet)
        self._needs_resync = False

    def send(self, command: str) -> None:
        """Write one command (no reply expected), after dropping stale input."""
        self._prepare_exchange()
        self.transport.write_line(command)

    def query(self, command: str, *, timeout_s: float | None = None) -> bytes:
        """Send ``command`` and return the raw reply frame (terminator included)."""
        self.send(command)
        return self.receive(command, timeout_s=timeout_s)

    def receive(self, command: str | None, *, timeout_s: float | None = None) -> bytes:
        """Read the next frame; a timeout marks the line for resynchronisation before the next command."""
        try:
            return self.transport.read_frame(timeout_s, command=command)
        except InstrumentTimeout:
            self._needs_resync = True
            raise

    def text_of(self, frame: bytes) -> str:
        """The frame without its terminator; any byte outside printable ASCII rejects the frame whole.

        Instruments reply in printable 7-bit ASCII, so a control or high-bit byte is line noise or a
        parity/baud mismatch, never data.
        """
        body = frame[: len(frame) - len(self.transport.framing.read_terminator)]
        if not all(0x20 <= byte < 0x7F for byte in body):
            raise MalformedFrame(frame, "contains bytes outside printable ASCII (line noise?)")
        return body.decode("ascii")

    def agreed_twice(self, command: str, ask: Callable[[], tuple[_T, bytes]], *,
                     max_asks: int = 5) -> tuple[_T, bytes]:
        """Ask until two consecutive answers are equal and return that (answer, frame).

        Used for identity and configuration replies at connect (``I2``, ``I4``, ``*IDN?``, ``CONF?``): a
        reply corrupted on the line would otherwise be stored with every reading of the session.  A fault
        on one ask (garbled, dropped, refused reply) or two answers that differ is reported to
        :attr:`DriverOptions.on_fault` and the question is asked again, at most ``max_asks`` times.

        :raises Unconfirmed: no two consecutive answers agreed (the last pair's frames kept).
        :raises InstrumentError: the last ask's fault, when the last ask failed.
        :raises Disconnected: at once (asking again cannot help).
        """
        previous: tuple[_T, bytes] | None = None
        last: InstrumentError | None = None
        for _ in range(max_asks):
            try:
                answer, frame = ask()
            except Disconnected:
                raise
            except InstrumentError as exc:
                previous, last = None, exc
                self.report(exc)
                continue
            if previous is not None:
                if previous[0] == answer:
                    return answer, frame
                last = Unconfirmed(command, previous[1], frame, "the instrument's answer changed between "
                                                                "two asks")
                self.report(last)
            previous = (answer, frame)
        assert last is not None  # max_asks >= 2 and no pair agreed
        raise last

    def report(self, fault: InstrumentError) -> None:
        """Hand a fault the driver recovered from to :attr:`DriverOptions.on_fault` (if any)."""
        if self.options.on_fault is not None:
            self.options.on_fault(fault)

    # -- readings --------------------------------------------------------------------------------------
    @abstractmethod
    def read(self) -> Reading:
        """Take one reading (the driver's default measurement)."""

    def values_in_frame(self, frame: bytes) -> list[str] | None:
        """The value texts a binary frame carries, decoded afresh (validation compares readings with them);
        None for text protocols, whose values are written in the frame as sent."""
        return None

    def make_reading(self, value_text: str, unit: str, stable: bool | None, raw: bytes) -> Reading:
        """Stamp a parsed value with identity, the next sequence number and the UTC time."""
        if self.identity is None:
            raise Disconnected(self.transport.url, "driver used before initialise()")
        reading = Reading(value_text, unit, stable, self.identity, self._seq + 1, self.clock(), raw)
        self._seq += 1
        return reading
