"""Error hierarchy of the ``instruments`` package.

Every fault the package detects is an :class:`InstrumentError`; each subclass also inherits the builtin a
caller would naturally catch (``TimeoutError``, ``ConnectionError``, ``ValueError``, ``OSError``), as pint
does.  A fault always carries the raw bytes involved so that the record shows what was on the wire; a fault
is never turned into a number.

>>> err = InstrumentTimeout("SI", timeout_s=0.5, raw=b"S S  1")
>>> isinstance(err, TimeoutError), err.raw
(True, b'S S  1')
>>> str(err)
"no complete reply to 'SI' within 0.5 s (partial frame b'S S  1')"
"""

from __future__ import annotations


class InstrumentError(Exception):
    """Root of every error raised on purpose by ``instruments``."""


class PortUnavailable(InstrumentError, OSError):
    """The port does not exist, is busy (opened by another process) or cannot be opened."""

    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"port {url!r} cannot be opened: {reason}")


class SettingsRejected(InstrumentError, ValueError):
    """A serial setting (baud rate, parity, bits, handshake) is invalid or refused by the port."""

    def __init__(self, url: str, field: str, reason: str) -> None:
        self.url, self.field, self.reason = url, field, reason
        super().__init__(f"port {url!r} rejected setting {field}: {reason}")


class Disconnected(InstrumentError, ConnectionError):
    """The port went away while in use (cable pulled, USB adapter unplugged, peer closed)."""

    def __init__(self, url: str, reason: str) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"instrument on {url!r} disconnected: {reason}")


class InstrumentTimeout(InstrumentError, TimeoutError):
    """No complete frame arrived in time; ``raw`` holds any partial frame (never parsed)."""

    def __init__(self, command: str | None, *, timeout_s: float, raw: bytes = b"") -> None:
        self.command, self.timeout_s, self.raw = command, timeout_s, raw
        what = f"reply to {command!r}" if command is not None else "frame"
        partial = f" (partial frame {raw!r})" if raw else ""
        super().__init__(f"no complete {what} within {timeout_s:g} s{partial}")


class FrameTooLong(InstrumentError, ValueError):
    """More bytes than the protocol's maximum frame length arrived without a terminator (line noise)."""

    def __init__(self, max_frame_bytes: int, raw: bytes) -> None:
        self.max_frame_bytes, self.raw = max_frame_bytes, raw
        super().__init__(f"frame longer than {max_frame_bytes} bytes without terminator: {raw[:40]!r}…")


class MalformedFrame(InstrumentError, ValueError):
    """A complete frame that does not match the protocol's grammar; it is rejected whole."""

    def __init__(self, raw: bytes, reason: str) -> None:
        self.raw, self.reason = raw, reason
        super().__init__(f"malformed frame {raw!r}: {reason}")


class UnexpectedReply(InstrumentError, ValueError):
    """A well-formed reply that answers a different command than the one sent."""

    def __init__(self, command: str, raw: bytes, reason: str) -> None:
        self.command, self.raw, self.reason = command, raw, reason
        super().__init__(f"reply {raw!r} does not answer {command!r}: {reason}")


class ErrorReply(InstrumentError):
    """The instrument answered with an error (MT-SICS ``ES``/``ET``/``EL``/``I``/``L``, SCPI error queue)."""

    def __init__(self, command: str, code: str, message: str, raw: bytes = b"") -> None:
        self.command, self.code, self.message, self.raw = command, code, message, raw
        super().__init__(f"instrument refused {command!r}: {code} {message}")


class OutOfRange(InstrumentError, ValueError):
    """The instrument reports overload or underload instead of a value (never a number)."""

    def __init__(self, command: str, direction: str, raw: bytes) -> None:
        self.command, self.direction, self.raw = command, direction, raw
        super().__init__(f"{direction} reported in reply to {command!r}: {raw!r}")


class StaleReading(InstrumentError, ValueError):
    """The instrument returned a measurement it had already delivered."""

    def __init__(self, command: str, raw: bytes) -> None:
        self.command, self.raw = command, raw
        super().__init__(f"no new measurement since the last read of {command!r}: {raw!r}")


class UnknownDriver(InstrumentError, LookupError):
    """No driver is registered under the given name."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name, self.known = name, known
        super().__init__(f"unknown driver {name!r}; known drivers: {', '.join(known)}")

    def __str__(self) -> str:  # LookupError would otherwise repr() the message
        return str(self.args[0])


class ProfileError(InstrumentError, ValueError):
    """A line-driver profile file is invalid; ``field`` names the entry at fault."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        self.source, self.field, self.reason = source, field, reason
        super().__init__(f"profile {source}: {field}: {reason}")


class Implausible(InstrumentError, ValueError):
    """A well-formed frame whose content cannot be true: a unit other than the configured one, a value beyond
    the instrument's capacity or range, a number not in the configured format.  Rejected whole, never a
    reading."""

    def __init__(self, command: str, raw: bytes, reason: str) -> None:
        self.command, self.raw, self.reason = command, raw, reason
        super().__init__(f"implausible reply {raw!r} to {command!r}: {reason}")


class Unconfirmed(InstrumentError, ValueError):
    """Two consecutive replies that must agree (confirmation, identity read twice) did not.

    ``first_raw`` and ``raw`` are the two frames; the later one may still be confirmed by the next reply.
    """

    def __init__(self, command: str, first_raw: bytes, raw: bytes, reason: str) -> None:
        self.command, self.first_raw, self.raw, self.reason = command, first_raw, raw, reason
        super().__init__(f"replies to {command!r} disagree ({reason}): {first_raw!r} then {raw!r}")


class NotStable(InstrumentError, TimeoutError):
    """The instrument did not report a stable value within the allowed time; ``raw`` is the last frame."""

    def __init__(self, command: str, timeout_s: float, raw: bytes) -> None:
        self.command, self.timeout_s, self.raw = command, timeout_s, raw
        super().__init__(f"no stable value in reply to {command!r} within {timeout_s:g} s (last {raw!r})")


class ConnectFailed(InstrumentError, ConnectionError):
    """The connect sequence failed on every try; ``last`` is the last try's error, ``raw`` its frame."""

    def __init__(self, url: str, attempts: int, last: InstrumentError) -> None:
        self.url, self.attempts, self.last = url, attempts, last
        self.raw: bytes = bytes(getattr(last, "raw", b"") or b"")
        super().__init__(f"instrument on {url!r} did not complete its connect sequence in {attempts} "
                         f"tries; last: {last}")
