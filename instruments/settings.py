"""Serial line settings and framing rules, one pair per driver.

Settings are validated before a port is touched, so a typo in a profile file or on the command line is
reported with the field at fault instead of surfacing as an obscure ``termios`` error.

>>> SerialSettings(baudrate=2400, parity="E", bytesize=7, stopbits=2).describe()
'2400 7E2'
>>> SerialSettings(parity="X")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
instruments.errors.SettingsRejected: port '<settings>' rejected setting parity: must be one of N, E, O, ...
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from instruments.errors import SettingsRejected

STANDARD_BAUDRATES = (110, 300, 600, 1200, 2400, 4800, 9600, 14400, 19200, 38400, 57600, 115200, 230400,
                      460800, 921600)


@dataclass(frozen=True, slots=True)
class SerialSettings:
    """RS-232 character format and handshake (what the instrument's interface menu shows)."""

    baudrate: int = 9600
    bytesize: int = 8
    parity: str = "N"
    stopbits: float = 1
    xonxoff: bool = False
    rtscts: bool = False
    dsrdtr: bool = False

    def __post_init__(self) -> None:
        def bad(name: str, reason: str) -> SettingsRejected:
            return SettingsRejected("<settings>", name, reason)

        if not isinstance(self.baudrate, int) or isinstance(self.baudrate, bool) or self.baudrate <= 0:
            raise bad("baudrate", f"must be a positive integer, got {self.baudrate!r}")
        if self.bytesize not in (5, 6, 7, 8):
            raise bad("bytesize", f"must be 5, 6, 7 or 8, got {self.bytesize!r}")
        if self.parity not in ("N", "E", "O", "M", "S"):
            raise bad("parity", f"must be one of N, E, O, M, S, got {self.parity!r}")
        if self.stopbits not in (1, 1.5, 2):
            raise bad("stopbits", f"must be 1, 1.5 or 2, got {self.stopbits!r}")
        if self.rtscts and self.xonxoff:
            raise bad("handshake", "choose either RTS/CTS or XON/XOFF, not both")

    def describe(self) -> str:
        """Short form such as ``9600 8N1`` used in messages and documentation."""
        stop = f"{self.stopbits:g}"
        return f"{self.baudrate} {self.bytesize}{self.parity}{stop}"

    def bits_per_character(self) -> int:
        """Start bit + data bits + parity bit + stop bits (rounded up), the line time of one byte.

        >>> SerialSettings(baudrate=115200).bits_per_character()
        10
        """
        parity_bits = 0 if self.parity == "N" else 1
        return 1 + self.bytesize + parity_bits + int(self.stopbits + 0.5)


@dataclass(frozen=True, slots=True)
class Framing:
    """How frames are delimited on the wire and how long to wait for them.

    ``read_terminator`` ends every frame the instrument sends; ``write_terminator`` is appended to every
    command.  ``max_frame_bytes`` bounds a frame including its terminator: anything longer is line noise
    and is rejected whole.  ``timeout_s`` is the default wait for a complete reply.
    """

    read_terminator: bytes = b"\r\n"
    write_terminator: bytes = b"\r\n"
    timeout_s: float = 2.0
    max_frame_bytes: int = 256
    extra: tuple[tuple[str, str], ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.read_terminator:
            raise SettingsRejected("<framing>", "read_terminator", "must not be empty")
        if not self.timeout_s > 0:
            raise SettingsRejected("<framing>", "timeout_s", f"must be > 0, got {self.timeout_s!r}")
        if self.max_frame_bytes <= len(self.read_terminator):
            raise SettingsRejected("<framing>", "max_frame_bytes",
                                   f"must exceed the terminator length, got {self.max_frame_bytes!r}")

    def with_timeout(self, timeout_s: float) -> Framing:
        """A copy with another reply timeout."""
        return replace(self, timeout_s=timeout_s)


def parse_settings(text: str) -> SerialSettings:
    """Parse the command-line form ``BAUD[,DPS][,rtscts|xonxoff|dsrdtr]`` (``DPS`` e.g. ``8N1``, ``7E2``).

    >>> s = parse_settings("9600,7E2,dsrdtr")
    >>> s.describe(), s.dsrdtr
    ('9600 7E2', True)
    >>> parse_settings("fast")
    Traceback (most recent call last):
    ...
    instruments.errors.SettingsRejected: port '<settings>' rejected setting baudrate: not a number: 'fast'
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise SettingsRejected("<settings>", "settings", "empty")
    try:
        baudrate = int(parts[0])
    except ValueError:
        raise SettingsRejected("<settings>", "baudrate", f"not a number: {parts[0]!r}") from None
    options: dict[str, object] = {"baudrate": baudrate}
    for part in parts[1:]:
        lowered = part.lower()
        if lowered in ("rtscts", "xonxoff", "dsrdtr"):
            options[lowered] = True
        elif len(part) in (3, 5) and part[0].isdigit() and part[1].upper() in "NEOMS":
            options["bytesize"] = int(part[0])
            options["parity"] = part[1].upper()
            try:
                options["stopbits"] = float(part[2:]) if "." in part[2:] else int(part[2:])
            except ValueError:
                raise SettingsRejected("<settings>", "stopbits", f"not a number in {part!r}") from None
        else:
            raise SettingsRejected("<settings>", "settings",
                                   f"{part!r} is neither a character format like 8N1 nor a handshake")
    return SerialSettings(**options)  # type: ignore[arg-type]
