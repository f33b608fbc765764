"""Generic Modbus RTU register driver (temperature/humidity transmitters and other loggers on RS-485).

Modbus RTU (Modbus over Serial Line V1.02, Modbus Application Protocol V1.1b3): a request is
``<device id> <function> <address hi lo> <count hi lo> <CRC-16 lo hi>``; the reply to function 3 (read
holding registers) or 4 (read input registers) is ``<device id> <function> <byte count> <registers…>
<CRC>``, an exception reply ``<device id> <function | 0x80> <exception code> <CRC>``.  pymodbus builds the
request and decodes the reply, CRC included; this module moves the bytes over the package's own
:class:`~instruments.transport.SerialTransport` (so reconnects, resynchronisation and the errors are the
same as every other driver's) and turns registers into readings.

A :class:`RegisterQuantity` says where a quantity lives and how to read it: value = register (as signed or
unsigned 16-bit integer) × 10^``exponent``, exact (``Decimal``, never a float), with its unit and the range
outside which a value cannot be true (plausibility; a reply whose CRC fails is a :class:`MalformedFrame`).

>>> t = RegisterQuantity("temperature", 0, "C", exponent=-1, signed=True,
...                      minimum=Decimal("-40"), maximum=Decimal("80"))
>>> t.value_text(0xFF06), t.value_text(235)
('-25.0', '23.5')
>>> request_frame(1, 3, 0, 2).hex(" ")
'01 03 00 00 00 02 c4 0b'
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from instruments.drivers.base import Clock, Driver, DriverOptions
from instruments.errors import ErrorReply, Implausible, InstrumentTimeout, MalformedFrame, UnexpectedReply
from instruments.reading import InstrumentIdentity, Reading, utc_now
from instruments.settings import Framing, SerialSettings
from instruments.transport import SerialTransport

if TYPE_CHECKING:
    from pymodbus.framer import FramerRTU

# pymodbus is imported where it is used: `lims bench` and the station load the driver registry, and most
# benches have no Modbus device (the import costs about 0.2 s).
READ_FUNCTIONS = (3, 4)
EXCEPTIONS = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
              4: "server device failure", 6: "server device busy"}


@dataclass(frozen=True, slots=True)
class RegisterQuantity:
    """One quantity in one 16-bit register: value = integer × 10^exponent, in ``unit``."""

    name: str
    address: int
    unit: str
    exponent: int = 0
    signed: bool = True
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.address <= 0xFFFF:
            raise ValueError(f"{self.name}: register address must be 0 to 65535, got {self.address}")

    def value_text(self, register: int) -> str:
        """The exact decimal text of a raw register (two's complement when ``signed``)."""
        number = register - 0x10000 if self.signed and register >= 0x8000 else register
        return str(Decimal(number).scaleb(self.exponent))


@dataclass(frozen=True, slots=True)
class RegisterMap:
    """What to read from a device: function 3 or 4 and the quantities, read in one request."""

    manufacturer: str
    model: str
    quantities: tuple[RegisterQuantity, ...]
    function: int = 4
    device_id: int = 1

    def __post_init__(self) -> None:
        if self.function not in READ_FUNCTIONS:
            raise ValueError(f"function must be 3 or 4, got {self.function}")
        if not 1 <= self.device_id <= 247:
            raise ValueError(f"device_id must be 1 to 247, got {self.device_id}")
        if not self.quantities:
            raise ValueError("a register map needs at least one quantity")

    @property
    def first_address(self) -> int:
        """Lowest register read."""
        return min(q.address for q in self.quantities)

    @property
    def count(self) -> int:
        """Registers read in one request (from the lowest to the highest address)."""
        return max(q.address for q in self.quantities) - self.first_address + 1


# A common RS-485 temperature/humidity transmitter layout: input registers 1 (°C × 10, signed) and 2
# (%RH × 10), device 1.  Other devices get their own map.
TH_TRANSMITTER = RegisterMap(
    "generic", "Modbus RTU T/RH transmitter",
    (RegisterQuantity("temperature", 1, "C", exponent=-1, signed=True,
                      minimum=Decimal("-40"), maximum=Decimal("125")),
     RegisterQuantity("humidity", 2, "%RH", exponent=-1, signed=False,
                      minimum=Decimal(0), maximum=Decimal(100))),
)


def _framer() -> FramerRTU:
    from pymodbus.framer import FramerRTU
    from pymodbus.pdu import DecodePDU

    return FramerRTU(DecodePDU(is_server=False))


def request_frame(device_id: int, function: int, address: int, count: int) -> bytes:
    """The RTU request (CRC appended) built by pymodbus."""
    from pymodbus.pdu.register_message import ReadHoldingRegistersRequest, ReadInputRegistersRequest

    request = ReadHoldingRegistersRequest if function == 3 else ReadInputRegistersRequest
    return bytes(_framer().buildFrame(request(address=address, count=count, dev_id=device_id)))


class ModbusRtuDriver(Driver):
    """Reads a :class:`RegisterMap` with one request; :meth:`read_all` gives one reading per quantity."""

    name: ClassVar[str] = "modbus-rtu"
    description: ClassVar[str] = "Modbus RTU registers (default: T/RH transmitter, input registers 1-2)"
    default_settings: ClassVar[SerialSettings] = SerialSettings(baudrate=9600)
    # RTU frames have no terminator: ``read_terminator`` is unused; the timeout and size limit apply.
    default_framing: ClassVar[Framing] = Framing(b"\r\n", b"", timeout_s=1.0, max_frame_bytes=256)
    register_map: ClassVar[RegisterMap] = TH_TRANSMITTER

    def __init__(self, transport: SerialTransport, *, clock: Clock = utc_now,
                 options: DriverOptions | None = None, register_map: RegisterMap | None = None) -> None:
        super().__init__(transport, clock=clock, options=options)
        self.map = register_map or self.register_map

    def _initialise(self) -> InstrumentIdentity:
        # Modbus has no identification every device answers; one read proves the device is there and
        # speaks the map (asked twice: the two replies must agree on the register layout).
        self.agreed_twice("registers", lambda: (len(self._registers()[0]), b""))
        return InstrumentIdentity(self.map.manufacturer, self.map.model, f"device {self.map.device_id}", "")

    def _registers(self) -> tuple[list[int], bytes]:
        m = self.map
        command = f"read {m.count} registers at {m.first_address} (function {m.function})"
        self._prepare_exchange()
        self.transport.write(request_frame(m.device_id, m.function, m.first_address, m.count))
        head = self.receive_exact(3, command)
        size = 5 if head[1] & 0x80 else 5 + head[2]
        frame = head + self.receive_exact(size - 3, command, partial=head)
        from pymodbus.exceptions import ModbusException
        from pymodbus.pdu import ExceptionResponse

        try:
            _, pdu = _framer().handleFrame(frame, 0, 0)
        except ModbusException as exc:
            raise MalformedFrame(frame, f"not a Modbus reply: {exc}") from exc
        if pdu is None:
            raise MalformedFrame(frame, "CRC-16 check failed")
        if pdu.dev_id != m.device_id:
            raise UnexpectedReply(command, frame, f"reply from device {pdu.dev_id}")
        if isinstance(pdu, ExceptionResponse):
            code = int(pdu.exception_code)
            raise ErrorReply(command, f"exception {code}", EXCEPTIONS.get(code, "unknown exception"), frame)
        if pdu.function_code != m.function:
            raise UnexpectedReply(command, frame, f"reply to function {pdu.function_code}")
        registers = list(pdu.registers)
        if len(registers) != m.count:
            raise MalformedFrame(frame, f"{len(registers)} registers, asked for {m.count}")
        return registers, frame

    def receive_exact(self, count: int, command: str, *, partial: bytes = b"") -> bytes:
        """``count`` bytes of the reply; a timeout marks the line for resynchronisation."""
        try:
            return self.transport.read_exact(count, command=command)
        except InstrumentTimeout as exc:
            self._needs_resync = True
            raise InstrumentTimeout(command, timeout_s=exc.timeout_s, raw=partial + exc.raw) from None

    def values_in_frame(self, frame: bytes) -> list[str] | None:
        """The map's value texts in a reply frame, decoded again by pymodbus (CRC checked); [] if it is not
        a register reply."""
        from pymodbus.pdu.register_message import ReadHoldingRegistersResponse, ReadInputRegistersResponse

        _, pdu = _framer().handleFrame(frame, 0, 0)
        if not isinstance(pdu, (ReadHoldingRegistersResponse, ReadInputRegistersResponse)):
            return []
        registers = list(pdu.registers)
        if len(registers) != self.map.count:
            return []
        return [q.value_text(registers[q.address - self.map.first_address]) for q in self.map.quantities]

    def read_all(self) -> list[Reading]:
        """One reading per quantity of the map, from one request (all share its raw frame)."""
        registers, frame = self._registers()
        values: list[tuple[str, str]] = []
        for quantity in self.map.quantities:
            text = quantity.value_text(registers[quantity.address - self.map.first_address])
            value = Decimal(text)
            if (quantity.minimum is not None and value < quantity.minimum) or (
                    quantity.maximum is not None and value > quantity.maximum):
                raise Implausible(quantity.name, frame, f"{text} {quantity.unit} is outside "
                                                        f"{quantity.minimum} to {quantity.maximum}")
            values.append((text, quantity.unit))
        return [self.make_reading(text, unit, None, frame) for text, unit in values]

    def read(self) -> Reading:
        """The map's first quantity (``read_all`` gives every one)."""
        return self.read_all()[0]
