"""A simulated Modbus RTU temperature/humidity transmitter (input and holding registers).

Requests are 8 bytes (functions 3 and 4); a request whose CRC fails is ignored, as a real server does
(Modbus over Serial Line V1.02, 2.4.3).  ``registers`` maps address → 16-bit value; the defaults follow
:data:`instruments.drivers.modbus_rtu.TH_TRANSMITTER` (register 1: °C × 10, register 2: %RH × 10), with a
seeded noise of ±``noise_counts`` on the temperature.  The CRC below was checked by hand with the
CRC-16/MODBUS algorithm (polynomial 0xA001 reflected, initial 0xFFFF, low byte first).

>>> from instruments.drivers.modbus_rtu import request_frame
>>> sim = ModbusRtuSimulator(noise_counts=0)
>>> reply = sim.handle(request_frame(1, 4, 1, 2).decode("latin-1"))[0].encode("latin-1")
>>> reply.hex(" ")
'01 04 04 00 eb 01 c2 0b b1'
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from instruments.simulators.pty import SimulatedInstrument

if TYPE_CHECKING:
    from pymodbus.pdu import ModbusPDU


class ModbusRtuSimulator(SimulatedInstrument):
    """Answers read requests for ``device_id`` from ``registers``; busy → exception 6."""

    reply_terminator = b""

    def __init__(self, *, device_id: int = 1, seed: int = 0, noise_counts: int = 2,
                 temperature_c10: int = 235, humidity_rh10: int = 450) -> None:
        super().__init__()
        self.device_id = device_id
        self.registers = {1: temperature_c10, 2: humidity_rh10}
        self.noise_counts = noise_counts
        self.rng = random.Random(seed)
        self.busy = False
        from pymodbus.framer import FramerRTU  # imported on use, as in the driver
        from pymodbus.pdu import DecodePDU

        self.framer = FramerRTU(DecodePDU(is_server=True))

    def take_command(self, pending: bytearray) -> str | None:
        """A read request is always 8 bytes."""
        if len(pending) < 8:
            return None
        command = bytes(pending[:8]).decode("latin-1")
        del pending[:8]
        return command

    def handle(self, command: str) -> list[str]:
        """Reply to one request, or nothing (bad CRC, another device)."""
        from pymodbus.framer import FramerRTU
        from pymodbus.pdu import ExceptionResponse
        from pymodbus.pdu.register_message import ReadHoldingRegistersResponse, ReadInputRegistersResponse

        responses = {3: ReadHoldingRegistersResponse, 4: ReadInputRegistersResponse}
        data = command.encode("latin-1")
        crc = int.from_bytes(data[6:8], "big")  # pymodbus keeps the CRC as the two bytes in wire order
        if FramerRTU.compute_CRC(data[:6]) != crc or data[0] != self.device_id:
            return []
        function, address, count = data[1], int.from_bytes(data[2:4], "big"), int.from_bytes(data[4:6], "big")
        if function not in responses:
            return [self._frame(ExceptionResponse(function, 1, device_id=self.device_id))]
        if self.busy:
            return [self._frame(ExceptionResponse(function, 6, device_id=self.device_id))]
        wanted = range(address, address + count)
        if count < 1 or any(a not in self.registers for a in wanted):
            return [self._frame(ExceptionResponse(function, 2, device_id=self.device_id))]
        values = [self._value(a) for a in wanted]
        return [self._frame(responses[function](dev_id=self.device_id, registers=values))]

    def _value(self, address: int) -> int:
        value = self.registers[address]
        if address == 1 and self.noise_counts:
            value += self.rng.randint(-self.noise_counts, self.noise_counts)
        return value & 0xFFFF

    def _frame(self, pdu: ModbusPDU) -> str:
        pdu.dev_id = self.device_id
        return bytes(self.framer.buildFrame(pdu)).decode("latin-1")

    def unrelated_reply(self) -> str:
        """A valid reply from another device on the bus."""
        from pymodbus.pdu.register_message import ReadInputRegistersResponse

        other = ReadInputRegistersResponse(dev_id=self.device_id % 247 + 1, registers=[0, 0])
        other.dev_id = self.device_id % 247 + 1
        return bytes(self.framer.buildFrame(other)).decode("latin-1")
