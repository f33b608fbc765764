"""Transport: opening by URL, settings, framing rules, and the port faults named in issue 7."""

from __future__ import annotations

import contextlib
import os
import tty
from pathlib import Path

import pytest
import serial

from instruments.errors import (
    Disconnected,
    FrameTooLong,
    InstrumentTimeout,
    PortUnavailable,
    SettingsRejected,
)
from instruments.settings import Framing, SerialSettings
from instruments.transport import SerialTransport


@pytest.fixture
def pty_pair():
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


def test_loop_url_round_trip() -> None:
    with SerialTransport("loop://", SerialSettings(), Framing(timeout_s=0.2)) as t:
        t.write(b"one\r\ntwo\r\nthr")
        assert t.read_frame() == b"one\r\n"
        assert t.read_frame() == b"two\r\n"
        with pytest.raises(InstrumentTimeout) as info:
            t.read_frame(0.05)
        assert info.value.raw == b"thr"  # the partial frame is reported, then dropped


def test_missing_port_names_the_port(tmp_path: Path) -> None:
    missing = str(tmp_path / "ttyUSB9")
    with pytest.raises(PortUnavailable, match="ttyUSB9"):
        SerialTransport(missing, SerialSettings(), Framing()).open()


def test_bad_url_scheme_is_port_unavailable() -> None:
    with pytest.raises(PortUnavailable, match="not a usable port"):
        SerialTransport("nosuch://x", SerialSettings(), Framing()).open()


def test_busy_port_is_reported(pty_pair) -> None:
    _, path = pty_pair
    with SerialTransport(path, SerialSettings(), Framing()), pytest.raises(PortUnavailable, match="busy"):
        SerialTransport(path, SerialSettings(), Framing()).open()


REJECTING_HANDLER = """
import serial
from serial.serialutil import SerialBase, SerialException


class Serial(SerialBase):
    def open(self):
        if self._parity != "N":
            raise SerialException("Could not configure port: (22, 'Invalid argument')")
        self.is_open = True

    def close(self):
        self.is_open = False

    def reset_input_buffer(self):
        pass
"""


def test_settings_rejected_by_the_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real pyserial URL handler (pyserial's documented extension point) whose port refuses parity,
    # as USB adapters without mark/space parity do at tcsetattr.
    package = tmp_path / "rejecting_ports"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "protocol_reject.py").write_text(REJECTING_HANDLER)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        serial, "protocol_handler_packages", [*serial.protocol_handler_packages, "rejecting_ports"]
    )
    SerialTransport("reject://x", SerialSettings(), Framing()).open()
    with pytest.raises(SettingsRejected, match="9600 7E2"):
        SerialTransport("reject://x", SerialSettings(bytesize=7, parity="E", stopbits=2), Framing()).open()


def test_invalid_settings_name_the_field() -> None:
    with pytest.raises(SettingsRejected, match="bytesize"):
        SerialSettings(bytesize=9)
    with pytest.raises(SettingsRejected, match="baudrate"):
        SerialSettings(baudrate=0)
    with pytest.raises(SettingsRejected, match="handshake"):
        SerialSettings(rtscts=True, xonxoff=True)
    with pytest.raises(SettingsRejected, match="max_frame_bytes"):
        Framing(max_frame_bytes=2)


def test_noise_longer_than_max_frame_is_rejected_then_resynchronised() -> None:
    with SerialTransport("loop://", SerialSettings(), Framing(timeout_s=0.2, max_frame_bytes=16)) as t:
        t.write(b"\xff" * 40 + b"still noise\r\nS S 1.0 g\r\n")
        with pytest.raises(FrameTooLong):
            t.read_frame()
        assert t.read_frame() == b"S S 1.0 g\r\n"
        assert t.bytes_discarded >= 24


def test_peer_closing_is_disconnected(pty_pair) -> None:
    master, path = pty_pair
    with SerialTransport(path, SerialSettings(), Framing(timeout_s=1)) as t:
        os.close(master)
        with pytest.raises(Disconnected):
            t.read_frame()
        assert not t.is_open


def test_frame_split_across_many_writes(pty_pair) -> None:
    master, path = pty_pair
    with SerialTransport(path, SerialSettings(), Framing(timeout_s=1)) as t:
        for byte in b"+1.23456789E+00\r\n":
            os.write(master, bytes([byte]))
        assert t.read_frame() == b"+1.23456789E+00\r\n"
