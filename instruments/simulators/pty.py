"""Serve a simulated instrument on a pseudo-terminal.

:class:`PtySimulator` opens a pty pair with :func:`os.openpty`, puts the slave in raw mode (otherwise the
line discipline echoes input and translates CR/LF) and answers commands from a thread.  A client opens the
slave path with pyserial exactly as it would open ``/dev/ttyUSB0``.  With ``link`` the simulator keeps a
stable symlink to the current slave, like ``/dev/serial/by-id/…``: after a simulated unplug and re-plug the
slave number changes but the link does not.

Linux ptys ignore data bits, stop bits and parity (setting parity on one fails with EINVAL) and do not pace
bytes at the baud rate: streaming simulators pace themselves with :attr:`SimulatedInstrument.stream_period_s`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import struct
import termios
import threading
import time
import tty
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from instruments.simulators.faults import FaultPlan, Faults


class SimulatedInstrument(ABC):
    """Protocol logic of one simulated instrument; subclasses implement :meth:`handle`."""

    reply_terminator: bytes = b"\r\n"
    stream_period_s: float = 0.0

    def __init__(self) -> None:
        self.streaming = False
        self.commands: list[str] = []

    @abstractmethod
    def handle(self, command: str) -> list[str]:
        """Reply lines (without terminator) to one command line."""

    @abstractmethod
    def unrelated_reply(self) -> str:
        """A well-formed reply to some *other* command (the ``wrong`` fault)."""

    def take_command(self, pending: bytearray) -> str | None:
        """Remove and return the next complete command from ``pending`` (None: incomplete).

        Text instruments end a command with CR or LF (an empty string is returned for an empty line);
        binary protocols override this (Modbus RTU requests have a fixed length).  Bytes are kept as
        Latin-1 characters, so every byte survives.
        """
        positions = [i for i in (pending.find(b"\r"), pending.find(b"\n")) if i >= 0]
        if not positions:
            return None
        end = min(positions)
        line = bytes(pending[:end]).decode("latin-1")
        del pending[: end + 1]
        return line

    def next_stream_line(self) -> str:
        """The next line of an unsolicited stream (while :attr:`streaming`); instruments that stream override it."""
        raise TypeError(f"{type(self).__name__} does not stream unsolicited lines")

    def stream_batch(self, count: int) -> bytes:
        """``count`` stream frames at once (used when the simulator is behind its pacing schedule)."""
        term = self.reply_terminator
        return b"".join(self.next_stream_line().encode("latin-1") + term for _ in range(count))


class PtySimulator:
    """Run ``instrument`` behind a pty until :meth:`stop`; usable as a context manager."""

    def __init__(
        self,
        instrument: SimulatedInstrument,
        faults: Faults | None = None,
        *,
        link: Path | None = None,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        self.instrument = instrument
        self.faults = faults or Faults()
        self.plan = FaultPlan(self.faults)
        self.link = link
        self.on_event = on_event
        self.slave_name = ""
        self.frames_sent = 0
        self.disconnects = 0
        self._master = -1
        self._slave = -1
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._stream_t0 = 0.0
        self._stream_n = 0
        # (reply line as the instrument meant it, bytes put on the wire) for the last replies: tests
        # compare what a driver accepted with what was really measured
        self.sent: deque[tuple[str, bytes]] = deque(maxlen=100_000)

    # -- lifecycle -------------------------------------------------------------------------------------
    @property
    def path(self) -> str:
        """The path a client should open: the stable link if any, else the current slave."""
        return str(self.link) if self.link is not None else self.slave_name

    def start(self) -> str:
        """Open the pty, start serving; returns :attr:`path`."""
        self._open_pty()
        self._stream_t0, self._stream_n = time.monotonic(), 0
        self._thread = threading.Thread(
            target=self._serve, name=f"sim-{type(self.instrument).__name__}", daemon=True
        )
        self._thread.start()
        return self.path

    def stop(self) -> None:
        """Stop serving and close the pty."""
        self._stop.set()
        os.write(self._wake_w, b"x")
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._close_pty()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtySimulator:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def wake(self) -> None:
        """Make the serving thread re-evaluate its state (after changing the instrument from a test)."""
        os.write(self._wake_w, b"w")

    def wait_for_command(self, command: str, *, timeout_s: float = 2.0) -> bool:
        """Wait until the instrument has received ``command`` (tests check what a driver sent)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if command in self.instrument.commands:
                return True
            time.sleep(0.005)
        return False

    def _event(self, text: str) -> None:
        if self.on_event is not None:
            self.on_event(text)

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.slave_name = os.ttyname(slave)
        if self.link is not None:
            temporary = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
            temporary.symlink_to(self.slave_name)
            os.replace(temporary, self.link)

    def _close_pty(self) -> None:
        for name in ("_master", "_slave"):
            fd = getattr(self, name)
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
                setattr(self, name, -1)

    def _unread_by_client(self) -> int:
        buf = fcntl.ioctl(self._slave, termios.FIONREAD, b"\0\0\0\0")
        return int(struct.unpack("i", buf)[0])

    def disconnect(self) -> None:
        """Simulate pulling the cable; re-plug after ``faults.reopen_ms`` if set."""
        deadline = time.monotonic() + 2.0
        # Closing the master flushes whatever the client has not read yet; let it read first.  Bytes
        # written to the master reach the slave queue asynchronously, so wait for a sustained zero.
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            if self._unread_by_client():
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 0.05:
                break
            time.sleep(0.005)
        self._close_pty()
        self.disconnects += 1
        self._event("DISCONNECTED")
        if self.faults.reopen_ms is None:
            return
        if self._stop.wait(self.faults.reopen_ms / 1000.0):
            return
        self._open_pty()
        self.plan.replies = 0
        self._event(f"REOPENED {self.slave_name}")

    # -- serving ---------------------------------------------------------------------------------------
    def _serve(self) -> None:
        pending = bytearray()
        while not self._stop.is_set():
            if self._master < 0:
                if self._stop.wait(0.05):
                    return
                continue
            timeout = self._stream_wait()
            try:
                ready, _, _ = select.select([self._master, self._wake_r], [], [], timeout)
            except (OSError, ValueError):
                continue
            if self._wake_r in ready:
                os.read(self._wake_r, 64)
            if self._master in ready:
                try:
                    data = os.read(self._master, 4096)
                except BlockingIOError:
                    data = b""
                except OSError:
                    data = b""  # no client has the slave open right now
                    time.sleep(0.01)
                pending += self.plan.corrupt(data, self.faults.command_corrupt_rate)
                self._handle_commands(pending)
            if self.instrument.streaming and self._master >= 0:
                self._emit_stream()

    def _handle_commands(self, pending: bytearray) -> None:
        while True:
            line = self.instrument.take_command(pending)
            if line is None:
                return
            if not line:
                continue
            was_streaming = self.instrument.streaming
            self.instrument.commands.append(line)
            replies = self.instrument.handle(line)
            if self.instrument.streaming and not was_streaming:
                self._stream_t0, self._stream_n = time.monotonic(), 0
            for reply in replies:
                self._send_reply(reply)
                if self._master < 0:
                    return

    def _send_reply(self, line: str) -> None:
        kind = self.plan.decide()
        delay = self.plan.delay_s()
        if delay and self._stop.wait(delay):
            return
        term = self.instrument.reply_terminator
        payload = line.encode("latin-1")
        if kind == "drop":
            data = b""
        elif kind == "garble":
            data = self.plan.garble(payload) + term
        elif kind == "noise":
            data = self.plan.noise() + term + payload + term
        elif kind == "truncate":
            data = payload[: max(1, len(payload) // 2)]
        elif kind == "wrong":
            data = self.instrument.unrelated_reply().encode("latin-1") + term
        else:
            data = payload + term
        data = self.plan.corrupt(data, self.faults.corrupt_rate)
        self.sent.append((line, data))
        self._write_all(data)
        self.frames_sent += 1
        if self.plan.should_disconnect():
            self.disconnect()

    def _stream_wait(self) -> float | None:
        if not self.instrument.streaming:
            return None
        period = self.instrument.stream_period_s
        due = self._stream_t0 + self._stream_n * period
        return max(0.0, due - time.monotonic())

    def _emit_stream(self) -> None:
        period = self.instrument.stream_period_s
        behind = int((time.monotonic() - self._stream_t0) / period) + 1 - self._stream_n if period else 1
        if behind <= 0:
            return
        f = self.faults
        if f.disconnect_after is None and not any(
            (
                f.drop_rate,
                f.garble_rate,
                f.noise_rate,
                f.truncate_rate,
                f.wrong_rate,
                f.corrupt_rate,
                f.delay_ms,
                f.jitter_ms,
                f.schedule,
            )
        ):
            batch = min(behind, 256)
            self._write_all(self.instrument.stream_batch(batch))
            self._stream_n += batch
            self.frames_sent += batch
            return
        self._stream_n += 1
        self._send_reply(self.instrument.next_stream_line())

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view and not self._stop.is_set() and self._master >= 0:
            try:
                written = os.write(self._master, view)
                view = view[written:]
            except BlockingIOError:
                select.select([], [self._master], [], 0.05)
            except OSError:
                return
