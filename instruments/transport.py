"""Byte transport over pyserial with explicit framing.

:class:`SerialTransport` opens any pyserial URL with :func:`serial.serial_for_url` (a device path,
``/dev/serial/by-id/…``, ``loop://``, ``socket://``, ``rfc2217://``), applies the driver's
:class:`~instruments.settings.SerialSettings` and moves whole frames: :meth:`read_frame` returns one frame
*including* its terminator, or raises.  pyserial itself never raises on a timeout and returns partial lines
(pyserial issues #18, #248), so every rule lives here:

* a frame is complete only when its terminator arrived; a partial frame at the deadline is
  :class:`~instruments.errors.InstrumentTimeout` carrying the partial bytes, never parsed;
* more than ``max_frame_bytes`` without a terminator is line noise: :class:`FrameTooLong`, and the rest of
  that noise up to the next terminator is discarded too, so the next frame starts clean;
* an I/O error or an end-of-file on the port is :class:`~instruments.errors.Disconnected`.

>>> t = SerialTransport("loop://", SerialSettings(), Framing(timeout_s=0.2))
>>> t.open()
>>> t.write_line("S S     12.34 g")
>>> t.read_frame()
b'S S     12.34 g\\r\\n'
>>> t.close()
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from types import TracebackType

import serial

from instruments.errors import (
    Disconnected,
    FrameTooLong,
    InstrumentTimeout,
    PortUnavailable,
    SettingsRejected,
)
from instruments.settings import Framing, SerialSettings

# Longest single wait inside pyserial; the frame deadline is enforced here, not by pyserial.
# Changing ``port.timeout`` re-runs tcsetattr, so it is set once at open.
POLL_S = 0.02


class SerialTransport:
    """One serial connection: open by URL, write commands, read terminated frames."""

    def __init__(self, url: str, settings: SerialSettings, framing: Framing, *,
                 exclusive: bool = True) -> None:
        self.url = url
        self.settings = settings
        self.framing = framing
        self.exclusive = exclusive
        self._port: serial.Serial | None = None
        self._fd: int | None = None
        self._buffer = bytearray()
        self._discarding = False
        self.bytes_discarded = 0

    # -- lifecycle -------------------------------------------------------------------------------------
    def open(self) -> None:
        """Open the port and apply the settings; raise a typed error naming the cause."""
        try:
            port = serial.serial_for_url(self.url, do_not_open=True)
        except (ValueError, serial.SerialException) as exc:
            raise PortUnavailable(self.url, f"not a usable port or URL ({exc})") from exc
        s = self.settings
        try:
            port.baudrate = s.baudrate
            port.bytesize = s.bytesize
            port.parity = s.parity
            port.stopbits = s.stopbits
            port.xonxoff = s.xonxoff
            port.rtscts = s.rtscts
            port.dsrdtr = s.dsrdtr
        except ValueError as exc:
            raise SettingsRejected(self.url, _field_of(str(exc)), str(exc)) from exc
        port.timeout = POLL_S
        port.write_timeout = self.framing.timeout_s
        if self.exclusive and hasattr(port, "exclusive"):
            port.exclusive = True
        try:
            port.open()
        except serial.SerialException as exc:
            message = str(exc)
            if "Could not configure port" in message:
                raise SettingsRejected(self.url, "settings", f"{s.describe()} refused by the port: "
                                       f"{message}") from exc
            if "exclusively lock" in message:
                raise PortUnavailable(self.url, "busy: opened by another program") from exc
            raise PortUnavailable(self.url, message) from exc
        except (OSError, ValueError) as exc:
            raise PortUnavailable(self.url, str(exc)) from exc
        self._port = port
        # pyserial's POSIX ports expose their descriptor; URL handlers (loop://, socket://) do not.
        self._fd = port.fileno() if type(port).__module__ == "serial.serialposix" else None
        self._buffer.clear()
        self._discarding = False
        try:
            port.reset_input_buffer()  # stale bytes from before the open (pyserial #329)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise Disconnected(self.url, str(exc)) from exc

    def close(self) -> None:
        """Close the port; safe to call twice."""
        port, self._port, self._fd = self._port, None, None
        if port is not None:
            # the device may already be gone; closing must not raise a second error
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    @property
    def is_open(self) -> bool:
        """True between a successful :meth:`open` and :meth:`close`."""
        return self._port is not None

    def __enter__(self) -> SerialTransport:
        if not self.is_open:
            self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _require_port(self) -> serial.Serial:
        if self._port is None:
            raise Disconnected(self.url, "port is not open")
        return self._port

    # -- bytes -----------------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        """Write raw bytes (no terminator added)."""
        port = self._require_port()
        try:
            port.write(data)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise Disconnected(self.url, str(exc)) from exc

    def write_line(self, command: str) -> None:
        """Write ``command`` encoded as ASCII followed by the write terminator."""
        self.write(command.encode("ascii") + self.framing.write_terminator)

    def _fill(self) -> int:
        port = self._require_port()
        try:
            if self._fd is not None:
                chunk = self._read_fd(self._fd)
            else:
                waiting = port.in_waiting
                chunk = port.read(waiting if waiting > 0 else 1)
        except (serial.SerialException, OSError) as exc:
            self.close()
            raise Disconnected(self.url, str(exc)) from exc
        self._buffer += chunk
        return len(chunk)

    @staticmethod
    def _read_fd(fd: int) -> bytes:
        # POSIX ports: one select and one read of everything available, instead of pyserial's
        # in_waiting ioctl plus a read loop; same end-of-file rule as pyserial.
        ready, _, _ = select.select([fd], [], [], POLL_S)
        if not ready:
            return b""
        try:
            chunk = os.read(fd, 4096)
        except BlockingIOError:
            return b""
        if not chunk:
            raise serial.SerialException("device reports readiness to read but returned no data "
                                         "(device disconnected or multiple access on port?)")
        return chunk

    def read_frame(self, timeout_s: float | None = None, *, command: str | None = None) -> bytes:
        """Return the next complete frame, terminator included.

        :param timeout_s: wait at most this long (default: the framing's timeout).
        :param command: the command this frame answers, for error messages only.
        :raises InstrumentTimeout: nothing complete in time (partial bytes in ``raw``, then dropped).
        :raises FrameTooLong: ``max_frame_bytes`` exceeded without a terminator.
        :raises Disconnected: the port failed.
        """
        wait_s = self.framing.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + wait_s
        term = self.framing.read_terminator
        limit = self.framing.max_frame_bytes
        while True:
            index = self._buffer.find(term)
            if self._discarding:
                if index < 0:
                    self.bytes_discarded += max(0, len(self._buffer) - len(term) + 1)
                    del self._buffer[: max(0, len(self._buffer) - len(term) + 1)]
                else:
                    self.bytes_discarded += index + len(term)
                    del self._buffer[: index + len(term)]
                    self._discarding = False
                    continue
            elif index >= 0:
                end = index + len(term)
                frame = bytes(self._buffer[:end])
                del self._buffer[:end]
                if end > limit:
                    self.bytes_discarded += end
                    raise FrameTooLong(limit, frame)
                return frame
            elif len(self._buffer) >= limit:
                junk = bytes(self._buffer)
                self.bytes_discarded += len(junk)
                self._buffer.clear()
                self._discarding = True
                raise FrameTooLong(limit, junk)
            if time.monotonic() >= deadline:
                partial = bytes(self._buffer)
                self._buffer.clear()
                raise InstrumentTimeout(command, timeout_s=wait_s, raw=partial)
            self._fill()

    def read_exact(self, count: int, timeout_s: float | None = None, *, command: str | None = None) -> bytes:
        """Return exactly ``count`` bytes (binary protocols such as Modbus RTU, whose frames have no
        terminator and whose length follows from their header).

        :raises InstrumentTimeout: fewer bytes in time (those bytes in ``raw``, then dropped).
        :raises Disconnected: the port failed.
        """
        wait_s = self.framing.timeout_s if timeout_s is None else timeout_s
        deadline = time.monotonic() + wait_s
        while len(self._buffer) < count:
            if time.monotonic() >= deadline:
                partial = bytes(self._buffer)
                self._buffer.clear()
                raise InstrumentTimeout(command, timeout_s=wait_s, raw=partial)
            self._fill()
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def discard_input(self, quiet_s: float = 0.0) -> bytes:
        """Drop buffered input, then keep dropping until the line has been silent for ``quiet_s``.

        Used to resynchronise after a timeout: a late reply must not be taken as the answer to the next
        command.  Returns what was dropped (for the log).
        """
        port = self._require_port()
        dropped = bytearray(self._buffer)
        self._buffer.clear()
        self._discarding = False
        silent_since = time.monotonic()
        while True:
            try:
                waiting = port.in_waiting
                if waiting:
                    dropped += port.read(waiting)
                    silent_since = time.monotonic()
                elif time.monotonic() - silent_since >= quiet_s:
                    break
                else:
                    time.sleep(min(POLL_S, quiet_s))
            except (serial.SerialException, OSError) as exc:
                self.close()
                raise Disconnected(self.url, str(exc)) from exc
        self.bytes_discarded += len(dropped)
        return bytes(dropped)


def _field_of(message: str) -> str:
    lowered = message.lower()
    for name in ("baudrate", "bytesize", "parity", "stopbits"):
        if name.rstrip("s") in lowered.replace(" ", ""):
            return name
    if "baud" in lowered:
        return "baudrate"
    if "stop" in lowered:
        return "stopbits"
    return "settings"
